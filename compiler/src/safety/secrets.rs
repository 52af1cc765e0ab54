//! Every key of a SealedSecret has a value source: its ciphertext in the
//! platform's `sealed_values`. A key without one is left out of the
//! SealedSecret, so the Secret the controller makes would lack it: a
//! warning that prints the kubeseal command producing the ciphertext.

use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::model::secrets::{kubeseal_command, needed, sealed_value};
use crate::model::Platform;

pub fn check(platform: &Platform, diagnostics: &mut Diagnostics) {
    for ((namespace, name), secret) in needed(platform) {
        if secret.store == "external" {
            continue;
        }
        let hpl_namespace = platform
            .namespaces
            .iter()
            .find(|n| n.k8s_name == namespace)
            .map_or("...", |n| n.name.as_str());
        for (key, span) in &secret.declared {
            if sealed_value(platform, namespace, name, key).is_some() {
                continue;
            }
            diagnostics.push(
                Diagnostic::new(
                    Code::SecretWithoutValue,
                    *span,
                    format!("key `{key}` of the sealed secret `{namespace}/{name}` has no value: no entry of `sealed_values` seals it"),
                )
                .label("no sealed value for this key")
                .help(format!(
                    "seal the value with `{}` and add `sealed_value {{ namespace = {hpl_namespace}, name = \"{name}\", key = \"{key}\", ciphertext = \"<its output>\" }}` to the platform's `sealed_values`",
                    kubeseal_command(platform, namespace, name)
                )),
            );
        }
    }
}
