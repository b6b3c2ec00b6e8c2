//! The scalar registers of a pane, decoded by the core (`apic_core::decode`):
//! CPU state, APIC enable, SPIV, TPR/PPR, LVT timer and, under APICv, RVI
//! and SVI. A value this step changed carries a "changed" mark (a triangle
//! and the words, not only a colour).

use apic_core::decode;
use apic_core::CpuRun;
use yew::prelude::*;

use crate::components::static_markup::static_markup;
use crate::data::{Field, StepView};

fn row(name: Html, value: Html, changed: bool, title: &'static str) -> Html {
    html! {
        <div class={classes!("reg", changed.then_some("chg"))} {title}>
            <dt>
                { name }
                if changed { <span class="delta" title="changed at this step"><span class="sr-only">{ " (changed at this step)" }</span></span> }
            </dt>
            <dd>{ value }</dd>
        </div>
    }
}

fn flag(on: bool, yes: &'static str, no: &'static str) -> Html {
    html! { <span class={classes!("flag", if on { "on" } else { "off" })}>{ if on { yes } else { no } }</span> }
}

/// What a hidden value shows: a question mark.
fn hidden_value() -> Html {
    static_markup(r#"<span class="hidden-value" title="hidden until the checkpoint">?</span>"#)
}

/// The decoded scalar registers of `v`; the `hidden` fields (a prediction
/// checkpoint's) show a question mark.
pub fn registers(v: &StepView, hidden: &[Field]) -> Html {
    let s = &v.state;
    let hides = |f: Field| hidden.contains(&f);
    let cpu = match s.cpu {
        CpuRun::Running => "running",
        CpuRun::Halted => "halted",
        CpuRun::WaitForSipi => "waiting for SIPI",
    };
    let spiv = decode::spiv(s.spiv);
    let lvt = decode::lvt(s.lvt_timer);
    let spiv_extra = {
        let mut parts = Vec::new();
        if spiv.focus_disabled {
            parts.push("focus check off");
        }
        if spiv.eoi_broadcast_suppressed {
            parts.push("EOI broadcast suppressed");
        }
        if parts.is_empty() {
            String::new()
        } else {
            format!(" · {}", parts.join(" · "))
        }
    };
    html! {
        <dl class="regs">
            { row(
                html! { "CPU" },
                html! { <>
                    if hides(Field::If) { { "IF=" }{ hidden_value() } } else { { flag(s.if_flag, "IF=1", "IF=0") } }
                    { " " }
                    if hides(Field::Cpu) { { hidden_value() } } else { <span class="cpu">{ cpu }</span> }
                </> },
                (v.changed(Field::If) && !hides(Field::If)) || (v.changed(Field::Cpu) && !hides(Field::Cpu)),
                "The CPU's interrupt flag (RFLAGS.IF) and whether it runs, halts or waits for SIPI",
            ) }
            { row(
                html! { "APIC" },
                if hides(Field::Spiv) || hides(Field::SwEnabled) {
                    html! { <>{ "SPIV " }{ hidden_value() }</> }
                } else {
                    html! { <>
                        { flag(s.sw_enabled, "enabled", "disabled") }
                        <code class="hex">{ format!(" SPIV {:#06x}", s.spiv) }</code>
                        <span class="dim">{ format!(" vector {:#04x}{spiv_extra}", spiv.vector) }</span>
                    </> }
                },
                v.changed(Field::Spiv) && !hides(Field::Spiv) && !hides(Field::SwEnabled),
                "Spurious-interrupt vector register (SDM 10.9): bit 8 enables the APIC in software",
            ) }
            { row(
                html! { "TPR / PPR" },
                html! { <code class="hex">
                    if hides(Field::Tpr) { { hidden_value() } } else { { format!("{:#04x}", s.tpr) } }
                    { " / " }
                    if hides(Field::Ppr) { { hidden_value() } } else { { format!("{:#04x}", s.ppr) } }
                </code> },
                (v.changed(Field::Tpr) && !hides(Field::Tpr)) || (v.changed(Field::Ppr) && !hides(Field::Ppr)),
                "Task and processor priority (SDM 10.8.3.1): a vector is dispatched only if its class beats PPR",
            ) }
            { row(
                html! { "LVT timer" },
                if hides(Field::LvtTimer) {
                    hidden_value()
                } else {
                    html! { <>
                        { flag(!lvt.masked, "unmasked", "masked") }
                        <code class="hex">{ format!(" {:#010x}", s.lvt_timer) }</code>
                        <span class="dim">{ format!(" vector {:#04x} · {}{}", lvt.vector, lvt.timer_mode.name(), if lvt.pending { " · send pending" } else { "" }) }</span>
                    </> }
                },
                v.changed(Field::LvtTimer) && !hides(Field::LvtTimer),
                "Local vector table, timer entry (SDM 10.5.1)",
            ) }
            // RVI and SVI are the highest IRR and ISR vectors (SDM 29.1.1).
            if let Some(apicv) = s.apicv.filter(|_| !hides(Field::Irr) && !hides(Field::Isr)) {
                { row(
                    html! { "RVI / SVI" },
                    html! { <code class="hex">{ format!("{:#04x} / {:#04x}", apicv.rvi, apicv.svi) }</code> },
                    v.apicv_changed,
                    "APICv guest-interrupt status (SDM 29.1.1): requesting and servicing virtual interrupt",
                ) }
            }
        </dl>
    }
}
