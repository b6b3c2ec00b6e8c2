//! The VCR bar: reset, back, step, play/pause with a speed, end, and a
//! scrubber over every state. Buttons that cannot act (back at the start,
//! step at the end) are disabled rather than erroring.

use yew::prelude::*;

use crate::components::icons::{icon, Icon};
use crate::components::static_markup::markup;
use crate::state::{Action, Speed};

/// What the controls ask for, made once for the page's life: a step then
/// leaves their listeners alone, where new callbacks at every render made
/// each step register every button's listener again (README,
/// "Performance": one step).
pub struct VcrCallbacks {
    first: Callback<MouseEvent>,
    prev: Callback<MouseEvent>,
    play: Callback<MouseEvent>,
    next: Callback<MouseEvent>,
    last: Callback<MouseEvent>,
    scrub: Callback<InputEvent>,
    speed: Callback<Event>,
}

impl VcrCallbacks {
    /// The controls' callbacks, telling `on_action`.
    pub fn new(on_action: &Callback<Action>) -> VcrCallbacks {
        let click = |action: Action| on_action.reform(move |_: MouseEvent| action.clone());
        VcrCallbacks {
            first: click(Action::First),
            prev: click(Action::Prev),
            play: click(Action::TogglePlay),
            next: click(Action::Next),
            last: click(Action::Last),
            scrub: on_action.reform(|e: InputEvent| {
                let value = e
                    .target_dyn_into::<web_sys::HtmlInputElement>()
                    .and_then(|i| i.value().parse::<usize>().ok())
                    .unwrap_or_default();
                Action::Goto(value)
            }),
            speed: on_action.reform(|e: Event| {
                let token = e
                    .target_dyn_into::<web_sys::HtmlSelectElement>()
                    .map(|s| s.value())
                    .unwrap_or_default();
                Action::SetSpeed(Speed::from_token(&token).unwrap_or_default())
            }),
        }
    }
}

/// What [`vcr`] shows and whom its controls tell.
pub struct VcrProps<'a> {
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
    /// What the controls ask for.
    pub on: &'a VcrCallbacks,
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
    markup(options)
}

/// The playback controls.
pub fn vcr(props: &VcrProps) -> Html {
    let &VcrProps {
        step,
        last,
        playing,
        speed,
        on,
        ..
    } = props;
    // `title` names the key too.
    let button = |onclick: &Callback<MouseEvent>,
                  ic: Icon,
                  label: &'static str,
                  title: &'static str,
                  disabled: bool| {
        html! {
            <button type="button" class="vcr-btn" onclick={onclick.clone()} {disabled}
                aria-label={label} {title}>
                { icon(ic) }
            </button>
        }
    };
    let (play_label, play_title) = if playing {
        ("Pause", "Pause (Space)")
    } else {
        ("Play", "Play (Space)")
    };
    html! {
        <div class="vcr" role="group" aria-label="Playback">
            { button(&on.first, Icon::First, "Reset to the initial state", "Reset to the initial state (Home)", step == 0) }
            { button(&on.prev, Icon::Prev, "Step back", "Step back (←)", step == 0) }
            <button type="button" class={if playing { "vcr-btn play on" } else { "vcr-btn play" }}
                onclick={on.play.clone()}
                disabled={last == 0}
                aria-label={play_label} aria-pressed={if playing { "true" } else { "false" }}
                title={play_title}>
                { icon(if playing { Icon::Pause } else { Icon::Play }) }
            </button>
            { button(&on.next, Icon::Next, "Step forward", "Step forward (→)", step >= last) }
            { button(&on.last, Icon::Last, "Go to the end", "Go to the end (End)", step >= last) }
            <label class="speed">
                <span class="sr-only">{ "Speed" }</span>
                <select onchange={on.speed.clone()} title="Playback speed">{ speed_options(speed) }</select>
            </label>
            <input type="range" class="scrub" min="0" max={last.to_string()} step="1"
                value={step.to_string()} oninput={on.scrub.clone()}
                aria-label="Step" aria-valuetext={format!("Step {step} of {last}: {}", props.label)} />
            <span class="pos" aria-hidden="true"><b>{ step }</b>{ " / " }{ last }</span>
        </div>
    }
}
