//! The formatter on arbitrary text: on anything that parses, formatting
//! must be idempotent and must not change what the platform compiles to.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Err(problem) = hplc::fmt::verify(text) {
        assert!(problem.starts_with("not formatted"), "{problem}");
    }
});
