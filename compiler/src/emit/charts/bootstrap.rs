//! `bootstrap.sh`: installs the platform on a cluster without Argo CD. It
//! checks what the operator gives it (credentials, never in the tree),
//! creates the namespaces and the Secrets the charts and the tree need
//! before anything reads them (Argo CD's repository credential, the
//! Sealed Secrets controller's sealing key), installs every upstream chart
//! with Helm at its pinned version with the values hplc wrote, in the
//! platform's order, and then applies `k8s/`. The README lists the same
//! steps from `steps`.

use std::fmt::Write as _;

use super::{describe, values_file};
use crate::emit::kube::labels;
use crate::emit::kube::secrets::{references, sealing_key, SealingKey, SEALING_KEY_LABEL};
use crate::emit::kube::SECRETS_DIR;
use crate::emit::Context;
use crate::model::{Chart, GitOps, Service, ServiceId};

/// Argo CD's label for a Secret that holds a repository's credential
/// (declarative setup, "Repositories").
pub const REPOSITORY_LABEL: (&str, &str) = ("argocd.argoproj.io/secret-type", "repository");

/// The files the namespaces are in, applied first.
pub const NAMESPACES: &str = "k8s/cluster/namespaces.yaml";

/// One step of the bootstrap, in the order it runs.
pub enum Step<'a> {
    /// `k8s/cluster/namespaces.yaml`.
    Namespaces,
    /// The credential Argo CD reads a platform repository with, from the
    /// operator's environment.
    RepositoryCredential(&'a GitOps),
    /// The operator's sealing key, before the controller starts: it
    /// generates a key of its own when it finds none.
    SealingKey(SealingKey),
    Chart(ServiceId, &'a Service, &'a Chart),
    /// `k8s/secrets/`: the SealedSecrets and ExternalSecrets, once the
    /// controllers that open them run, before the charts whose pods read
    /// their Secrets (`helm --wait` would wait for those pods in vain).
    Secrets,
    /// `kubectl apply -k k8s/`.
    Tree,
}

impl Step<'_> {
    /// What the step makes, as the README names it and a test reads it
    /// back from what the bootstrap applied: a file, a Secret's name, a
    /// release.
    pub fn object(&self) -> String {
        match self {
            Step::Namespaces => NAMESPACES.to_string(),
            Step::RepositoryCredential(gitops) => repository_secret(gitops),
            Step::SealingKey(key) => key.name.clone(),
            Step::Chart(_, service, _) => service.k8s_name.clone(),
            Step::Secrets => SECRETS_DIR.to_string(),
            Step::Tree => "k8s/".to_string(),
        }
    }
}

/// The bootstrap's steps: the namespaces, the Secrets that must exist
/// before their readers, the charts by wave, with the platform's secret
/// references as soon as the charts that serve their kinds are in (a
/// chart that reads the platform's Secrets waits for them), the tree.
pub fn steps<'a>(context: &Context<'a>) -> Vec<Step<'a>> {
    let platform = context.platform;
    let mut steps = vec![Step::Namespaces];
    steps.extend(platform.gitops.iter().map(Step::RepositoryCredential));
    steps.extend(sealing_key(platform).map(Step::SealingKey));
    // The API groups of the secret references, until a chart serves each.
    let mut unserved = crate::model::secrets::api_groups(platform);
    let mut secrets_applied = unserved.is_empty();
    let mut waiting = Vec::new();
    for (id, service, chart) in super::installed(context) {
        if !secrets_applied && !references(service).is_empty() {
            waiting.push(Step::Chart(id, service, chart));
            continue;
        }
        steps.push(Step::Chart(id, service, chart));
        for group in &chart.render.provides {
            unserved.remove(group.as_str());
        }
        if !secrets_applied && unserved.is_empty() {
            steps.push(Step::Secrets);
            secrets_applied = true;
            steps.append(&mut waiting);
        }
    }
    if !secrets_applied {
        // No chart serves them: applied all the same, the error is the
        // cluster's to report.
        steps.push(Step::Secrets);
        steps.append(&mut waiting);
    }
    steps.push(Step::Tree);
    steps
}

/// The Secret that holds Argo CD's credential for a platform repository.
pub fn repository_secret(gitops: &GitOps) -> String {
    format!("{}-repository", gitops.k8s_name)
}

/// Whether Argo CD reaches a repository over SSH (`git@host:...`,
/// `ssh://`), with a private key, rather than HTTPS, with a token.
fn over_ssh(repo: &str) -> bool {
    repo.starts_with("ssh://") || (repo.contains('@') && !repo.contains("://"))
}

/// The environment variables the bootstrap reads, with what each holds:
/// (name, what it holds, whether it names a file).
pub fn environment(steps: &[Step]) -> Vec<(&'static str, String, bool)> {
    let mut variables = Vec::new();
    for step in steps {
        match step {
            Step::RepositoryCredential(gitops) if over_ssh(&gitops.repo) => {
                variables.push((
                    "REPO_SSH_KEY_FILE",
                    format!(
                        "the file of a private SSH key with read access to {} (a deploy key)",
                        gitops.repo
                    ),
                    true,
                ));
            }
            Step::RepositoryCredential(gitops) => {
                variables.push((
                    "REPO_USERNAME",
                    format!("the user of a read-only credential of {}", gitops.repo),
                    false,
                ));
                variables.push((
                    "REPO_PASSWORD",
                    "its token (read access to the repository's contents)".to_string(),
                    false,
                ));
            }
            Step::SealingKey(_) => {
                variables.push((
                    "SEALING_KEY_FILE",
                    "the file of the private key (PEM) of the sealing key pair, generated once and kept outside the cluster".to_string(),
                    true,
                ));
                variables.push((
                    "SEALING_CERT_FILE",
                    "the file of its certificate (PEM), which kubeseal seals with".to_string(),
                    true,
                ));
            }
            _ => {}
        }
    }
    variables
}

/// Checks one variable of the environment: `need NAME 'what it holds'
/// value|file`. Every missing one is said before the script stops.
const NEED: &str = r#"
# What the operator gives, checked before anything is applied.
missing=0
need() {
  eval "value=\${$1:-}"
  if [ -z "$value" ]; then
    echo "bootstrap.sh: set $1: $2" >&2
    missing=1
  elif [ "$3" = file ] && [ ! -r "$value" ]; then
    echo "bootstrap.sh: $1: no readable file $value ($2)" >&2
    missing=1
  fi
}
"#;

pub fn script(context: &Context, steps: &[Step]) -> String {
    let platform = context.platform;
    let variables = environment(steps);
    let mut out = format!(
        "#!/bin/sh\n\
# Generated by hplc from {} (environment {}). Installs the platform on the\n\
# cluster kubectl and helm point at: the namespaces, {}then every upstream\n\
# chart at its pinned version with the values in charts/, then k8s/.\n",
        context.file_name(platform.span.file),
        platform.env,
        if variables.is_empty() {
            ""
        } else {
            "the Secrets that come\n# before what reads them, "
        },
    );
    if variables.is_empty() {
        out.push_str("# Needs kubectl, helm (3.8 or later) and git.\n");
    } else {
        out.push_str(
            "# Needs kubectl, helm (3.8 or later), git and base64, and from the\n\
# environment (never from this tree):\n",
        );
        for (name, what, _) in &variables {
            let _ = writeln!(out, "#   {name}: {what}");
        }
    }
    out.push_str(
        "set -eu\n\
cd \"$(dirname \"$0\")\"\n",
    );
    if !variables.is_empty() {
        out.push_str(NEED);
        for (name, what, file) in &variables {
            let _ = writeln!(
                out,
                "need {name} '{}' {}",
                what.replace('\'', "'\\''"),
                if *file { "file" } else { "value" }
            );
        }
        out.push_str(
            "[ \"$missing\" = 0 ] || exit 1\n\
# A value as a Secret's data: base64 on one line.\n\
b64() { base64 | tr -d '\\n'; }\n",
        );
    }
    out.push_str(
        "work=\"$(mktemp -d)\"\n\
trap 'rm -rf \"$work\"' EXIT\n",
    );
    for step in steps {
        out.push('\n');
        match step {
            Step::Namespaces => {
                let _ = writeln!(out, "kubectl apply --server-side -f {NAMESPACES}");
            }
            Step::RepositoryCredential(gitops) => {
                repository_credential(context, gitops, &mut out);
            }
            Step::SealingKey(key) => sealing_key_secret(context, key, &mut out),
            Step::Chart(_, service, chart) => install_chart(context, service, chart, &mut out),
            Step::Secrets => {
                let _ = writeln!(
                    out,
                    "# The platform's secret references, now that their controllers run: the\n\
# charts after this line read the Secrets they make.\n\
kubectl apply --server-side -f {SECRETS_DIR}"
                );
            }
            Step::Tree => out.push_str("kubectl apply --server-side -k k8s/\n"),
        }
    }
    out
}

/// The Secret Argo CD reads a platform repository with, labelled as its
/// declarative setup asks, made from the operator's environment.
fn repository_credential(context: &Context, gitops: &GitOps, out: &mut String) {
    let platform = context.platform;
    let namespace = &platform.namespaces[gitops.namespace].k8s_name;
    let _ = writeln!(
        out,
        "# Argo CD's credential for `{}` ({}), which reads the platform's tree\n\
# from {}: from the environment, never from the tree.",
        gitops.name,
        context.origin(gitops.span),
        gitops.repo,
    );
    let credential = if over_ssh(&gitops.repo) {
        "  sshPrivateKey: $(b64 < \"$REPO_SSH_KEY_FILE\")\n".to_string()
    } else {
        "  username: $(printf %s \"$REPO_USERNAME\" | b64)\n  password: $(printf %s \"$REPO_PASSWORD\" | b64)\n".to_string()
    };
    let _ = write!(
        out,
        "kubectl apply --server-side -f - <<EOF\n\
apiVersion: v1\n\
kind: Secret\n\
metadata:\n  \
  name: {}\n  \
  namespace: {namespace}\n  \
  labels:\n    \
    {}: {}\n    \
    {}: {}\n\
type: Opaque\n\
data:\n  \
  type: $(printf %s git | b64)\n  \
  url: $(printf %s '{}' | b64)\n\
{credential}\
EOF\n",
        repository_secret(gitops),
        REPOSITORY_LABEL.0,
        REPOSITORY_LABEL.1,
        labels::PART_OF,
        labels::part_of(platform),
        gitops.repo,
    );
}

/// The operator's sealing key as the controller finds its keys: a TLS
/// Secret in its namespace with the active label (upstream's "bring your
/// own certificates"), applied before the controller's chart.
fn sealing_key_secret(context: &Context, key: &SealingKey, out: &mut String) {
    let _ = write!(
        out,
        "# The Sealed Secrets sealing key, before `{}` starts (it makes a key\n\
# of its own when it finds none): the key pair the operator generated once\n\
# and keeps outside the cluster, which the sealed values are sealed to.\n\
kubectl apply --server-side -f - <<EOF\n\
apiVersion: v1\n\
kind: Secret\n\
metadata:\n  \
  name: {}\n  \
  namespace: {}\n  \
  labels:\n    \
    {}: {}\n    \
    {}: {}\n\
type: kubernetes.io/tls\n\
data:\n  \
  tls.crt: $(b64 < \"$SEALING_CERT_FILE\")\n  \
  tls.key: $(b64 < \"$SEALING_KEY_FILE\")\n\
EOF\n",
        key.release,
        key.name,
        key.namespace,
        SEALING_KEY_LABEL.0,
        SEALING_KEY_LABEL.1,
        labels::PART_OF,
        labels::part_of(context.platform),
    );
}

fn install_chart(context: &Context, service: &Service, chart: &Chart, out: &mut String) {
    let namespace = &context.platform.namespace_of(service).k8s_name;
    let _ = writeln!(
        out,
        "# `{}` ({}): {}, {}",
        service.name,
        context.origin(service.span),
        describe(chart),
        chart.home
    );
    if chart.manifest && !chart.release_asset.is_empty() {
        // The release's own manifest, as its installation guide applies
        // it, its fields owned by a manager named after the release.
        let _ = writeln!(
            out,
            "kubectl apply --server-side --field-manager {} -f {}",
            service.k8s_name, chart.release_asset
        );
        return;
    }
    if chart.manifest {
        // A release manifest: checked out at its tag, applied as it is.
        let dir = format!("\"$work/{}\"", service.k8s_name);
        let _ = writeln!(
            out,
            "git clone --quiet --depth 1 --branch {} {} {dir}\nkubectl apply --server-side -f {dir}/{}",
            chart.version, chart.repo, chart.path
        );
        return;
    }
    let source = if chart.name.is_empty() {
        // A chart kept in a git repository: checked out at its tag.
        let dir = format!("\"$work/{}\"", service.k8s_name);
        let _ = writeln!(
            out,
            "git clone --quiet --depth 1 --branch {} {} {dir}",
            chart.version, chart.repo
        );
        format!("{dir}/{}", chart.path)
    } else if chart.repo.starts_with("oci://") {
        format!("{}/{} --version {}", chart.repo, chart.name, chart.version)
    } else {
        format!(
            "{} --repo {} --version {}",
            chart.name, chart.repo, chart.version
        )
    };
    let _ = writeln!(
        out,
        "helm upgrade --install {} {source} --namespace {namespace} --values {} --wait",
        service.k8s_name,
        values_file(context, service)
    );
}
