//! The built-in scenarios: every `core/scenarios/*.json`, read at build
//! time by `build.rs` with the one reader of the format (`format::parse`)
//! and embedded as the values it read, encoded by `format::wire` (sorted by
//! file name; the id is the file name without `.json`). Loading one reads
//! no JSON at run time, so a program that only shows the built-ins carries
//! no JSON reader.
//!
//! The same entries also travel as one file, the library (`library`,
//! served with the page as `builtins.bin`): the page's first module embeds
//! only the seed and the built-ins' titles (`seed`, `titles`), and reads
//! any other from the library when a visit asks for it (`from_library`), so
//! that its first load carries no other scenario (README, "Performance").

use crate::format::{wire, Scenario};

// `TABLE`: every built-in in the compact encoding of `format::wire`,
// which `build.rs` wrote with that same module from what `format::parse`
// read (a unit test holds each to the reader). A dozen byte strings cost
// the page less than the scenarios as Rust literals, whose tables of
// operations took about 13 KiB (README, "Performance": first load).
include!(concat!(env!("OUT_DIR"), "/builtin_scenarios.rs"));

/// The library file's name, as the page serves it.
pub const LIBRARY_FILE: &str = "builtins.bin";

/// The 64-bit FNV-1a hash: the library's fingerprint (`LIBRARY_HASH`,
/// computed by `build.rs` with the same function).
pub fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// The library file: every built-in's entry, in `TABLE` order, each as
/// its length (4 bytes, little-endian) and its bytes. Its entries are in
/// the private encoding of `format::wire`, so a program reads only a
/// library of its own build: one whose hash is `LIBRARY_HASH`.
pub fn library() -> Vec<u8> {
    let mut out = Vec::new();
    for bytes in TABLE {
        out.extend_from_slice(&u32::try_from(bytes.len()).unwrap_or(u32::MAX).to_le_bytes());
        out.extend_from_slice(bytes);
    }
    out
}

/// Why a library cannot give a scenario.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LibraryError {
    /// The file is not this build's library (another build's, or damaged).
    Stale,
    /// The library holds no built-in of this id.
    Unknown,
}

/// The built-in `id` from `file`, which must be this build's library.
pub fn from_library(file: &[u8], id: &str) -> Result<Scenario, LibraryError> {
    if fnv1a(file) != LIBRARY_HASH {
        return Err(LibraryError::Stale);
    }
    let mut rest = file;
    while let Some((len, tail)) = rest.split_first_chunk::<4>() {
        let len = usize::try_from(u32::from_le_bytes(*len)).map_err(|_| LibraryError::Stale)?;
        let (bytes, tail) = tail.split_at_checked(len).ok_or(LibraryError::Stale)?;
        if wire::head(bytes).is_some_and(|[s, ..]| s == id) {
            return wire::decode(bytes).ok_or(LibraryError::Stale);
        }
        rest = tail;
    }
    Err(LibraryError::Unknown)
}

/// The seed, the one built-in a program that links no other has.
pub fn seed() -> Option<Scenario> {
    wire::decode(SEED)
}

/// Each built-in's id, title and summary, and its bytes.
fn entries() -> impl Iterator<Item = ([&'static str; 3], &'static [u8])> {
    TABLE
        .iter()
        .filter_map(|&bytes| Some((wire::head(bytes)?, bytes)))
}

/// Metadata of a built-in scenario.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BuiltinInfo {
    /// The id (file name without `.json`).
    pub id: &'static str,
    /// Its title.
    pub title: &'static str,
    /// Its summary.
    pub summary: &'static str,
}

/// Every built-in scenario, sorted by id.
pub fn list() -> Vec<BuiltinInfo> {
    entries()
        .map(|([id, title, summary], _)| BuiltinInfo { id, title, summary })
        .collect()
}

/// Every built-in's id and title, sorted by id: a program that shows
/// only these and the seed links no other built-in.
pub fn titles() -> impl Iterator<Item = (&'static str, &'static str)> {
    TITLES.iter().map(|&[id, title]| (id, title))
}

/// The built-in scenario with this id.
pub fn get(id: &str) -> Option<Scenario> {
    entries()
        .find(|([s, ..], _)| *s == id)
        .and_then(|(_, bytes)| wire::decode(bytes))
}

/// The ids of every built-in, sorted.
pub fn ids() -> impl Iterator<Item = &'static str> {
    entries().map(|([id, ..], _)| id)
}

#[cfg(test)]
mod tests {
    #![allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::panic
    )]
    use super::*;
    use crate::format::parse;

    #[test]
    fn every_builtin_is_what_the_reader_reads_from_its_file_and_passes_check() {
        assert!(FILES.len() >= 12);
        assert_eq!(list().len(), FILES.len());
        for (id, src) in FILES {
            let s = parse(src).unwrap_or_else(|e| panic!("{id}.json: {e}"));
            assert_eq!(get(id).as_ref(), Some(&s), "{id}: the embedded values");
            assert_eq!(s.id, *id, "the id field must match the file name");
            assert!(
                !s.title.is_empty() && !s.summary.is_empty(),
                "{id}: title and summary"
            );
            let trace = crate::engine::run_all(&s, &crate::Profile::ALL);
            let failures = crate::check(&trace);
            assert!(failures.is_empty(), "{id}: {failures:#?}");
        }
    }

    /// The titles, the seed and the library say what the table says: the
    /// page's first module shows the titles and the seed, and reads the rest
    /// from the library file.
    #[test]
    fn the_list_the_seed_and_the_library_agree_with_the_table() {
        let heads: Vec<(&str, &str)> = entries().map(|([id, title, _], _)| (id, title)).collect();
        assert_eq!(titles().collect::<Vec<_>>(), heads);
        assert_eq!(seed(), get(SEED_ID));
        assert!(seed().is_some());
        let file = library();
        assert_eq!(fnv1a(&file), LIBRARY_HASH, "build.rs and library() agree");
        for id in ids() {
            assert_eq!(from_library(&file, id).ok(), get(id), "{id}");
        }
        assert_eq!(from_library(&file, "no-such"), Err(LibraryError::Unknown));
    }

    /// A library of another build, cut short or changed in one byte, is
    /// refused as a whole: its entries are in a private encoding.
    #[test]
    fn another_library_is_refused() {
        let file = library();
        let id = SEED_ID;
        assert_eq!(
            from_library(&file[..file.len() - 1], id),
            Err(LibraryError::Stale)
        );
        let mut changed = file.clone();
        changed[10] ^= 1;
        assert_eq!(from_library(&changed, id), Err(LibraryError::Stale));
        assert_eq!(from_library(&[], id), Err(LibraryError::Stale));
    }

    /// The fingerprint is FNV-1a 64 (the published test vectors: the
    /// empty string and "a").
    #[test]
    fn fnv1a_is_the_published_function() {
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
    }

    #[test]
    fn sorted_by_file_name() {
        let ids: Vec<_> = ids().collect();
        let mut sorted = ids.clone();
        sorted.sort_unstable();
        assert_eq!(ids, sorted);
    }
}
