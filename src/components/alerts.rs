//! Problems with the link (or a scenario that would not load), in a
//! `role="alert"` box that says what was shown instead.

use yew::prelude::*;

/// Props of [`Alerts`].
#[derive(Properties, PartialEq)]
pub struct AlertsProps {
    /// The messages.
    pub messages: Vec<AttrValue>,
    /// Hide them.
    pub on_dismiss: Callback<()>,
}

/// The alert box (nothing when there is no message).
#[function_component]
pub fn Alerts(props: &AlertsProps) -> Html {
    if props.messages.is_empty() {
        return Html::default();
    }
    html! {
        <div class="alert" role="alert">
            <div class="alert-body">
                <strong>{ "This link could not be shown exactly." }</strong>
                <ul>{ for props.messages.iter().map(|m| html! { <li>{ m.clone() }</li> }) }</ul>
            </div>
            <button type="button" class="dismiss" onclick={props.on_dismiss.reform(|_: MouseEvent| ())}>
                { "Dismiss" }
            </button>
        </div>
    }
}
