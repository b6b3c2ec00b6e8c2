//! The scalar registers of a pane, decoded by the core (`apic_core::decode`):
//! CPU state, APIC enable, SPIV, TPR/PPR, LVT timer and, under APICv, RVI
//! and SVI. A value this step changed carries a "changed" mark (a triangle
//! and the words, not only a colour).
//!
//! A component of its own whose props are the few values it shows, so
//! that a step which changes none of them skips it. Its rows are written
//! once; its effect writes the words and classes a step changes, as the
//! bit grid does its cells, where `html!` built and compared some fifty
//! nodes per pane at every step (README, "Performance": one step).

use apic_core::decode;
use apic_core::trace::ApicvState;
use apic_core::CpuRun;
use web_sys::Element;
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

/// The "changed" mark of a row (shown in a row of class `chg`).
macro_rules! delta {
    () => {
        r#"<span class="delta" title="changed at this step"><span class="sr-only"> (changed at this step)</span></span>"#
    };
}

/// The rows, with an element for every piece of a value that a step may
/// change ([`values`] fills them in this order). The RVI/SVI row is hidden
/// for a profile without APICv. The "changed" mark shows in a row of class
/// `chg` (style.css).
const ROWS: &str = concat!(
    r#"<div class="reg" title="The CPU's interrupt flag (RFLAGS.IF) and whether it runs, halts or waits for SIPI">"#,
    r#"<dt>CPU"#,
    delta!(),
    r#"</dt><dd><span></span> <span></span></dd></div>"#,
    r#"<div class="reg" title="Spurious-interrupt vector register (SDM 10.9): bit 8 enables the APIC in software">"#,
    r#"<dt>APIC"#,
    delta!(),
    r#"</dt><dd><span></span><code></code><span></span></dd></div>"#,
    r#"<div class="reg" title="Task and processor priority (SDM 10.8.3.1): a vector is dispatched only if its class beats PPR">"#,
    r#"<dt>TPR / PPR"#,
    delta!(),
    r#"</dt><dd><code></code></dd></div>"#,
    r#"<div class="reg" title="Local vector table, timer entry (SDM 10.5.1)">"#,
    r#"<dt>LVT timer"#,
    delta!(),
    r#"</dt><dd><span></span><code></code><span></span></dd></div>"#,
    // RVI and SVI are the highest IRR and ISR vectors (SDM 29.1.1).
    r#"<div class="reg" title="APICv guest-interrupt status (SDM 29.1.1): requesting and servicing virtual interrupt">"#,
    r#"<dt>RVI / SVI"#,
    delta!(),
    r#"</dt><dd><code></code></dd></div>"#,
);

/// One piece of a value: its element's class and text.
type Piece = (&'static str, String);

/// What a row shows: hidden (no APICv), changed, and its pieces.
#[derive(Clone, Default, PartialEq)]
struct Row {
    absent: bool,
    changed: bool,
    pieces: Vec<Piece>,
}

const HEX: &str = "hex";
const DIM: &str = "dim";
/// What a hidden value shows: a question mark (play.css).
const HIDDEN: &str = "hidden-value";

fn flag(on: bool, yes: &str, no: &str) -> Piece {
    if on {
        ("flag on", yes.to_owned())
    } else {
        ("flag off", no.to_owned())
    }
}

/// The rows of `s`, in [`ROWS`]' order; the fields a prediction checkpoint
/// hides show a question mark.
fn values(s: &RegistersProps) -> [Row; 5] {
    let hides = |f: Field| s.hidden.has(f);
    let changed = |f: Field| s.changed.has(f) && !hides(f);
    let hidden = || (HIDDEN, "?".to_owned());
    let row = |changed: bool, pieces: Vec<Piece>| Row {
        absent: false,
        changed,
        pieces,
    };
    let cpu = match s.cpu {
        CpuRun::Running => "running",
        CpuRun::Halted => "halted",
        CpuRun::WaitForSipi => "waiting for SIPI",
    };
    let spiv = decode::spiv(s.spiv);
    let lvt = decode::lvt(s.lvt_timer);
    let apic = if hides(Field::Spiv) || hides(Field::SwEnabled) {
        vec![hidden(), (HEX, " SPIV".into()), (DIM, String::new())]
    } else {
        let mut dim = format!(" vector {:#04x}", spiv.vector);
        if spiv.focus_disabled {
            dim.push_str(" · focus check off");
        }
        if spiv.eoi_broadcast_suppressed {
            dim.push_str(" · EOI broadcast suppressed");
        }
        vec![
            flag(s.sw_enabled, "enabled", "disabled"),
            (HEX, format!(" SPIV {:#06x}", s.spiv)),
            (DIM, dim),
        ]
    };
    let lvt_row = if hides(Field::LvtTimer) {
        vec![hidden(), (HEX, String::new()), (DIM, String::new())]
    } else {
        vec![
            flag(!lvt.masked, "unmasked", "masked"),
            (HEX, format!(" {:#010x}", s.lvt_timer)),
            (
                DIM,
                format!(
                    " vector {:#04x} · {}{}",
                    lvt.vector,
                    lvt.timer_mode.name(),
                    if lvt.pending { " · send pending" } else { "" }
                ),
            ),
        ]
    };
    let hex_or_hidden = |f: Field, v: u8| {
        if hides(f) {
            "?".to_owned()
        } else {
            format!("{v:#04x}")
        }
    };
    let apicv = s.apicv.filter(|_| !hides(Field::Irr) && !hides(Field::Isr));
    [
        row(
            changed(Field::If) || changed(Field::Cpu),
            vec![
                if hides(Field::If) {
                    (HIDDEN, "IF=?".into())
                } else {
                    flag(s.if_flag, "IF=1", "IF=0")
                },
                if hides(Field::Cpu) {
                    hidden()
                } else {
                    ("cpu", cpu.into())
                },
            ],
        ),
        row(changed(Field::Spiv) && !hides(Field::SwEnabled), apic),
        row(
            changed(Field::Tpr) || changed(Field::Ppr),
            vec![(
                HEX,
                format!(
                    "{} / {}",
                    hex_or_hidden(Field::Tpr, s.tpr),
                    hex_or_hidden(Field::Ppr, s.ppr)
                ),
            )],
        ),
        row(changed(Field::LvtTimer), lvt_row),
        Row {
            absent: apicv.is_none(),
            changed: s.apicv_changed,
            pieces: vec![(
                HEX,
                apicv
                    .map(|a| format!("{:#04x} / {:#04x}", a.rvi, a.svi))
                    .unwrap_or_default(),
            )],
        },
    ]
}

/// Brings the rows under `dl` from `was` to `now`: a step writes only the
/// classes and words that changed (README, "Performance": one step).
fn patch(dl: &Element, was: &[Row; 5], now: &[Row; 5]) -> Option<()> {
    let rows = dl.children();
    for (i, (was, now)) in was.iter().zip(now).enumerate() {
        if was == now {
            continue;
        }
        let row = rows.item(i as u32)?;
        if was.absent != now.absent {
            row.toggle_attribute_with_force("hidden", now.absent).ok()?;
        }
        if was.changed != now.changed {
            row.set_class_name(if now.changed { "reg chg" } else { "reg" });
        }
        let pieces = row.last_element_child()?.children();
        for (j, (class, text)) in now.pieces.iter().enumerate() {
            let old = was.pieces.get(j);
            if old.map(|o| o.0) == Some(*class) && old.map(|o| &o.1) == Some(text) {
                continue;
            }
            let el = pieces.item(j as u32)?;
            if old.map(|o| o.0) != Some(*class) {
                el.set_class_name(class);
            }
            if old.map(|o| &o.1) != Some(text) {
                el.set_text_content(Some(text));
            }
        }
    }
    Some(())
}

/// The decoded scalar registers. The rows are written once and an effect
/// patches what a step changes in them, as the bit grid does its cells.
#[function_component]
pub fn Registers(s: &RegistersProps) -> Html {
    let dl = use_node_ref();
    let shown = use_mut_ref(<[Row; 5]>::default);
    {
        let (dl, s) = (dl.clone(), *s);
        use_effect(move || {
            if let Some(dl) = dl.cast::<Element>() {
                let now = values(&s);
                let mut shown = shown.borrow_mut();
                if patch(&dl, &shown, &now).is_some() {
                    *shown = now;
                }
            }
        });
    }
    html! {
        <dl class="regs" ref={dl}>{ static_markup(ROWS) }</dl>
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
