//! The step's events: what happened (or did not) and the rule that makes
//! it happen, as the core explains it.

use apic_core::EventKind;
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

/// The list of the events of `view`'s step, with their rules.
pub fn events(view: &StepView) -> Html {
    let events = &view.state.events;
    html! {
        <div class="events">
            <h3 class="sub">{ "What happened" }</h3>
            if events.is_empty() {
                <p class="dim">{ "Nothing changed in this step." }</p>
            } else {
                <ol>
                    { for events.iter().map(|e| {
                        let kind = kind_label(e.kind);
                        html! {
                            <li data-kind={kind}>
                                <span class="kind">{ kind }</span>
                                <span class="text">{ &e.text }</span>
                                if !e.rule.is_empty() {
                                    <code class="rule">{ &e.rule }</code>
                                }
                            </li>
                        }
                    }) }
                </ol>
            }
        </div>
    }
}
