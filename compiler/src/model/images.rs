//! What the stdlib knows of the images its components run: the table of
//! stdlib/images.hpl, dated like the budgets.

use crate::source::Span;

#[derive(Clone, Debug)]
pub struct ImageTable {
    /// The day the table's facts were true (YYYY-MM-DD): "past its end of
    /// life" means before this day, whatever the clock says.
    pub as_of: String,
    pub builds: Vec<ImageBuild>,
}

#[derive(Clone, Debug)]
pub struct ImageBuild {
    /// Fully qualified: `docker.io/library/postgres:16.4-alpine`.
    pub image: String,
    pub architectures: Vec<String>,
    pub confirmed: bool,
    pub own_project: bool,
    /// YYYY-MM-DD; empty when upstream publishes no date.
    pub end_of_life: String,
    pub critical_cves: Vec<String>,
    pub span: Span,
}

impl ImageTable {
    /// The build of `image`, however it is written.
    pub fn find(&self, image: &str) -> Option<&ImageBuild> {
        let image = qualified(image);
        self.builds.iter().find(|b| b.image == image)
    }
}

/// An image reference as the container runtime resolves it: Docker Hub
/// when the first part names no registry, its `library/` for a bare name.
pub fn qualified(image: &str) -> String {
    let (first, rest) = image.split_once('/').unwrap_or(("", image));
    let names_registry = first.contains('.') || first.contains(':') || first == "localhost";
    match (first.is_empty(), names_registry) {
        (true, _) => format!("docker.io/library/{rest}"),
        (false, true) if first == "docker.io" && !rest.contains('/') => {
            format!("docker.io/library/{rest}")
        }
        (false, true) => image.to_string(),
        (false, false) => format!("docker.io/{image}"),
    }
}

/// The Docker Hub namespaces of Bitnami's catalog, withdrawn in 2025
/// (FACTS-2026 §5).
pub fn in_bitnami_catalog(image: &str) -> bool {
    let image = qualified(image);
    ["docker.io/bitnami/", "docker.io/bitnamilegacy/"]
        .iter()
        .any(|namespace| image.starts_with(namespace))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn images_are_qualified_as_the_runtime_resolves_them() {
        assert_eq!(qualified("postgres:16"), "docker.io/library/postgres:16");
        assert_eq!(
            qualified("docker.io/postgres:16"),
            "docker.io/library/postgres:16"
        );
        assert_eq!(
            qualified("oliver006/redis_exporter:v1"),
            "docker.io/oliver006/redis_exporter:v1"
        );
        assert_eq!(
            qualified("quay.io/prometheus/prometheus:v3"),
            "quay.io/prometheus/prometheus:v3"
        );
        assert_eq!(qualified("localhost:5000/app:1"), "localhost:5000/app:1");
        assert!(in_bitnami_catalog("bitnami/kubectl:1.30"));
        assert!(!in_bitnami_catalog("quay.io/bitnami/x:1"));
    }
}
