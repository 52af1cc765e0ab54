//! What the Kubernetes API server would refuse, caught at the source line:
//! names longer or of another form than the objects they name allow, two
//! declarations that become one Kubernetes name (`names`), numbers beyond
//! the fields that hold them (`numbers`), ports that clash or that are
//! named but not declared (`ports`). The limits are stdlib data
//! (`kubernetes_api` in the prelude).

mod names;
mod numbers;
mod ports;

use crate::diagnostics::Diagnostics;
use crate::model::Platform;

pub fn check(platform: &Platform, diagnostics: &mut Diagnostics) {
    names::check(platform, diagnostics);
    numbers::check(platform, diagnostics);
    ports::check(platform, diagnostics);
}
