//! Where each field lowering reads sits in its kind's table, remembered.
//!
//! Lowering reads tens of fields of every object by name, 800,000 reads at
//! 10,000 services, and every name it reads is a `&'static str`, so the
//! name's address stands for its text. A hash table keyed by kind and
//! address was still a tenth of lowering; this is a direct-mapped cache:
//! one probe, and a miss (a pair not seen yet, or two pairs that share an
//! entry) looks the name up in the kind's table again.

use std::cell::Cell;

/// Entries: a power of two, several times the pairs of kind and field a
/// platform's lowering reads (a few hundred), so that pairs rarely share.
const ENTRIES: usize = 2048;

#[derive(Clone, Copy)]
struct Entry {
    address: usize,
    /// `usize::MAX` in an entry no pair has used (no name is that long).
    len: usize,
    kind: usize,
    /// `usize::MAX` when the kind has no such field.
    index: usize,
}

const UNUSED: Entry = Entry {
    address: 0,
    len: usize::MAX,
    kind: 0,
    index: usize::MAX,
};

pub(super) struct FieldCache {
    entries: Box<[Cell<Entry>; ENTRIES]>,
}

impl FieldCache {
    pub fn new() -> FieldCache {
        FieldCache {
            entries: Box::new([const { Cell::new(UNUSED) }; ENTRIES]),
        }
    }

    /// The index of `name` in `kind`'s fields, from the cache or else from
    /// `look_up`, which is asked once per pair (unless two pairs keep
    /// taking each other's entry).
    #[inline]
    pub fn index(
        &self,
        kind: usize,
        name: &'static str,
        look_up: impl FnOnce() -> Option<usize>,
    ) -> Option<usize> {
        let address = name.as_ptr() as usize;
        // Fibonacci hashing in 64 bits whatever the width of an address:
        // the top bits of the product are an index below ENTRIES.
        let hash =
            (address as u64 ^ (kind as u64).rotate_left(32)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        let entry = &self.entries[(hash >> (u64::BITS - ENTRIES.trailing_zeros())) as usize];
        let seen = entry.get();
        if seen.address == address && seen.len == name.len() && seen.kind == kind {
            return (seen.index != usize::MAX).then_some(seen.index);
        }
        let index = look_up();
        entry.set(Entry {
            address,
            len: name.len(),
            kind,
            index: index.unwrap_or(usize::MAX),
        });
        index
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pair_is_looked_up_once_and_answered_from_the_cache_after() {
        let cache = FieldCache::new();
        let looked_up = Cell::new(0);
        let find = |answer: Option<usize>| {
            looked_up.set(looked_up.get() + 1);
            answer
        };
        assert_eq!(cache.index(3, "replicas", || find(Some(7))), Some(7));
        assert_eq!(cache.index(3, "replicas", || find(Some(99))), Some(7));
        assert_eq!(cache.index(3, "nothing", || find(None)), None);
        assert_eq!(cache.index(3, "nothing", || find(Some(1))), None);
        assert_eq!(looked_up.get(), 2);
        // Another kind, or a name sharing the address with another length
        // (a literal that is the start of another), is another pair.
        assert_eq!(cache.index(4, "replicas", || find(Some(2))), Some(2));
        assert_eq!(cache.index(3, &"replicas"[..4], || find(Some(5))), Some(5));
        assert_eq!(looked_up.get(), 4);
    }

    #[test]
    fn pairs_that_share_an_entry_are_each_answered_right() {
        let cache = FieldCache::new();
        // More pairs than entries: some must share, and each answer is
        // still its own pair's.
        let names: Vec<&'static str> = (0..ENTRIES * 2)
            .map(|i| &*Box::leak(format!("f{i}").into_boxed_str()))
            .collect();
        for round in 0..2 {
            for (i, name) in names.iter().enumerate() {
                assert_eq!(cache.index(1, name, || Some(i)), Some(i), "round {round}");
            }
        }
    }
}
