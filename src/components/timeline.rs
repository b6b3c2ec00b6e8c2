//! The timeline: every step with its label (mostly a Linux function), the
//! current one marked, and markers where the chosen profiles diverge,
//! where the guest warns, and where an `expect` passes or fails. A click
//! goes to the step. Carries the `data-timeline` / `data-current` hook.

use std::rc::Rc;

use yew::prelude::*;

use crate::components::static_markup::{breakable, markup};
use crate::data::StepInfo;
use crate::hooks::use_scroll_current;
use crate::marks::StepMarks;

/// Props of [`Timeline`].
#[derive(Properties, PartialEq)]
pub struct TimelineProps {
    /// The steps (index = state).
    pub steps: Rc<[StepInfo]>,
    /// Markers per step.
    pub marks: Rc<[StepMarks]>,
    /// The current state.
    pub current: usize,
    /// Go to a step.
    pub on_goto: Callback<usize>,
}

/// A step's markers, as markup (static pieces): most steps have none.
fn markers(m: StepMarks, out: &mut String) {
    let pieces = [
        (
            m.diverge,
            r#"<span class="mk diverge" title="the profiles start to differ here"><span class="sr-only">, profiles diverge</span></span>"#,
        ),
        (
            m.warning,
            r#"<span class="mk warn" title="the guest kernel warns here"><span class="sr-only">, guest warning</span></span>"#,
        ),
        (
            m.expect == Some(false),
            r#"<span class="mk fail" title="an expectation fails here"><span class="sr-only">, expectation failed</span></span>"#,
        ),
        (
            m.expect == Some(true),
            r#"<span class="mk pass" title="an expectation is met here"><span class="sr-only">, expectation met</span></span>"#,
        ),
    ];
    out.push_str(r#"<span class="marks">"#);
    for (_, piece) in pieces.iter().filter(|(on, _)| *on) {
        out.push_str(piece);
    }
    out.push_str("</span>");
}

/// What a step's button holds (its number, its label and its markers), as
/// one piece of markup: a step that renders again compares one string, and
/// the first render of a list of steps builds two elements a step through
/// Yew (the item and the button, which takes the click) rather than six.
fn step_markup(k: usize, label: &str, marks: StepMarks) -> Html {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(label.len() + 96);
    let _ = write!(out, r#"<span class="num">{k}</span><span class="lbl">"#);
    breakable(label, &mut out);
    out.push_str("</span>");
    markers(marks, &mut out);
    markup(out)
}

/// Most steps the list holds at once. A scenario may have 10,000 steps
/// (`format::MAX_STEPS`); a list of them all took seconds to update on
/// every step, so a long one shows the steps around the current one, and
/// the scrubber and the keys reach the rest.
const WINDOW: usize = 301;

/// The steps `lo..hi` the list shows for `current` of `len`.
pub fn window(len: usize, current: usize) -> (usize, usize) {
    if len <= WINDOW {
        return (0, len);
    }
    let lo = current.saturating_sub(WINDOW / 2).min(len - WINDOW);
    (lo, lo + WINDOW)
}

/// "… n steps before/after": where the list is cut.
fn gap(n: usize, side: &str) -> Html {
    if n == 0 {
        return Html::default();
    }
    html! { <li class="tl-gap" aria-hidden="true">{ format!("… {n} {side}") }</li> }
}

/// Where a step stands against the current one.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Place {
    Past,
    Here,
    Next,
}

/// Props of [`Step`].
#[derive(Properties, PartialEq)]
struct StepProps {
    k: usize,
    label: AttrValue,
    marks: StepMarks,
    place: Place,
    on_goto: Callback<usize>,
}

/// One step of the list, its item included. A component of its own, so
/// that a step forward re-renders the two steps whose place changed, not
/// the whole list; the list itself then holds only components, which Yew
/// compares without a call to the browser (an element costs one).
#[function_component]
fn Step(props: &StepProps) -> Html {
    let k = props.k;
    let onclick = props.on_goto.reform(move |_: MouseEvent| k);
    let here = props.place == Place::Here;
    let class = classes!(
        "tl-step",
        match props.place {
            Place::Here => "here",
            Place::Past => "past",
            Place::Next => "next",
        }
    );
    html! {
        <li>
            <button type="button" {class} {onclick}
                aria-current={here.then_some("step")}
                title={format!("Step {k}: {}", props.label)}>
                { step_markup(k, &props.label, props.marks) }
            </button>
        </li>
    }
}

/// The clickable list of steps.
#[function_component]
pub fn Timeline(props: &TimelineProps) -> Html {
    let track = use_node_ref();
    use_scroll_current(track.clone(), props.current);
    let (lo, hi) = window(props.steps.len(), props.current);
    let shown = props.steps.get(lo..hi).unwrap_or_default();
    let items = shown.iter().enumerate().map(|(i, step)| {
        let k = lo + i;
        let place = match k.cmp(&props.current) {
            std::cmp::Ordering::Less => Place::Past,
            std::cmp::Ordering::Equal => Place::Here,
            std::cmp::Ordering::Greater => Place::Next,
        };
        html! {
            <Step key={k} {k} label={step.label.clone()} marks={props.marks.get(k).copied().unwrap_or_default()}
                {place} on_goto={props.on_goto.clone()} />
        }
    });
    html! {
        <nav class="timeline" aria-label="Timeline">
            <ol ref={track} data-timeline="" data-current={props.current.to_string()}>
                { gap(lo, "steps before") }
                <>{ for items }</>
                { gap(props.steps.len() - hi, "steps after") }
            </ol>
        </nav>
    }
}
