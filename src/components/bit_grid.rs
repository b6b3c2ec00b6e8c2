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

pub(crate) const HEX: [char; 16] = [
    '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'a', 'b', 'c', 'd', 'e', 'f',
];

/// `0xec (236) LOCAL_TIMER_VECTOR`
pub(crate) fn vector_name(v: u8) -> String {
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

/// The 16x16 cells with their row and column labels, as markup.
///
/// Why a string and not 289 virtual nodes: four panes hold 3072 cells,
/// and building each through the DOM API costs several wasm-to-JS calls
/// per cell, too slow for the first load and for a step (see the README's
/// performance budgets). The browser's HTML parser builds them in one
/// call. Everything in the string is generated here from numbers and the
/// core's static vector names (plain identifiers), and escaped anyway.
fn cells_markup(bits: Bits256, changed: Bits256) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(26_000);
    out.push_str(r#"<div class="bits" aria-hidden="true"><span class="corner"></span>"#);
    for h in HEX {
        let _ = write!(out, r#"<span class="col">{h}</span>"#);
    }
    for (row, h) in (0u8..16).zip(HEX) {
        let _ = write!(out, r#"<span class="row">{h}0</span>"#);
        for col in 0u8..16 {
            let v = row * 16 + col;
            let set = bits.contains(v);
            let chg = changed.contains(v);
            let _ = write!(
                out,
                r#"<span class="cell" data-vector="{v}" data-set="{}"{} title="{}: {}"></span>"#,
                u8::from(set),
                if chg { r#" data-changed="1""# } else { "" },
                escape(&vector_name(v)),
                match (set, chg) {
                    (true, false) => "set",
                    (false, false) => "clear",
                    (true, true) => "set at this step",
                    (false, true) => "cleared at this step",
                }
            );
        }
    }
    out.push_str("</div>");
    out
}

/// Escapes text for an HTML attribute or element.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A 16x16 bit grid with hex row and column labels.
#[function_component]
pub fn BitGrid(props: &BitGridProps) -> Html {
    let BitGridProps { reg, bits, changed } = *props;
    // The set vectors by name beside the register (up to three, then a
    // count): the stale 0xec must read at a glance, not as one 8 px cell.
    let set: Vec<u8> = bits.vectors().collect();
    let names = match set.len() {
        0 => html! { <span class="count">{ "empty" }</span> },
        1..=3 => html! {
            <span class="count named">
                { for set.iter().map(|v| html! {
                    <span class={classes!("vec", changed.contains(*v).then_some("new"))}>
                        { format!("0x{v:02x}") }
                        { for linux_name(*v).map(|n| html! { <small>{ n }</small> }) }
                    </span>
                }) }
            </span>
        },
        n => html! { <span class="count">{ format!("{n} set") }</span> },
    };
    html! {
        <figure class="grid" data-reg={reg.id()} role="group" aria-label={summary(reg, bits, changed)}>
            <figcaption>
                <abbr title={reg.meaning()}>{ reg.abbr() }</abbr>
                { names }
            </figcaption>
            { Html::from_html_unchecked(AttrValue::from(cells_markup(bits, changed))) }
        </figure>
    }
}
