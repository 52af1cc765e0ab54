//! `hplc plan` renderings: text for people, JSON for tools, SVG bars.
pub fn placeholder() {}
