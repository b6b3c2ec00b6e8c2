//! A dmesg-like console of the guest kernel: each warning appears in the
//! step where it is printed and stays on every later step.

use std::rc::Rc;

use yew::prelude::*;

use crate::data::Warning;

/// Props of [`Console`].
#[derive(Properties, PartialEq)]
pub struct ConsoleProps {
    /// Every warning of the run.
    pub warnings: Rc<[Warning]>,
    /// The step shown: warnings of later steps are not printed yet.
    pub step: usize,
}

/// The guest's log up to the current step.
#[function_component]
pub fn Console(props: &ConsoleProps) -> Html {
    let shown: Vec<&Warning> = props
        .warnings
        .iter()
        .filter(|w| w.step <= props.step)
        .collect();
    html! {
        <div class="console-wrap">
            <h3 class="sub">{ "Guest kernel log" }</h3>
            <ol class="console" aria-label="Guest kernel log">
                if shown.is_empty() {
                    <li class="quiet">{ "(no warnings)" }</li>
                }
                { for shown.iter().map(|w| html! {
                    <li data-warning="" class={classes!((w.step == props.step).then_some("new"))}>
                        <span class="ts">{ format!("[step {:>3}] ", w.step) }</span>
                        <span class="msg">{ w.text.clone() }</span>
                    </li>
                }) }
            </ol>
        </div>
    }
}
