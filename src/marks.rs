//! Timeline markers: where the chosen profiles diverge, where the guest
//! warns, and where an `expect` checkpoint passes or fails. Derived from the
//! traces for the profiles on screen, so hiding a profile hides its markers.

use apic_core::Profile;

use apic_core::compare;

use crate::data::{Field, ScenarioData};

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
        let views: Vec<_> = runs
            .iter()
            .filter_map(|r| {
                r.at(k)
                    .map(|v| (v, r.warned.get(k).copied().unwrap_or(false)))
            })
            .collect();
        // How each chosen profile differs from the first one shown
        // (`apic_core::compare`, the same definition as "differs from
        // hardware"): a marker where that pattern appears or changes, not
        // on every later step.
        let pattern: Vec<Vec<Field>> = match views.split_first() {
            Some(((first, fw), rest)) => rest
                .iter()
                .map(|(v, w)| compare::differing(&v.state, *w, &first.state, *fw))
                .collect(),
            None => Vec::new(),
        };
        let differs = pattern.iter().any(|d| !d.is_empty());
        let diverge = differs && pattern != previous;
        previous = pattern;
        let warning = views.iter().any(|(v, _)| !v.state.warnings.is_empty());
        let results: Vec<bool> = views
            .iter()
            .filter_map(|(v, _)| v.state.expect.as_ref().map(|e| e.ok))
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
