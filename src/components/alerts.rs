//! Problems with the link (or a scenario that would not load), in a
//! `role="alert"` box that says what was shown instead.

use yew::prelude::*;

/// The alert box for `messages` (nothing when there is none); its button
/// calls `on_dismiss`.
pub fn alerts(messages: &[AttrValue], on_dismiss: &Callback<()>) -> Html {
    if messages.is_empty() {
        return Html::default();
    }
    html! {
        <div class="alert" role="alert">
            <div class="alert-body">
                <strong>{ "This link could not be shown exactly." }</strong>
                <ul>{ for messages.iter().map(|m| html! { <li>{ m.clone() }</li> }) }</ul>
            </div>
            <button type="button" class="dismiss" onclick={on_dismiss.reform(|_: MouseEvent| ())}>
                { "Dismiss" }
            </button>
        </div>
    }
}
