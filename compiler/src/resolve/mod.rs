//! Finding the files of a platform: the root, its local modules and the
//! stdlib modules they name.

pub mod fs;
pub mod modules;
pub mod suggest;
