//! The step's events: what happened (or did not) and the rule that makes
//! it happen, as the core explains it; what every pane shows alike is
//! folded under what differs.

use apic_core::{Event, EventKind};
use yew::prelude::*;

use crate::data::StepView;

/// A short tag for an event's kind.
pub fn kind_label(kind: EventKind) -> &'static str {
    match kind {
        EventKind::Write => "write",
        EventKind::Accept => "accept",
        EventKind::Drop => "drop",
        EventKind::Dispatch => "dispatch",
        EventKind::Spurious => "spurious",
        EventKind::Eoi => "eoi",
        EventKind::Held => "held",
        EventKind::Mask => "mask",
        EventKind::Cpu => "cpu",
        EventKind::Signal => "signal",
        EventKind::Timer => "timer",
        EventKind::Reset => "reset",
        EventKind::Guest => "guest",
        EventKind::Warning => "warning",
        EventKind::Error => "error",
        EventKind::Note => "note",
    }
}

fn item(e: &Event) -> Html {
    let kind = kind_label(e.kind);
    html! {
        <li data-kind={kind}>
            <span class="kind">{ kind }</span>
            <span class="text">{ e.text.as_str().to_owned() }</span>
            if !e.rule.is_empty() {
                <code class="rule">{ e.rule.as_str().to_owned() }</code>
            }
        </li>
    }
}

/// The events of `view`'s step, with their rules: first those that only
/// some panes show (where the panes differ), then, folded, those that every
/// pane shows alike (`shared`, from `data::shared_events`).
pub fn events(view: &StepView, shared: &[Event]) -> Html {
    let events = &view.state.events;
    let own = events.iter().filter(|e| !shared.contains(e));
    let alike = events.iter().filter(|e| shared.contains(e)).count();
    html! {
        <div class="events">
            <h3 class="sub">{ "What happened" }</h3>
            if events.is_empty() {
                <p class="dim">{ "Nothing changed in this step." }</p>
            } else {
                if alike < events.len() {
                    <ol data-events="own">{ for own.map(item) }</ol>
                }
                if alike > 0 {
                    <details class="alike" data-events="alike">
                        <summary>{ if alike == events.len() {
                            format!("{alike} {}, the same in every pane", plural(alike))
                        } else {
                            format!("and {alike} {} the same in every pane", plural(alike))
                        } }</summary>
                        <ol>{ for events.iter().filter(|e| shared.contains(e)).map(item) }</ol>
                    </details>
                }
            }
        </div>
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        "event"
    } else {
        "events"
    }
}
