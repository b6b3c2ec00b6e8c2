//! The scalar registers of a pane, decoded by the core (`apic_core::decode`):
//! CPU state, APIC enable, SPIV, TPR/PPR, LVT timer and, under APICv, RVI
//! and SVI. A value this step changed carries a "changed" mark (a triangle
//! and the words, not only a colour).
//!
//! A component of its own whose props are the few values it shows, so
//! that a step which changes none of them (most steps) skips the rows
//! entirely (README, "Performance": one step).

use apic_core::decode;
use apic_core::trace::ApicvState;
use apic_core::CpuRun;
use yew::prelude::*;

use crate::components::static_markup::static_markup;
use crate::data::{Field, StepView};

/// A set of fields, one bit each: props compared without a `Vec`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FieldSet(u32);

impl FieldSet {
    /// One bit per field: `Field` names fewer than 32 (a test holds it).
    fn of<'a>(fields: impl IntoIterator<Item = &'a Field>) -> FieldSet {
        FieldSet(fields.into_iter().fold(0, |set, &f| set | 1 << f as u32))
    }

    fn has(self, f: Field) -> bool {
        self.0 & 1 << f as u32 != 0
    }
}

/// What [`Registers`] shows: a pane's scalar registers at one step, which
/// of them the step changed, and which a prediction checkpoint hides.
#[derive(Properties, Clone, Copy, Debug, PartialEq)]
pub struct RegistersProps {
    /// The CPU's interrupt flag.
    pub if_flag: bool,
    /// Running, halted or waiting for SIPI.
    pub cpu: CpuRun,
    /// Whether the APIC is enabled in software (SPIV bit 8 and the base).
    pub sw_enabled: bool,
    /// SPIV.
    pub spiv: u32,
    /// TPR.
    pub tpr: u8,
    /// PPR.
    pub ppr: u8,
    /// LVT timer.
    pub lvt_timer: u32,
    /// RVI and SVI under APICv.
    pub apicv: Option<ApicvState>,
    /// The fields this step changed.
    pub changed: FieldSet,
    /// Whether this step changed RVI or SVI.
    pub apicv_changed: bool,
    /// The fields a checkpoint hides.
    pub hidden: FieldSet,
}

impl RegistersProps {
    /// The registers of `v`, with the `hidden` fields hidden.
    pub fn of(v: &StepView, hidden: &[Field]) -> RegistersProps {
        let s = &v.state;
        RegistersProps {
            if_flag: s.if_flag,
            cpu: s.cpu,
            sw_enabled: s.sw_enabled,
            spiv: s.spiv,
            tpr: s.tpr,
            ppr: s.ppr,
            lvt_timer: s.lvt_timer,
            apicv: s.apicv,
            changed: FieldSet::of(&v.changed),
            apicv_changed: v.apicv_changed,
            hidden: FieldSet::of(hidden),
        }
    }
}

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

/// The decoded scalar registers; the hidden fields (a prediction
/// checkpoint's) show a question mark.
#[function_component]
pub fn Registers(s: &RegistersProps) -> Html {
    let hides = |f: Field| s.hidden.has(f);
    let changed = |f: Field| s.changed.has(f);
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
                (changed(Field::If) && !hides(Field::If)) || (changed(Field::Cpu) && !hides(Field::Cpu)),
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
                changed(Field::Spiv) && !hides(Field::Spiv) && !hides(Field::SwEnabled),
                "Spurious-interrupt vector register (SDM 10.9): bit 8 enables the APIC in software",
            ) }
            { row(
                html! { "TPR / PPR" },
                html! { <code class="hex">
                    if hides(Field::Tpr) { { hidden_value() } } else { { format!("{:#04x}", s.tpr) } }
                    { " / " }
                    if hides(Field::Ppr) { { hidden_value() } } else { { format!("{:#04x}", s.ppr) } }
                </code> },
                (changed(Field::Tpr) && !hides(Field::Tpr)) || (changed(Field::Ppr) && !hides(Field::Ppr)),
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
                changed(Field::LvtTimer) && !hides(Field::LvtTimer),
                "Local vector table, timer entry (SDM 10.5.1)",
            ) }
            // RVI and SVI are the highest IRR and ISR vectors (SDM 29.1.1).
            if let Some(apicv) = s.apicv.filter(|_| !hides(Field::Irr) && !hides(Field::Isr)) {
                { row(
                    html! { "RVI / SVI" },
                    html! { <code class="hex">{ format!("{:#04x} / {:#04x}", apicv.rvi, apicv.svi) }</code> },
                    s.apicv_changed,
                    "APICv guest-interrupt status (SDM 29.1.1): requesting and servicing virtual interrupt",
                ) }
            }
        </dl>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every field has a bit of its own, and a set holds exactly its fields.
    #[test]
    fn field_set_holds_exactly_its_fields() {
        let all = Field::all();
        assert!(all.len() <= 32, "a field beyond bit 31 would wrap");
        for (i, &f) in all.iter().enumerate() {
            let one = FieldSet::of([f].iter());
            for &g in all {
                assert_eq!(one.has(g), g == f, "{f:?} and {g:?}");
            }
            let rest = FieldSet::of(all.iter().filter(|&&g| g != f));
            assert!(
                !rest.has(f) && all.iter().filter(|&&g| g != f).all(|&g| rest.has(g)),
                "{i}"
            );
        }
    }
}
