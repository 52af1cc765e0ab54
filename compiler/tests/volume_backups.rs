//! Every volume that holds data, in every environment of platform.hpl, has
//! a backup path in the generated tree, or `hplc check` warns about it
//! (W0604) at the volume, and never both: a backup CronJob for its
//! component; a Velero Schedule that does not exclude its namespace, with
//! its class one whose volumes Velero copies (node-local ones only when
//! the generated StorageClass makes `local` volumes); or `disposable`.

mod common;

#[test]
fn every_volume_has_a_backup_path_or_a_warning() {
    for (name, env) in common::environments() {
        let compilation = common::compile(env.as_deref());
        let output = common::generate(&compilation);
        let platform = compilation.model.as_ref().expect("a model");
        let cron_jobs = common::k8s_of_kind(&output, "CronJob");
        let schedules = common::k8s_of_kind(&output, "Schedule");
        let classes = common::k8s_of_kind(&output, "StorageClass");
        let mut table = Vec::new();
        for service in platform.services.iter().filter(|s| s.deployed()) {
            let namespace = &platform.namespace_of(service).k8s_name;
            for volume in &service.volumes {
                let dumped = cron_jobs
                    .iter()
                    .any(|j| j["metadata"]["name"] == service.backup_job_name().as_str());
                let copied_class = !volume.class.node_local
                    || classes.iter().any(|c| {
                        c["metadata"]["name"] == volume.class.name.as_str()
                            && c["metadata"]["annotations"]["defaultVolumeType"] == "local"
                    });
                let velero = copied_class
                    && schedules.iter().any(|s| {
                        !s["spec"]["template"]["excludedNamespaces"]
                            .as_sequence()
                            .is_some_and(|l| l.iter().any(|n| n == namespace.as_str()))
                    });
                let warned = compilation
                    .diagnostics
                    .iter()
                    .any(|d| d.code.as_str() == "W0604" && d.primary.span == volume.span);
                let path = match (dumped, volume.disposable, velero) {
                    (true, _, _) => "dump",
                    (_, true, _) => "disposable",
                    (_, _, true) => "velero",
                    _ => "none",
                };
                table.push(format!("{name}: {}.{}: {path}", service.name, volume.name));
                assert_eq!(
                    warned,
                    path == "none",
                    "{name}: {}.{} has backup path `{path}`, and W0604 {}",
                    service.name,
                    volume.name,
                    if warned { "warns" } else { "is silent" }
                );
            }
        }
        assert!(!table.is_empty(), "{name}: no volume at all");
        eprintln!("{}", table.join("\n"));
    }
}
