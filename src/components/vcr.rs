//! The VCR bar: reset, back, step, play/pause with a speed, end, and a
//! scrubber over every state. Buttons that cannot act (back at the start,
//! step at the end) are disabled rather than erroring.

use yew::prelude::*;

use crate::components::icons::{icon, Icon};
use crate::state::{Action, Speed};

/// What [`vcr`] shows and whom its controls tell.
pub struct VcrProps {
    /// The current state.
    pub step: usize,
    /// The last state.
    pub last: usize,
    /// The current step's label, for the scrubber's spoken value.
    pub label: AttrValue,
    /// Whether playing.
    pub playing: bool,
    /// Playback speed.
    pub speed: Speed,
    /// What a control asks for.
    pub on_action: Callback<Action>,
}

/// The speeds to pick from, `speed` selected. Markup from text (tokens
/// and labels are constants): a step compares one string where it
/// compared eight nodes (README, "Performance": one step).
fn speed_options(speed: Speed) -> Html {
    let options: String = Speed::ALL
        .iter()
        .map(|&s| {
            format!(
                r#"<option value="{}"{}>{}</option>"#,
                s.token(),
                if s == speed {
                    r#" selected="selected""#
                } else {
                    ""
                },
                s.label()
            )
        })
        .collect();
    Html::from_html_unchecked(AttrValue::from(options))
}

/// The playback controls.
pub fn vcr(props: &VcrProps) -> Html {
    let &VcrProps {
        step,
        last,
        playing,
        speed,
        ..
    } = props;
    let button =
        |action: Action, ic: Icon, label: &'static str, keys: &'static str, disabled: bool| {
            let onclick = props.on_action.reform(move |_: MouseEvent| action.clone());
            html! {
                <button type="button" class="vcr-btn" {onclick} {disabled}
                    aria-label={label} title={format!("{label} ({keys})")}>
                    { icon(ic) }
                </button>
            }
        };
    let on_scrub = props.on_action.reform(|e: InputEvent| {
        let value = e
            .target_dyn_into::<web_sys::HtmlInputElement>()
            .and_then(|i| i.value().parse::<usize>().ok())
            .unwrap_or_default();
        Action::Goto(value)
    });
    let on_speed = props.on_action.reform(|e: Event| {
        let token = e
            .target_dyn_into::<web_sys::HtmlSelectElement>()
            .map(|s| s.value())
            .unwrap_or_default();
        Action::SetSpeed(Speed::from_token(&token).unwrap_or_default())
    });
    let play_label = if playing { "Pause" } else { "Play" };
    html! {
        <div class="vcr" role="group" aria-label="Playback">
            { button(Action::First, Icon::First, "Reset to the initial state", "Home", step == 0) }
            { button(Action::Prev, Icon::Prev, "Step back", "←", step == 0) }
            <button type="button" class={classes!("vcr-btn", "play", playing.then_some("on"))}
                onclick={props.on_action.reform(|_: MouseEvent| Action::TogglePlay)}
                disabled={last == 0}
                aria-label={play_label} aria-pressed={if playing { "true" } else { "false" }}
                title={format!("{play_label} (Space)")}>
                { icon(if playing { Icon::Pause } else { Icon::Play }) }
            </button>
            { button(Action::Next, Icon::Next, "Step forward", "→", step >= last) }
            { button(Action::Last, Icon::Last, "Go to the end", "End", step >= last) }
            <label class="speed">
                <span class="sr-only">{ "Speed" }</span>
                <select onchange={on_speed} title="Playback speed">{ speed_options(speed) }</select>
            </label>
            <input type="range" class="scrub" min="0" max={last.to_string()} step="1"
                value={step.to_string()} oninput={on_scrub}
                aria-label="Step" aria-valuetext={format!("Step {step} of {last}: {}", props.label)} />
            <span class="pos" aria-hidden="true"><b>{ step }</b>{ " / " }{ last }</span>
        </div>
    }
}
