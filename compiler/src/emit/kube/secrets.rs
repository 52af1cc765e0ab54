//! The Secrets the platform's workloads read, and how a sealed one gets
//! its values: the model's (`model::secrets`), which the checks read too.

pub use crate::model::secrets::*;
