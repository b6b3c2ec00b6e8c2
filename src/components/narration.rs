//! The narration: where we are, and the scenario's note for this step
//! (large in presenter mode, where it carries the talk).

use yew::prelude::*;

/// Props of [`Narration`].
#[derive(Properties, PartialEq)]
pub struct NarrationProps {
    /// The current state.
    pub step: usize,
    /// The last state.
    pub last: usize,
    /// The step's label.
    pub label: AttrValue,
    /// The step's note, if the scenario has one.
    pub note: Option<AttrValue>,
    /// Said at the initial state when it has no note.
    pub summary: AttrValue,
}

/// The current step's narration.
#[function_component]
pub fn Narration(props: &NarrationProps) -> Html {
    let text = match (&props.note, props.step) {
        (Some(note), _) => note.clone(),
        (None, 0) => props.summary.clone(),
        (None, _) => AttrValue::Static(""),
    };
    html! {
        <section class="narration" aria-label="Narration">
            <p class="where">
                <span class="stepno">{ format!("Step {} / {}", props.step, props.last) }</span>
                <code class="label">{ props.label.clone() }</code>
            </p>
            if !text.is_empty() {
                <p class="note">{ text }</p>
            }
        </section>
    }
}
