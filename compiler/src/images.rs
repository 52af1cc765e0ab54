//! Whether the images the stdlib's components run are known, by the image
//! table the platform names (`images = images.known`): every image of a
//! component, its exporter and the pods its chart renders is listed, with
//! a build for the CPU of every node it runs on; none comes from Bitnami's
//! withdrawn catalog. What the table says of support and vulnerabilities
//! is reported as of the table's own date, never the clock's, so a check
//! gives the same answer on every machine and every day.
//!
//! The platform's own services are not in the table: their images are the
//! platform's, and `multi_arch` states their architectures (safety).

use crate::diagnostics::{Code, Diagnostic, Diagnostics};
use crate::model::images::in_bitnami_catalog;
use crate::model::{ImageTable, Platform, Service};
use crate::placement::Plan;
use crate::source::Span;

pub fn check(platform: &Platform, plan: &Plan, diagnostics: &mut Diagnostics) {
    let Some(table) = &platform.images else {
        return;
    };
    for (id, service) in platform.deployed() {
        if !service.component {
            continue;
        }
        let mut arches: Vec<(&str, &str)> = plan
            .nodes_of(id)
            .into_iter()
            .map(|n| {
                (
                    platform.nodes[n].shape.arch.as_str(),
                    platform.nodes[n].name.as_str(),
                )
            })
            .collect();
        arches.sort_unstable();
        arches.dedup_by(|a, b| a.0 == b.0);
        for (image, span) in images_of(service) {
            check_image(table, service, image, span, &arches, diagnostics);
        }
    }
}

/// Every image a component runs: its own, its exporter's and its backup
/// uploader's, and those of the pods its chart renders; each with where a
/// diagnostic about it points: the image where the platform's own file sets
/// it, else the component's name.
fn images_of(service: &Service) -> Vec<(&str, Span)> {
    let mut images: Vec<&str> = Vec::new();
    match service.chart() {
        Some(chart) => images.extend(
            chart
                .render
                .workloads
                .iter()
                .flat_map(|w| &w.containers)
                .map(|c| c.image.as_str()),
        ),
        None => images.push(&service.pod.image),
    }
    images.extend(service.pod.exporter.as_ref().map(|e| e.image.as_str()));
    images.extend(service.backup.as_ref().map(|b| b.uploader.as_str()));
    images.retain(|i| !i.is_empty());
    images.sort_unstable();
    images.dedup();
    let set_here = service.pod.image_span.file == service.span.file;
    images
        .into_iter()
        .map(|image| {
            let span = if set_here && image == service.pod.image {
                service.pod.image_span
            } else {
                service.span
            };
            (image, span)
        })
        .collect()
}

fn check_image(
    table: &ImageTable,
    service: &Service,
    image: &str,
    span: Span,
    arches: &[(&str, &str)],
    diagnostics: &mut Diagnostics,
) {
    let build = table.find(image);
    if in_bitnami_catalog(image) && !build.is_some_and(|b| b.own_project) {
        diagnostics.push(
            Diagnostic::new(
                Code::CatalogImage,
                span,
                format!(
                    "`{}` runs `{image}`, an image of Bitnami's catalog, which is no longer published",
                    service.name
                ),
            )
            .label("from docker.io/bitnami")
            .help("use the image its own project publishes; the image table (stdlib/images.hpl) says which bitnami images are published by their own project"),
        );
        return;
    }
    let Some(build) = build else {
        diagnostics.push(
            Diagnostic::new(
                Code::ImageNotInTable,
                span,
                format!(
                    "`{}` runs `{image}`, which the image table of {} does not list",
                    service.name, table.as_of
                ),
            )
            .label("its architectures and support are unknown")
            .help("pin an image the table lists, or add this one to stdlib/images.hpl with the architectures of its upstream build, its end of life and their sources"),
        );
        return;
    };
    for (arch, node) in arches {
        if !build.architectures.iter().any(|a| a == arch) {
            diagnostics.push(
                Diagnostic::new(
                    Code::NoArm64,
                    span,
                    format!(
                        "`{}` runs `{image}` on `{node}` ({arch}), which the image's upstream build does not publish",
                        service.name
                    ),
                )
                .label(format!("built for {}", build.architectures.join(", ")))
                .help(format!("pin a release that is built for {arch}, or place `{}` on a node it is built for", service.name)),
            );
        }
    }
    if !build.confirmed {
        diagnostics.push(
            Diagnostic::new(
                Code::UnconfirmedArchitectures,
                span,
                format!(
                    "the architectures of `{image}` (run by `{}`) come from another version's build or from documentation",
                    service.name
                ),
            )
            .label("unconfirmed for this version")
            .help("check the image's manifest list (`docker manifest inspect`) and mark its row in stdlib/images.hpl confirmed, with the build file of this version as its source"),
        );
    }
    if !build.end_of_life.is_empty() && build.end_of_life.as_str() < table.as_of.as_str() {
        diagnostics.push(
            Diagnostic::new(
                Code::PastEndOfLife,
                span,
                format!(
                    "`{}` runs `{image}`, past its end of life on {} (image table of {})",
                    service.name, build.end_of_life, table.as_of
                ),
            )
            .label("no longer fixed upstream")
            .help("pin a supported release; the image table's row says where its support is published"),
        );
    }
    if !build.critical_cves.is_empty() {
        diagnostics.push(
            Diagnostic::new(
                Code::CriticalCve,
                span,
                format!(
                    "`{}` runs `{image}`, which has known critical vulnerabilities: {}",
                    service.name,
                    build.critical_cves.join(", ")
                ),
            )
            .label("a critical CVE")
            .help("pin a release that fixes them"),
        );
    }
}
