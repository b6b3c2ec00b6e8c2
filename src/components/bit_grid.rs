//! A 256-bit vector register as a 16x16 grid: row `x0` and column `y` is
//! vector 0xXY. Set bits are filled; bits this step changed are drawn as a
//! ring (newly set: filled disc in a ring, newly cleared: empty ring), so
//! the change reads without colour. Props are two `Bits256`, so the grid
//! renders again only when its bits or changes do.

use apic_core::vectors::linux_name;
use yew::prelude::*;

use crate::bits::Bits256;

/// Which register a grid shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reg {
    /// Interrupt request register.
    Irr,
    /// In-service register.
    Isr,
    /// Trigger mode register.
    Tmr,
}

impl Reg {
    /// The test hook's value (`data-reg`).
    pub fn id(self) -> &'static str {
        match self {
            Reg::Irr => "irr",
            Reg::Isr => "isr",
            Reg::Tmr => "tmr",
        }
    }

    /// The SDM's abbreviation.
    pub fn abbr(self) -> &'static str {
        match self {
            Reg::Irr => "IRR",
            Reg::Isr => "ISR",
            Reg::Tmr => "TMR",
        }
    }

    /// What it holds (SDM 10.8.4).
    pub fn meaning(self) -> &'static str {
        match self {
            Reg::Irr => "Interrupt Request Register: accepted, not yet dispatched",
            Reg::Isr => "In-Service Register: dispatched, awaiting EOI",
            Reg::Tmr => "Trigger Mode Register: 1 = level-triggered",
        }
    }
}

/// Props of [`BitGrid`].
#[derive(Properties, PartialEq, Clone, Copy)]
pub struct BitGridProps {
    /// The register shown.
    pub reg: Reg,
    /// Its bits.
    pub bits: Bits256,
    /// The bits this step changed.
    pub changed: Bits256,
}

const HEX: [&str; 16] = [
    "0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "a", "b", "c", "d", "e", "f",
];

/// `0xec (236) LOCAL_TIMER_VECTOR`
fn vector_name(v: u8) -> String {
    match linux_name(v) {
        Some(name) => format!("0x{v:02x} ({v}) {name}"),
        None => format!("0x{v:02x} ({v})"),
    }
}

/// The words a screen reader gets instead of 256 cells.
fn summary(reg: Reg, bits: Bits256, changed: Bits256) -> String {
    let set: Vec<String> = bits.vectors().map(vector_name).collect();
    let mut text = if set.is_empty() {
        format!("{}: no vector set.", reg.abbr())
    } else {
        format!("{}: set {}.", reg.abbr(), set.join(", "))
    };
    let cleared: Vec<String> = changed
        .vectors()
        .filter(|v| !bits.contains(*v))
        .map(vector_name)
        .collect();
    let newly: Vec<String> = changed
        .vectors()
        .filter(|v| bits.contains(*v))
        .map(vector_name)
        .collect();
    if !newly.is_empty() {
        text.push_str(&format!(" Set at this step: {}.", newly.join(", ")));
    }
    if !cleared.is_empty() {
        text.push_str(&format!(" Cleared at this step: {}.", cleared.join(", ")));
    }
    text
}

fn cell(v: u8, bits: Bits256, changed: Bits256) -> Html {
    let set = bits.contains(v);
    let chg = changed.contains(v);
    let mut title = vector_name(v);
    title.push_str(if set { ": set" } else { ": clear" });
    if chg {
        title.push_str(if set {
            ", set at this step"
        } else {
            ", cleared at this step"
        });
    }
    html! {
        <span class="cell"
            data-vector={v.to_string()}
            data-set={if set { "1" } else { "0" }}
            data-changed={chg.then_some("1")}
            {title}></span>
    }
}

/// A 16x16 bit grid with hex row and column labels.
#[function_component]
pub fn BitGrid(props: &BitGridProps) -> Html {
    let BitGridProps { reg, bits, changed } = *props;
    let count = bits.vectors().count();
    let header = html! {
        <>
            <span class="corner" />
            { for HEX.iter().map(|h| html! { <span class="col">{ *h }</span> }) }
        </>
    };
    let rows = (0u8..16).map(|row| {
        let label = HEX.get(usize::from(row)).copied().unwrap_or("?");
        html! {
            <>
                <span class="row">{ label }{ "0" }</span>
                { for (0u8..16).map(|col| cell(row * 16 + col, bits, changed)) }
            </>
        }
    });
    html! {
        <figure class="grid" data-reg={reg.id()} role="group" aria-label={summary(reg, bits, changed)}>
            <figcaption>
                <abbr title={reg.meaning()}>{ reg.abbr() }</abbr>
                <span class="count">{ if count == 0 { "empty".to_owned() } else { format!("{count} set") } }</span>
            </figcaption>
            <div class="bits" aria-hidden="true">
                { header }
                { for rows }
            </div>
        </figure>
    }
}
