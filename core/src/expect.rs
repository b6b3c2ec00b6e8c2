//! Evaluates an `expect` step against the state after the step before it.

use crate::compare::value;
use crate::format::Expect;
use crate::trace::{ExpectResult, State};

/// Compare every field the checkpoint names; `warned` is whether the guest
/// has printed a warning at this step or before.
pub(crate) fn evaluate(e: &Expect, s: &State, warned: bool) -> ExpectResult {
    let diffs: Vec<String> = e
        .checks
        .iter()
        .filter_map(|(field, want)| {
            let got = value(*field, s, warned);
            (got != *want).then(|| {
                format!(
                    "{field}: expected {}, got {}",
                    want.show(*field),
                    got.show(*field)
                )
            })
        })
        .collect();
    if diffs.is_empty() {
        ExpectResult {
            ok: true,
            detail: format!("{}: ok", e.describe()),
        }
    } else {
        ExpectResult {
            ok: false,
            detail: diffs.join("; "),
        }
    }
}
