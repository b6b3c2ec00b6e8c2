//! The narration: where we are, and the scenario's note for this step
//! (large in presenter mode, where it carries the talk).

use yew::prelude::*;

/// The narration of state `step` of `last`: its `label`, and its `note` if
/// the scenario has one; the initial state without a note says `summary`.
/// A `clamped` note starts as a few lines (style.css) and opens in full on
/// focus or hover: in an embed, whose page tells the story around it and
/// whose registers must fit the frame, and in presenter mode, where a
/// note of nine lines in the room's large type would push the panes' grids
/// below a 1280x720 projector's edge.
pub fn narration(
    step: usize,
    last: usize,
    label: AttrValue,
    note: Option<AttrValue>,
    summary: AttrValue,
    clamped: bool,
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
                <p class="note" tabindex={clamped.then_some("0")}
                    title={clamped.then_some("Focus or point here to read it all")}>{ text }</p>
            }
        </section>
    }
}
