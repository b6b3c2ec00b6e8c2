//! The built-in scenarios: every `core/scenarios/*.json`, read at build
//! time by `build.rs` with the one reader of the format (`format::parse`)
//! and embedded as the values it read, encoded by `format::wire` (sorted by
//! file name; the id is the file name without `.json`). Loading one reads
//! no JSON at run time, so a program that only shows the built-ins carries
//! no JSON reader.
//!
//! The page's first module links none of them but their titles
//! (`titles`): it shows the built-ins as the engine traced them ahead of
//! time (`library`).

use crate::format::{wire, Scenario};

// `TABLE`: every built-in in the compact encoding of `format::wire`,
// which `build.rs` wrote with that same module from what `format::parse`
// read (a unit test holds each to the reader). A dozen byte strings cost
// the page less than the scenarios as Rust literals, whose tables of
// operations took about 13 KiB (README, "Performance": first load).
include!(concat!(env!("OUT_DIR"), "/builtin_scenarios.rs"));

/// The seed (`SEED_ID`).
pub fn seed() -> Option<Scenario> {
    get(SEED_ID)
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

    /// The titles and the seed say what the table says.
    #[test]
    fn the_list_and_the_seed_agree_with_the_table() {
        let heads: Vec<(&str, &str)> = entries().map(|([id, title, _], _)| (id, title)).collect();
        assert_eq!(titles().collect::<Vec<_>>(), heads);
        assert_eq!(seed().map(|s| s.id), Some(SEED_ID.to_owned()));
    }

    #[test]
    fn sorted_by_file_name() {
        let ids: Vec<_> = ids().collect();
        let mut sorted = ids.clone();
        sorted.sort_unstable();
        assert_eq!(ids, sorted);
    }
}
