"""The sealing half of scripts/seal-test-secrets (see there).

The scheme is Sealed Secrets' hybrid encryption (bitnami-labs/sealed-secrets
pkg/crypto/crypto.go, HybridEncrypt): a random 32-byte AES-256 session key,
encrypted with RSA-OAEP (SHA-256) to the controller's public key with the
label `<namespace>/<name>` (kubeseal's strict scope); the output is the RSA
ciphertext's length as 2 bytes big-endian, the RSA ciphertext, then the value
sealed by AES-GCM under the session key with a zero nonce; base64 of that is
what `kubeseal --raw` prints.
"""

import base64
import datetime
import json
import os
import re
import subprocess
import sys

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.x509.oid import NameOID

FIXTURES = "compiler/tests/fixtures/sealing"
KEY = f"{FIXTURES}/tls.key"
CERT = f"{FIXTURES}/tls.crt"
ENVS = {"default": "default_sealed", "free_tier": "free_tier_sealed"}
HPLC = "target/debug/hplc"


def test_value(namespace, name, key):
    return f"hplc-test:{namespace}/{name}/{key}"


def certificate():
    """The test certificate, made with its key on the first run (RSA 4096,
    as the controller makes its own)."""
    if not os.path.exists(KEY):
        key = rsa.generate_private_key(public_exponent=65537, key_size=4096)
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "hplc-test-sealing")])
        start = datetime.datetime(2026, 12, 7, tzinfo=datetime.timezone.utc)
        cert = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(start)
            .not_valid_after(start + datetime.timedelta(days=3650))
            .sign(key, hashes.SHA256())
        )
        with open(KEY, "wb") as f:
            f.write(
                key.private_bytes(
                    serialization.Encoding.PEM,
                    serialization.PrivateFormat.TraditionalOpenSSL,
                    serialization.NoEncryption(),
                )
            )
        with open(CERT, "wb") as f:
            f.write(cert.public_bytes(serialization.Encoding.PEM))
    with open(CERT, "rb") as f:
        return x509.load_pem_x509_certificate(f.read())


def seal(public_key, namespace, name, value):
    session_key = os.urandom(32)
    label = f"{namespace}/{name}".encode()
    rsa_ciphertext = public_key.encrypt(
        session_key,
        padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=label),
    )
    sealed = AESGCM(session_key).encrypt(bytes(12), value.encode(), None)
    out = len(rsa_ciphertext).to_bytes(2, "big") + rsa_ciphertext + sealed
    return base64.b64encode(out).decode()


MESSAGE = re.compile(r"key `([^`]+)` of the sealed secret `([^`/]+)/([^`]+)`")
HELP = re.compile(r"sealed_value \{ namespace = (\w+),")


def unsealed(env):
    """(hpl namespace, k8s namespace, name, key) of every W0801 of `env`."""
    run = subprocess.run(
        [HPLC, "check", "platform.hpl", "--env", env, "--diagnostic-format", "json", "--all-warnings"],
        capture_output=True,
        text=True,
    )
    found = []
    for d in json.loads(run.stdout)["diagnostics"]:
        if d["code"] != "W0801":
            continue
        key, namespace, name = MESSAGE.search(d["message"]).groups()
        found.append((HELP.search(d["help"]).group(1), namespace, name, key))
    return sorted(set(found))


def write(env, variable, entries):
    lines = [
        f"// The sealed values of `--env {env}`, sealed to the TEST certificate of",
        "// compiler/tests/fixtures/sealing by scripts/seal-test-secrets: a real",
        "// cluster needs its own values, sealed to its own controller (the",
        "// README's Secrets step prints each command).",
        f"sealed_set {variable} {{",
        "  values = [",
    ]
    for entry in entries:
        lines.append(
            "    sealed_value {{ namespace = {}, name = \"{}\", key = \"{}\", ciphertext = \"{}\" }},".format(*entry)
        )
    lines.append("  ]")
    lines.append("}")
    with open(f"sealed/{env}.hpl", "w") as f:
        f.write("\n".join(lines) + "\n")


SEALED = re.compile(
    r'sealed_value\s*\{\s*namespace = (\w+),?\s*name = "([^"]+)",?\s*key = "([^"]+)",?\s*ciphertext = "([^"]+)"'
)


def already_sealed(env):
    """(hpl namespace, name, key) -> ciphertext of sealed/<env>.hpl, kept
    so that re-running changes only what is new."""
    try:
        with open(f"sealed/{env}.hpl") as f:
            text = f.read()
    except FileNotFoundError:
        return {}
    return {(ns, name, key): ciphertext for ns, name, key, ciphertext in SEALED.findall(text)}


def main():
    public_key = certificate().public_key()
    os.makedirs("sealed", exist_ok=True)
    for env, variable in ENVS.items():
        kept = already_sealed(env)
        write(env, variable, [])
        entries = [
            (
                hpl_ns,
                name,
                key,
                kept.get((hpl_ns, name, key))
                or seal(public_key, ns, name, test_value(ns, name, key)),
            )
            for hpl_ns, ns, name, key in unsealed(env)
        ]
        write(env, variable, entries)
        print(f"sealed/{env}.hpl: {len(entries)} values", file=sys.stderr)
    subprocess.run([HPLC, "fmt", *[f"sealed/{env}.hpl" for env in ENVS]], check=True)


if __name__ == "__main__":
    main()
