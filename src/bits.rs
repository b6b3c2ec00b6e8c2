//! A 256-bit vector register (IRR, ISR or TMR, SDM 10.8.4) as four words.
//! Copy and cheap to compare, so a bit grid's props decide in four word
//! comparisons whether its 256 cells need to render again.

use apic_core::trace::VectorBits;

/// One bit per interrupt vector 0..=255.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Bits256([u64; 4]);

impl Bits256 {
    /// No bit set.
    pub const EMPTY: Bits256 = Bits256([0; 4]);

    /// The set of the given vectors (in any order, duplicates allowed).
    pub fn from_vectors(vectors: &[u8]) -> Bits256 {
        let mut bits = Bits256::EMPTY;
        for &v in vectors {
            bits.insert(v);
        }
        bits
    }

    /// The same set as the model's (its eight 32-bit registers, two to a
    /// word).
    pub fn from_bits(bits: &VectorBits) -> Bits256 {
        let word = |i: usize| u64::from(bits.reg(2 * i)) | u64::from(bits.reg(2 * i + 1)) << 32;
        Bits256([word(0), word(1), word(2), word(3)])
    }

    /// Sets the bit of `vector`.
    pub fn insert(&mut self, vector: u8) {
        if let Some(word) = self.0.get_mut(usize::from(vector >> 6)) {
            *word |= 1u64 << (vector & 63);
        }
    }

    /// Sets the bit of `vector` if clear, clears it if set.
    pub fn toggle(&mut self, vector: u8) {
        if let Some(word) = self.0.get_mut(usize::from(vector >> 6)) {
            *word ^= 1u64 << (vector & 63);
        }
    }

    /// Whether the bit of `vector` is set.
    pub fn contains(self, vector: u8) -> bool {
        self.0
            .get(usize::from(vector >> 6))
            .is_some_and(|word| word & (1u64 << (vector & 63)) != 0)
    }

    /// The bits set in exactly one of the two: what changed between them.
    pub fn changed_from(self, before: Bits256) -> Bits256 {
        let [a, b, c, d] = self.0;
        let [e, f, g, h] = before.0;
        Bits256([a ^ e, b ^ f, c ^ g, d ^ h])
    }

    /// Whether no bit is set.
    pub fn is_empty(self) -> bool {
        self.0 == [0; 4]
    }

    /// The set vectors, ascending.
    pub fn vectors(self) -> impl Iterator<Item = u8> {
        (0..=255u8).filter(move |&v| self.contains(v))
    }
}
