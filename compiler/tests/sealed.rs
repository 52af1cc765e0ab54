//! The SealedSecrets of the default and free_tier goldens carry real
//! ciphertext: every value opens with the test key of
//! tests/fixtures/sealing (the one scripts/seal-test-secrets sealed them
//! to) the way the Sealed Secrets controller opens it, and every key a
//! workload reads is there.
//!
//! The scheme (bitnami-labs/sealed-secrets pkg/crypto/crypto.go): the
//! RSA ciphertext's length as 2 bytes big-endian, the RSA-OAEP (SHA-256)
//! ciphertext of a 32-byte AES-256 session key with the label
//! `<namespace>/<name>` (strict scope), then the value sealed by AES-GCM
//! under that key with a zero nonce.

mod common;

use std::collections::BTreeSet;

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine as _;
use rsa::pkcs1::DecodeRsaPrivateKey;
use rsa::{Oaep, RsaPrivateKey};
use serde::Deserialize;

use common::{compile, repo};
use hplc::emit::kube::secrets::needed;

fn test_key() -> RsaPrivateKey {
    let pem = std::fs::read_to_string(repo().join("compiler/tests/fixtures/sealing/tls.key"))
        .expect("the test key");
    RsaPrivateKey::from_pkcs1_pem(&pem).expect("a PKCS#1 RSA key")
}

/// Opens one `encryptedData` value sealed for `namespace/name`.
fn unseal(
    key: &RsaPrivateKey,
    namespace: &str,
    name: &str,
    sealed: &str,
) -> Result<String, String> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(sealed)
        .map_err(|e| format!("not base64: {e}"))?;
    if bytes.len() < 2 {
        return Err("too short".into());
    }
    let rsa_len = u16::from_be_bytes([bytes[0], bytes[1]]) as usize;
    let rest = &bytes[2..];
    if rest.len() < rsa_len {
        return Err("too short for its RSA ciphertext".into());
    }
    let (rsa_ciphertext, aes_ciphertext) = rest.split_at(rsa_len);
    let label = format!("{namespace}/{name}");
    let session_key = key
        .decrypt(
            Oaep::new_with_label::<sha2::Sha256, _>(label),
            rsa_ciphertext,
        )
        .map_err(|e| format!("RSA-OAEP: {e}"))?;
    let cipher =
        Aes256Gcm::new_from_slice(&session_key).map_err(|e| format!("session key: {e}"))?;
    let value = cipher
        .decrypt(Nonce::from_slice(&[0u8; 12]), aes_ciphertext)
        .map_err(|e| format!("AES-GCM: {e}"))?;
    String::from_utf8(value).map_err(|e| format!("not UTF-8: {e}"))
}

/// A SealedSecret: namespace, name, and its keys with their ciphertext.
type Sealed = (String, String, Vec<(String, String)>);

/// Every SealedSecret of a golden tree (k8s/secrets/ holds them).
fn sealed_secrets(env: &str) -> Vec<Sealed> {
    let mut found = Vec::new();
    for path in common::golden_k8s_files(env) {
        let text = std::fs::read_to_string(&path).expect("golden file");
        for document in serde_yaml::Deserializer::from_str(&text) {
            let value = serde_yaml::Value::deserialize(document).expect("YAML");
            if value["kind"].as_str() != Some("SealedSecret") {
                continue;
            }
            let field = |v: &serde_yaml::Value| v.as_str().unwrap_or_default().to_string();
            let data = value["spec"]["encryptedData"]
                .as_mapping()
                .map(|m| m.iter().map(|(k, v)| (field(k), field(v))).collect())
                .unwrap_or_default();
            found.push((
                field(&value["metadata"]["namespace"]),
                field(&value["metadata"]["name"]),
                data,
            ));
        }
    }
    found
}

#[test]
fn every_sealed_value_of_the_goldens_opens_with_the_test_key() {
    let key = test_key();
    for (env, flag) in [("default", None), ("free_tier", Some("free_tier"))] {
        let compilation = compile(flag);
        let platform = compilation.model.as_ref().expect("a model");
        let expected: BTreeSet<(String, String, String)> = needed(platform)
            .into_iter()
            .filter(|(_, secret)| secret.store == "sealed")
            .flat_map(|((namespace, name), secret)| {
                secret
                    .keys
                    .iter()
                    .map(|k| (namespace.to_string(), name.to_string(), k.to_string()))
                    .collect::<Vec<_>>()
            })
            .collect();
        assert!(!expected.is_empty(), "{env}: no sealed secret to check");
        let mut opened = BTreeSet::new();
        for (namespace, name, data) in sealed_secrets(env) {
            for (k, ciphertext) in data {
                let value = unseal(&key, &namespace, &name, &ciphertext)
                    .unwrap_or_else(|e| panic!("{env}: {namespace}/{name} key {k}: {e}"));
                assert_eq!(
                    value,
                    format!("hplc-test:{namespace}/{name}/{k}"),
                    "{env}: {namespace}/{name} key {k} opens to another value"
                );
                opened.insert((namespace.clone(), name.clone(), k));
            }
        }
        assert_eq!(
            opened, expected,
            "{env}: the keys the SealedSecrets carry are not the keys the workloads read"
        );
    }
}

/// A value sealed for one Secret does not open as another (strict scope).
#[test]
fn a_sealed_value_opens_only_for_its_own_secret() {
    let key = test_key();
    let (namespace, name, data) = sealed_secrets("default")
        .into_iter()
        .find(|(_, _, data)| !data.is_empty())
        .expect("a SealedSecret with a value");
    let (_, ciphertext) = &data[0];
    assert!(unseal(&key, &namespace, &name, ciphertext).is_ok());
    assert!(unseal(&key, &namespace, "another-secret", ciphertext).is_err());
}
