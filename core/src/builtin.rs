//! The built-in scenarios: every `core/scenarios/*.json`, read at build
//! time by `build.rs` with the one reader of the format (`format::parse`)
//! and embedded as the values it read (sorted by file name; the id is the
//! file name without `.json`). Loading one reads no JSON at run time, so a
//! program that only shows the built-ins carries no JSON reader.

use crate::format::{
    CpuRun, Expect, Field, FieldValue, Handlers, Op, Processor, Profile, Reg, Routine, Scenario,
    Step,
};

include!(concat!(env!("OUT_DIR"), "/builtin_scenarios.rs"));

/// A built-in as constant data: `Scenario` with borrowed parts. Private to
/// this module; `build.rs` writes the entries from what `format::parse`
/// read, and a unit test holds each to the reader.
struct ScenarioLit {
    id: &'static str,
    title: &'static str,
    summary: &'static str,
    handlers: Handlers,
    processor: Processor,
    steps: &'static [(OpLit, Option<&'static str>, Option<&'static str>)],
}

/// An `Op` as constant data: the ops that own text or lists are borrowed.
enum OpLit {
    Op(Op),
    Note(&'static str),
    Expect(
        Option<&'static [Profile]>,
        &'static [(Field, ValueLit)],
        Option<&'static [Field]>,
    ),
}

/// A `FieldValue` as constant data.
enum ValueLit {
    Vectors(&'static [u8]),
    Number(u32),
    Bool(bool),
    Cpu(CpuRun),
}

impl ScenarioLit {
    fn to_scenario(&self) -> Scenario {
        let text = |s: Option<&str>| s.map(str::to_owned);
        Scenario {
            id: self.id.to_owned(),
            title: self.title.to_owned(),
            summary: self.summary.to_owned(),
            handlers: self.handlers,
            processor: self.processor,
            steps: self
                .steps
                .iter()
                .map(|(op, label, note)| Step {
                    op: op.to_op(),
                    label: text(*label),
                    note: text(*note),
                })
                .collect(),
        }
    }
}

impl OpLit {
    fn to_op(&self) -> Op {
        match self {
            OpLit::Op(op) => op.clone(),
            OpLit::Note(text) => Op::Note {
                text: (*text).to_owned(),
            },
            OpLit::Expect(profiles, checks, predict) => Op::Expect(Expect {
                profiles: profiles.map(<[Profile]>::to_vec),
                checks: checks
                    .iter()
                    .map(|(f, v)| {
                        let v = match v {
                            ValueLit::Vectors(v) => FieldValue::Vectors(v.to_vec()),
                            ValueLit::Number(n) => FieldValue::Number(*n),
                            ValueLit::Bool(b) => FieldValue::Bool(*b),
                            ValueLit::Cpu(c) => FieldValue::Cpu(*c),
                        };
                        (*f, v)
                    })
                    .collect(),
                predict: predict.map(<[Field]>::to_vec),
            }),
        }
    }
}

/// What the picker shows for one built-in scenario.
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
    TABLE
        .iter()
        .map(|s| BuiltinInfo {
            id: s.id,
            title: s.title,
            summary: s.summary,
        })
        .collect()
}

/// The built-in scenario with this id.
pub fn get(id: &str) -> Option<Scenario> {
    TABLE
        .iter()
        .find(|s| s.id == id)
        .map(ScenarioLit::to_scenario)
}

/// The ids of every built-in, sorted.
pub fn ids() -> impl Iterator<Item = &'static str> {
    TABLE.iter().map(|s| s.id)
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

    #[test]
    fn sorted_by_file_name() {
        let ids: Vec<_> = ids().collect();
        let mut sorted = ids.clone();
        sorted.sort_unstable();
        assert_eq!(ids, sorted);
    }
}
