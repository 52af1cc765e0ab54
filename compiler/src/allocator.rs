//! The allocator of the `hplc` binary (and of the benchmarks, so that they
//! time what users run): mimalloc, called as C's `malloc` when that
//! already gives the alignment asked for.
//!
//! mimalloc's Rust wrapper sends every allocation through
//! `mi_malloc_aligned`. Its fast path takes a block from the free list of
//! the size's page; when that list is empty it does not refill it, but
//! over-allocates from a larger size class (a 24-byte block's size is not a
//! power of two, so it cannot know the block is aligned) and marks the page
//! as holding interior pointers, which slows every later free on it. At
//! 10,000 services that path ran a quarter of a million times and the
//! allocator was 7% of a check. `mi_malloc` aligns every block of 16 bytes
//! or more to 16 and every smaller one to its size class (as Rust's own
//! `System` allocator assumes of `malloc`), so only larger alignments need
//! the aligned entry points.

use std::alloc::{GlobalAlloc, Layout};
use std::ffi::c_void;

use libmimalloc_sys as mi;

/// What `mi_malloc` guarantees every block of at least this size
/// (mimalloc's `MI_MAX_ALIGN_SIZE`, `max_align_t` on 64-bit targets).
const MALLOC_ALIGN: usize = 16;

pub struct Allocator;

/// `malloc` suffices when the alignment is at most what it gives a block of
/// `size` bytes: 16 for 16 bytes or more, else the size rounded up to a
/// word (Rust's alignments are powers of two no larger than the size).
fn malloc_aligns(layout: Layout, size: usize) -> bool {
    layout.align() <= MALLOC_ALIGN && layout.align() <= size
}

// SAFETY: every pointer comes from mimalloc and goes back to it; `mi_free`
// takes blocks from the aligned and the plain entry points alike, and the
// plain ones are used only where their alignment meets the layout's.
unsafe impl GlobalAlloc for Allocator {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if malloc_aligns(layout, layout.size()) {
            mi::mi_malloc(layout.size()).cast()
        } else {
            mi::mi_malloc_aligned(layout.size(), layout.align()).cast()
        }
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if malloc_aligns(layout, layout.size()) {
            mi::mi_zalloc(layout.size()).cast()
        } else {
            mi::mi_zalloc_aligned(layout.size(), layout.align()).cast()
        }
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, _layout: Layout) {
        mi::mi_free(ptr.cast::<c_void>());
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if malloc_aligns(layout, new_size) {
            mi::mi_realloc(ptr.cast::<c_void>(), new_size).cast()
        } else {
            mi::mi_realloc_aligned(ptr.cast::<c_void>(), new_size, layout.align()).cast()
        }
    }
}
