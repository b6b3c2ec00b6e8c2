//! Evaluates an `expect` step against the state after the step before it.

use crate::compare::value;
use crate::format::{describe_checks, Expect, Field, FieldValue};
use crate::trace::{ExpectResult, State, Text, TextOf};
use std::rc::Rc;

/// A checkpoint's detail when every field matches, to share between
/// profiles: what it checks, worded when read (`met_text`).
pub(crate) fn met(e: &Expect) -> Text {
    Text::of(TextOf::Met(Rc::from(e.checks.as_slice())))
}

/// The words of a met checkpoint's detail (`Expect::describe`, then ": ok").
pub(crate) fn met_text(checks: &[(Field, FieldValue)]) -> String {
    format!("{}: ok", describe_checks(checks))
}

/// Whether the state's `field` has the value `want`, without making a
/// vector list (`compare::value` makes one).
fn matches(field: Field, want: &FieldValue, s: &State, warned: bool) -> bool {
    match (field, want) {
        (Field::Irr, FieldValue::Vectors(v)) => s.irr == *v,
        (Field::Isr, FieldValue::Vectors(v)) => s.isr == *v,
        (Field::Tmr, FieldValue::Vectors(v)) => s.tmr == *v,
        _ => value(field, s, warned) == *want,
    }
}

/// Compare every field the checkpoint names; `warned` is whether the guest
/// has printed a warning at this step or before; `met` is the detail
/// when every field matches (`met`, worded once for every profile).
pub(crate) fn evaluate(e: &Expect, s: &State, warned: bool, met: &Text) -> ExpectResult {
    // Most checkpoints are met: test every field first, and word the
    // differences only when one is not.
    if e.checks
        .iter()
        .all(|(field, want)| matches(*field, want, s, warned))
    {
        return ExpectResult {
            ok: true,
            detail: met.clone(),
        };
    }
    let diffs: Vec<String> = e
        .checks
        .iter()
        .filter_map(|(field, want)| {
            if matches(*field, want, s, warned) {
                return None;
            }
            let got = value(*field, s, warned);
            Some(format!(
                "{field}: expected {}, got {}",
                want.show(*field),
                got.show(*field)
            ))
        })
        .collect();
    if diffs.is_empty() {
        ExpectResult {
            ok: true,
            detail: met.clone(),
        }
    } else {
        ExpectResult {
            ok: false,
            detail: diffs.join("; ").into(),
        }
    }
}
