//! One profile's pane: who it is, whether it differs from real hardware,
//! IRR and ISR (the story's registers) first, the guest log, the other
//! registers, the step's events with their rules, and TMR.
//! Panes for all chosen profiles render the same step, side by side.

use std::rc::Rc;

use apic_core::{Event, Profile};
use yew::prelude::*;

use crate::components::bit_grid::Reg;
use crate::components::console::{console, shown_at};
use crate::components::events::{events, use_event_lists};
use crate::components::prediction::{self, PanePredict};
use crate::components::registers::{Registers, RegistersProps};
use crate::components::static_markup::{escape, markup, static_markup};
use crate::data::{StepView, Warning};
use crate::state::Action;

/// Props of [`Pane`].
#[derive(Properties, PartialEq)]
pub struct PaneProps {
    /// The profile shown.
    pub profile: Profile,
    /// Its state at the current step.
    pub view: Rc<StepView>,
    /// Its guest's warnings over the whole run.
    pub warnings: Rc<[Warning]>,
    /// The step's events every pane shows alike (folded).
    #[prop_or_default]
    pub shared: Rc<[Event]>,
    /// What a prediction checkpoint hides or asks here, if any.
    #[prop_or_default]
    pub predict: Option<Rc<PanePredict>>,
    /// Where predictions go.
    #[prop_or_default]
    pub on_action: Callback<Action>,
    /// Presenter mode, where the checkpoint's verdict starts as two lines
    /// (style.css) and opens on focus or hover, as the narration does.
    #[prop_or_default]
    pub present: bool,
}

/// How the pane compares with real hardware at this step. Markup from
/// text, as `head`.
fn badge(profile: Profile, view: &StepView) -> Html {
    let html = if profile == Profile::Hardware {
        r#"<p class="badge ref">Reference: the real APIC</p>"#.to_owned()
    } else if view.differs.is_empty() {
        r#"<p class="badge same"><span class="sym" aria-hidden="true">=</span>Same as real hardware</p>"#
            .to_owned()
    } else {
        let fields: Vec<&str> = view
            .differs
            .iter()
            .map(|f| crate::data::label(*f))
            .collect();
        format!(
            r#"<p class="badge differs" data-differs="1"><span class="sym" aria-hidden="true">≠</span>Differs from real hardware: {}</p>"#,
            escape(&fields.join(", "))
        )
    };
    markup(html)
}

/// The verdict of the step's `expect`, if it has one. Markup from text,
/// as `head`. In presenter mode it can be focused, for it starts clamped.
fn expect(view: &StepView, present: bool) -> Html {
    let Some(e) = &view.state.expect else {
        return Html::default();
    };
    // Say what the checkpoint checks, so that a check of IF alone never
    // reads as a verdict on the registers around it.
    let (class, sym, text) = if e.ok {
        let only = e.detail.strip_suffix(": ok").unwrap_or(&e.detail);
        (
            "pass",
            "✓",
            format!("Checkpoint met. It checks only: {only}"),
        )
    } else {
        ("fail", "✗", format!("Checkpoint failed: {}", e.detail))
    };
    let focus = if present {
        r#" tabindex="0" title="Focus or point here to read it all""#
    } else {
        ""
    };
    markup(format!(
        r#"<p class="expect {class}" data-expect="{class}"{focus}><span class="sym" aria-hidden="true">{sym}</span>{}</p>"#,
        escape(&text)
    ))
}

/// The key to the cell shapes, beside the TMR grid.
const LEGEND_BOX: &str = concat!(
    r#"<ul aria-hidden="true" class="legend-box">"#,
    r#"<li><span data-set="1" class="cell"></span>set</li>"#,
    r#"<li><span data-set="1" data-changed="1" class="cell"></span>set at this step</li>"#,
    r#"<li><span data-set="0" data-changed="1" class="cell"></span>cleared at this step</li>"#,
    r#"<li><span data-set="0" class="cell"></span>clear</li>"#,
    r#"</ul>"#,
);

/// The id of a pane's heading, which names the pane.
fn heading(p: Profile) -> String {
    format!("pane-{}", p.id())
}

/// Who the pane is: the profile's title, what it is and its source. Markup
/// from text (escaped): the same at every step, so a step compares one
/// string where it compared eight nodes (README, "Performance": one step).
fn head(p: Profile) -> Html {
    markup(format!(
        r#"<header class="pane-head"><h2 id="{}">{}</h2><p class="what">{}</p><p class="source">Source: {}</p></header>"#,
        heading(p),
        escape(p.title()),
        escape(p.summary()),
        escape(p.source())
    ))
}

/// A profile's pane.
#[function_component]
pub fn Pane(props: &PaneProps) -> Html {
    let p = props.profile;
    let v = &props.view;
    let heading = heading(p);
    // Never one in the viewer (`crate::PLAY`), whose build then drops the
    // prediction inputs.
    let guess = props.predict.as_deref().filter(|_| crate::PLAY);
    // While a checkpoint hides fields, nothing that would give them away:
    // the comparison with hardware, the checkpoint's verdict, the events.
    let hiding = guess.filter(|g| !g.hidden.is_empty());
    let hidden: &[apic_core::format::Field] = hiding.map_or(&[], |g| &g.hidden);
    let on_action = &props.on_action;
    let lists = use_event_lists(&props.view, &props.shared);
    // Written once per profile, not at every step.
    let head = use_memo(p, |&p| head(p));
    let step = v.state.step;
    let log = use_memo(
        (props.warnings.clone(), shown_at(&props.warnings, step)),
        move |(warnings, _)| console(warnings, step),
    );
    html! {
        <section class={classes!("pane", (!v.differs.is_empty() && hiding.is_none()).then_some("differs"))}
            data-profile={p.id()} aria-labelledby={heading.clone()} data-hiding={hiding.map(|_| "1")}>
            { (*head).clone() }
            // Seven children, always: the panes share their rows (a subgrid).
            <div class="pane-status">
                if let Some(g) = hiding {
                    { prediction::inputs(g, p, on_action) }
                } else {
                    { badge(p, v) }
                    { expect(v, props.present) }
                    if let Some(g) = guess {
                        { prediction::marks(g, p) }
                    }
                }
            </div>
            <div class="grids main">
                { prediction::grid(Reg::Irr, v.irr, v.irr_changed, guess, p, on_action) }
                { prediction::grid(Reg::Isr, v.isr, v.isr_changed, guess, p, on_action) }
            </div>
            if hidden.contains(&apic_core::format::Field::Warn) {
                <p class="console-wrap dim">{ "Guest kernel log: hidden until the checkpoint." }</p>
            } else {
                { (*log).clone() }
            }
            <Registers ..RegistersProps::of(v, hidden) />
            // What happened comes before TMR, which is empty in most steps:
            // the step's explanation where the eye is, the rarely used grid
            // at the bottom.
            if let Some(g) = hiding {
                <p class="events dim">{ format!("What happened is hidden until {}.", g.until) }</p>
            } else if let Some(g) = guess.filter(|g| !g.why.is_empty()) {
                <div class="explain">{ events(v, &props.shared, &lists) }{ prediction::why(g) }</div>
            } else {
                { events(v, &props.shared, &lists) }
            }
            <div class="grids aux">
                // An empty TMR (most steps: no level-triggered vector) is
                // folded to one line, unless a checkpoint asks about it; its
                // cells stay in the page.
                if guess.is_none() && v.tmr.is_empty() && v.tmr_changed.is_empty() {
                    <details class="fold-empty">
                        <summary>{ "TMR: empty (no level-triggered interrupt)" }</summary>
                        { prediction::grid(Reg::Tmr, v.tmr, v.tmr_changed, guess, p, on_action) }
                    </details>
                } else {
                    { prediction::grid(Reg::Tmr, v.tmr, v.tmr_changed, guess, p, on_action) }
                }
                { static_markup(LEGEND_BOX) }
            </div>
        </section>
    }
}
