//! Timeline markers: where the chosen profiles diverge, where the guest
//! warns, and where an `expect` checkpoint passes or fails. Derived from the
//! traces for the profiles on screen, so hiding a profile hides its markers.

use apic_core::Profile;

use crate::data::{differing_fields, Field, ScenarioData};

/// What the timeline marks at one step.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StepMarks {
    /// The chosen profiles start to differ here, or differ in a new way.
    pub diverge: bool,
    /// A chosen profile's guest printed a warning here.
    pub warning: bool,
    /// An `expect` step: `Some(true)` when it passed under every chosen
    /// profile it checks, `Some(false)` when it failed under one.
    pub expect: Option<bool>,
}

/// The markers of every step for the chosen profiles.
pub fn marks(data: &ScenarioData, chosen: &[Profile]) -> Vec<StepMarks> {
    let runs: Vec<_> = chosen.iter().filter_map(|p| data.run(*p)).collect();
    let mut out = Vec::with_capacity(data.steps.len());
    let mut previous: Vec<Vec<Field>> = Vec::new();
    for k in 0..data.steps.len() {
        let views: Vec<_> = runs.iter().filter_map(|r| r.at(k)).collect();
        // How each chosen profile differs from the first one shown: a marker
        // where that pattern appears or changes, not on every later step.
        let pattern: Vec<Vec<Field>> = match views.split_first() {
            Some((first, rest)) => rest
                .iter()
                .map(|v| {
                    let mut d = differing_fields(&v.state, &first.state);
                    if v.state.warnings != first.state.warnings {
                        d.push(Field::Warnings);
                    }
                    d
                })
                .collect(),
            None => Vec::new(),
        };
        let differs = pattern.iter().any(|d| !d.is_empty());
        let diverge = differs && pattern != previous;
        previous = pattern;
        let warning = views.iter().any(|v| !v.state.warnings.is_empty());
        let results: Vec<bool> = views
            .iter()
            .filter_map(|v| v.state.expect.as_ref().map(|e| e.ok))
            .collect();
        let expect = if results.is_empty() {
            None
        } else {
            Some(results.iter().all(|ok| *ok))
        };
        out.push(StepMarks {
            diverge,
            warning,
            expect,
        });
    }
    out
}
