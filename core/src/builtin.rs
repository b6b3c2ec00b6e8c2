//! The built-in scenarios: every `core/scenarios/*.json`, embedded at build
//! time by `build.rs` (sorted by file name; the id is the file name without
//! `.json`) and read with the one reader of the format, `format::parse`.

use crate::format::{parse, Scenario};

include!(concat!(env!("OUT_DIR"), "/builtin_files.rs"));

/// What the picker shows for one built-in scenario.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BuiltinInfo {
    /// The id (file name without `.json`).
    pub id: &'static str,
    /// Its title.
    pub title: String,
    /// Its summary.
    pub summary: String,
}

/// Every built-in scenario that parses, sorted by id. (A unit test makes
/// sure every file parses, so none is left out in practice.)
pub fn list() -> Vec<BuiltinInfo> {
    FILES
        .iter()
        .filter_map(|(id, src)| {
            parse(src).ok().map(|s| BuiltinInfo {
                id,
                title: s.title,
                summary: s.summary,
            })
        })
        .collect()
}

/// The built-in scenario with this id.
pub fn get(id: &str) -> Option<Scenario> {
    source(id).and_then(|src| parse(src).ok())
}

/// The JSON source of the built-in scenario with this id (as embedded:
/// without the whitespace between tokens, see `build.rs`).
pub fn source(id: &str) -> Option<&'static str> {
    FILES.iter().find(|(i, _)| *i == id).map(|(_, src)| *src)
}

/// The ids of every built-in, sorted.
pub fn ids() -> impl Iterator<Item = &'static str> {
    FILES.iter().map(|(id, _)| *id)
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

    #[test]
    fn every_builtin_parses_matches_its_file_name_and_passes_check() {
        assert!(FILES.len() >= 12);
        for (id, src) in FILES {
            let s = parse(src).unwrap_or_else(|e| panic!("{id}.json: {e}"));
            assert_eq!(s.id, *id, "the id field must match the file name");
            assert!(
                !s.title.is_empty() && !s.summary.is_empty(),
                "{id}: title and summary"
            );
            let trace = crate::engine::run_all(&s, &crate::Profile::ALL);
            let failures = crate::check(&trace);
            assert!(failures.is_empty(), "{id}: {failures:#?}");
        }
        assert_eq!(list().len(), FILES.len());
    }

    #[test]
    fn sorted_by_file_name() {
        let ids: Vec<_> = ids().collect();
        let mut sorted = ids.clone();
        sorted.sort_unstable();
        assert_eq!(ids, sorted);
    }
}
