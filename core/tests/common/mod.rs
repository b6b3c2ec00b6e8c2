//! Helpers shared by the model's integration tests: a scenario from a list
//! of steps, and where a Linux routine's step lands in a trace.

#![allow(dead_code, clippy::unwrap_used)]

use apic_core::format::{parse, Op, Routine, Scenario};

/// A scenario of `steps` (format v1 step objects, comma-separated), on the
/// boot processor.
pub fn scenario(steps: &str) -> Scenario {
    parse(&format!(r#"{{"id":"t","title":"t","steps":[{steps}]}}"#)).unwrap()
}

/// The same on an application processor (`"processor": "ap"`).
pub fn ap_scenario(steps: &str) -> Scenario {
    parse(&format!(
        r#"{{"id":"t","title":"t","processor":"ap","steps":[{steps}]}}"#
    ))
    .unwrap()
}

/// The index (in `states`) of the state after the n-th step running `routine`.
pub fn after_routine(sc: &Scenario, routine: Routine, nth: usize) -> usize {
    sc.steps
        .iter()
        .enumerate()
        .filter(|(_, s)| s.op == Op::Linux { routine })
        .nth(nth)
        .map(|(i, _)| i + 1)
        .unwrap()
}
