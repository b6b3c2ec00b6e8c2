//! The built-in scenarios: every `core/scenarios/*.json`, embedded at build
//! time by `build.rs` (sorted by file name; the id is the file name without
//! `.json`), both as JSON and already read into static data (`table`), so
//! that listing and loading them reads no JSON at run time.

mod table;

use crate::scenario::Scenario;
use table::{ScenarioEntry, FILES, TABLE};

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
    TABLE
        .iter()
        .filter_map(|(id, entry)| {
            entry.as_ref().map(|s| BuiltinInfo {
                id,
                title: s.title.to_owned(),
                summary: s.summary.to_owned(),
            })
        })
        .collect()
}

/// The built-in scenario with this id, as `scenario::parse` reads its file
/// (a unit test holds the table to that).
pub fn get(id: &str) -> Option<Scenario> {
    TABLE
        .iter()
        .find(|(i, _)| *i == id)
        .and_then(|(_, entry)| entry.as_ref())
        .map(ScenarioEntry::to_scenario)
}

/// The JSON source of the built-in scenario with this id (as embedded:
/// without the whitespace between tokens, see `build.rs`).
pub fn source(id: &str) -> Option<&'static str> {
    FILES.iter().find(|(i, _)| *i == id).map(|(_, src)| *src)
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
    use crate::scenario::parse;

    #[test]
    fn every_builtin_parses_matches_its_file_name_and_passes_check() {
        assert!(!FILES.is_empty());
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
    fn table_holds_what_parse_reads_from_each_file() {
        assert_eq!(TABLE.len(), FILES.len());
        for ((id, src), (table_id, entry)) in FILES.iter().zip(TABLE) {
            assert_eq!(id, table_id);
            let from_table = entry.as_ref().map(ScenarioEntry::to_scenario);
            assert_eq!(from_table, parse(src).ok(), "{id}");
            assert_eq!(get(id), from_table, "{id}");
        }
    }

    #[test]
    fn sorted_by_file_name() {
        let ids: Vec<_> = FILES.iter().map(|(id, _)| *id).collect();
        let mut sorted = ids.clone();
        sorted.sort_unstable();
        assert_eq!(ids, sorted);
    }
}
