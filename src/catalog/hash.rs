//! A fast hasher for the in-memory catalog's maps. Their keys are row ids and the names of
//! reference tables, which the people who send requests do not choose, so these maps trade
//! SipHash's resistance to chosen keys for a multiply per word (the FxHash of rustc): a
//! recommendation over a large catalog looks keys up tens of thousands of times.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// FxHash: each word is mixed in with a rotate, an xor and a multiply.
#[derive(Default, Clone, Copy)]
pub struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut words = bytes.chunks_exact(8);
        for word in &mut words {
            self.add(u64::from_le_bytes(
                <[u8; 8]>::try_from(word).unwrap_or_default(),
            ));
        }
        for byte in words.remainder() {
            self.add(u64::from(*byte));
        }
    }

    fn write_i32(&mut self, n: i32) {
        self.add(u64::from(n as u32));
    }
}

impl IdHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

/// Builds [`IdHasher`]s.
pub type FastHash = BuildHasherDefault<IdHasher>;

/// A map by row id, hashed with [`IdHasher`].
pub type IdMap<V> = HashMap<i32, V, FastHash>;
