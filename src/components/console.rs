//! A dmesg-like console of the guest kernel: each warning appears in the
//! step where it is printed and stays on every later step.

use yew::prelude::*;

use crate::data::Warning;

/// The guest's log up to `step`, from every warning of the run: later
/// warnings are not printed yet.
pub fn console(warnings: &[Warning], step: usize) -> Html {
    let shown: Vec<&Warning> = warnings.iter().filter(|w| w.step <= step).collect();
    html! {
        <div class="console-wrap">
            <h3 class="sub">{ "Guest kernel log" }</h3>
            <ol class="console" aria-label="Guest kernel log">
                if shown.is_empty() {
                    <li class="quiet">{ "(no warnings)" }</li>
                }
                { for shown.iter().map(|w| html! {
                    <li data-warning="" class={classes!((w.step == step).then_some("new"))}>
                        <span class="ts">{ format!("[step {:>3}] ", w.step) }</span>
                        <span class="msg">{ w.text.clone() }</span>
                    </li>
                }) }
            </ol>
        </div>
    }
}
