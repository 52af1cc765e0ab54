//! The whole pipeline on arbitrary bytes: parse, check, plan and every
//! backend, in the default environment and every declared one. Any panic,
//! hang or stack overflow is a finding.
#![no_main]

use std::path::Path;

use hplc::resolve::fs::MemoryFs;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let fs = MemoryFs::default().with("/fuzz/main.hpl", data.to_vec());
    let root = Path::new("/fuzz/main.hpl");
    let built = hplc::pipeline::build(root, None, &fs);
    for env in built.compilation.envs.iter().take(4) {
        hplc::pipeline::build(root, Some(env), &fs);
    }
});
