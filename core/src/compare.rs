//! How two states, or two runs, differ: field by field, in `Field` order.
//! One definition for the page ("differs from real hardware", the
//! timeline's divergence markers), the CLI and the checkpoints.

use crate::format::{Field, FieldValue};
use crate::trace::{ProfileTrace, State};

/// The value of `field` in a state; `warned` answers `Field::Warn`
/// (whether the guest has printed a warning at this step or before).
pub fn value(field: Field, s: &State, warned: bool) -> FieldValue {
    match field {
        Field::Irr => FieldValue::Vectors(s.irr.vectors()),
        Field::Isr => FieldValue::Vectors(s.isr.vectors()),
        Field::Tmr => FieldValue::Vectors(s.tmr.vectors()),
        Field::Tpr => FieldValue::Number(u32::from(s.tpr)),
        Field::Ppr => FieldValue::Number(u32::from(s.ppr)),
        Field::Spiv => FieldValue::Number(s.spiv),
        Field::SwEnabled => FieldValue::Bool(s.sw_enabled),
        Field::If => FieldValue::Bool(s.if_flag),
        Field::Cpu => FieldValue::Cpu(s.cpu),
        Field::LvtTimer => FieldValue::Number(s.lvt_timer),
        Field::LvtLint0 => FieldValue::Number(s.lvt_lint0),
        Field::LvtLint1 => FieldValue::Number(s.lvt_lint1),
        Field::LvtError => FieldValue::Number(s.lvt_error),
        Field::LvtPmc => FieldValue::Number(s.lvt_pmc),
        Field::LvtThermal => FieldValue::Number(s.lvt_thermal),
        Field::Warn => FieldValue::Bool(warned),
    }
}

/// For each state of a run, whether the guest has warned at it or before.
pub fn warned_so_far(t: &ProfileTrace) -> Vec<bool> {
    let mut warned = false;
    t.states
        .iter()
        .map(|s| {
            warned |= !s.warnings.is_empty();
            warned
        })
        .collect()
}

/// Whether `field` has the same value in both states: `value`'s equality,
/// without cloning the vector lists (the page compares every state of every
/// run with real hardware's, so this runs tens of thousands of times).
fn same(field: Field, a: &State, a_warned: bool, b: &State, b_warned: bool) -> bool {
    match field {
        Field::Irr => a.irr == b.irr,
        Field::Isr => a.isr == b.isr,
        Field::Tmr => a.tmr == b.tmr,
        _ => value(field, a, a_warned) == value(field, b, b_warned),
    }
}

/// The fields in which two states differ.
pub fn differing(a: &State, a_warned: bool, b: &State, b_warned: bool) -> Vec<Field> {
    Field::all()
        .iter()
        .copied()
        .filter(|f| !same(*f, a, a_warned, b, b_warned))
        .collect()
}

/// For each step both runs have, the fields in which they differ.
pub fn runs(a: &ProfileTrace, b: &ProfileTrace) -> Vec<Vec<Field>> {
    let (wa, wb) = (warned_so_far(a), warned_so_far(b));
    a.states
        .iter()
        .zip(&b.states)
        .zip(wa.iter().zip(&wb))
        .map(|((sa, sb), (xa, xb))| differing(sa, *xa, sb, *xb))
        .collect()
}

/// One field of one state in which two runs differ, with both values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Difference {
    /// The state's index (0 the initial state).
    pub step: usize,
    /// The field.
    pub field: Field,
    /// Its value in the first run.
    pub left: String,
    /// Its value in the second run.
    pub right: String,
}

/// Every difference between two runs, step by step; a difference in
/// length is reported by the caller.
pub fn differences(a: &ProfileTrace, b: &ProfileTrace) -> Vec<Difference> {
    let (wa, wb) = (warned_so_far(a), warned_so_far(b));
    let mut out = Vec::new();
    for (k, (sa, sb)) in a.states.iter().zip(&b.states).enumerate() {
        let (xa, xb) = (
            wa.get(k).copied().unwrap_or(false),
            wb.get(k).copied().unwrap_or(false),
        );
        for field in differing(sa, xa, sb, xb) {
            out.push(Difference {
                step: k,
                field,
                left: value(field, sa, xa).show(field),
                right: value(field, sb, xb).show(field),
            });
        }
    }
    out
}
