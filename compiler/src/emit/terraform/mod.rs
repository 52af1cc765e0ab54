//! The Terraform backend: `terraform/` of the output.

use super::{Context, Output};

pub fn emit(context: &Context, output: &mut Output) {
    let _ = (context, output);
}
