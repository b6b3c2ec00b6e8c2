//! A dmesg-like console of the guest kernel: each warning appears in the
//! step where it is printed and stays on every later step.

use std::fmt::Write as _;

use yew::prelude::*;

use crate::components::static_markup::{escape, markup};
use crate::data::Warning;

/// What the log shows at `step`: how many lines, and whether the last
/// was printed at this very step. The log's markup depends on nothing
/// else, so a pane writes it again only when this changes.
pub fn shown_at(warnings: &[Warning], step: usize) -> (usize, bool) {
    let lines = warnings.iter().filter(|w| w.step <= step).count();
    (lines, warnings.iter().any(|w| w.step == step))
}

/// The guest's log up to `step`, from every warning of the run: later
/// warnings are not printed yet. Markup from text (escaped), as the bit
/// grid's cells: the log changes at a few steps of a run, and a step
/// compares one string where it compared a node per line and word
/// (README, "Performance": one step).
pub fn console(warnings: &[Warning], step: usize) -> Html {
    let mut out = String::from(
        r#"<div class="console-wrap"><h3 class="sub">Guest kernel log</h3><ol class="console" aria-label="Guest kernel log">"#,
    );
    let mut quiet = true;
    for w in warnings.iter().filter(|w| w.step <= step) {
        quiet = false;
        let _ = write!(
            out,
            r#"<li data-warning=""{}><span class="ts">[step {:>3}] </span><span class="msg">{}</span></li>"#,
            if w.step == step {
                r#" class="new""#
            } else {
                ""
            },
            w.step,
            escape(&w.text)
        );
    }
    if quiet {
        out.push_str(r#"<li class="quiet">(no warnings)</li>"#);
    }
    out.push_str("</ol></div>");
    markup(out)
}
