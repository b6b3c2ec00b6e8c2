//! The narration: where we are, and the scenario's note for this step
//! (large in presenter mode, where it carries the talk).

use yew::prelude::*;

/// The narration of state `step` of `last`: its `label`, and its `note` if
/// the scenario has one; the initial state without a note says `summary`.
pub fn narration(
    step: usize,
    last: usize,
    label: AttrValue,
    note: Option<AttrValue>,
    summary: AttrValue,
) -> Html {
    let text = match (note, step) {
        (Some(note), _) => note,
        (None, 0) => summary,
        (None, _) => AttrValue::Static(""),
    };
    html! {
        <section class="narration" aria-label="Narration">
            <p class="where">
                <span class="stepno">{ format!("Step {step} / {last}") }</span>
                <code class="label">{ label }</code>
            </p>
            if !text.is_empty() {
                <p class="note">{ text }</p>
            }
        </section>
    }
}
