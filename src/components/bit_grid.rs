//! A 256-bit vector register as a 16x16 grid: row `x0` and column `y` is
//! vector 0xXY. Set bits are filled; bits this step changed are drawn as a
//! ring (newly set: filled disc in a ring, newly cleared: empty ring), so
//! the change reads without colour. Props are two `Bits256`, so the grid
//! renders again only when its bits or changes do; the cells are written
//! once, and a later render changes the attributes of the cells that differ.
//! Every cell is an element (the test hooks, `[data-vector]`), but only a
//! set or changed one has a box: one element, the field, draws the clear
//! cells as a pattern behind them (style.css, `.bits.sparse`).

use apic_core::vectors::linux_name;
use wasm_bindgen::JsCast;
use web_sys::Element;
use yew::prelude::*;

use crate::bits::Bits256;
use crate::components::static_markup::{breakable, markup};

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
    // The vectors 0..=255 for which `keep` holds, by name.
    let names = |keep: &dyn Fn(u8) -> bool| {
        (0..=255u8)
            .filter(|&v| keep(v))
            .map(vector_name)
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut text = format!("{}: ", reg.abbr());
    let set = names(&|v| bits.contains(v));
    text.push_str(if set.is_empty() {
        "no vector set."
    } else {
        "set "
    });
    if !set.is_empty() {
        text.push_str(&set);
        text.push('.');
    }
    for (words, now_set) in [
        (" Set at this step: ", true),
        (" Cleared at this step: ", false),
    ] {
        let these = names(&|v| changed.contains(v) && bits.contains(v) == now_set);
        if !these.is_empty() {
            text.push_str(words);
            text.push_str(&these);
            text.push('.');
        }
    }
    text
}

/// A cell's title: `0xec (236) LOCAL_TIMER_VECTOR: set at this step`.
fn cell_title(v: u8, set: bool, changed: bool) -> String {
    let state = match (set, changed) {
        (true, false) => "set",
        (false, false) => "clear",
        (true, true) => "set at this step",
        (false, true) => "cleared at this step",
    };
    format!("{}: {state}", vector_name(v))
}

/// The `.bits` element of an empty register: the 16x16 cells, all clear,
/// with their row and column labels and the field, as markup.
///
/// Why markup and not 289 virtual nodes: four panes hold 3072 cells,
/// and building each through the DOM API costs several wasm-to-JS calls
/// per cell, too slow for the first load (see the README's performance
/// budgets). The browser's HTML parser builds them in one call, once
/// (`EMPTY_CELLS`); every grid is a deep copy of that element.
/// Only a set or changed cell has a title of its own (`patch_cells`): 3072
/// titles, formatted and parsed up front, cost the first load about 15 ms.
/// Everything in the string is generated here from numbers.
fn cells_markup() -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(12_000);
    out.push_str(r#"<div class="bits sparse" aria-hidden="true"><span class="corner"></span>"#);
    for h in HEX {
        let _ = write!(out, r#"<span class="col">{h}</span>"#);
    }
    out.push_str(
        r#"<span class="field" title="clear: the cell in row x0 and column y is vector 0xXY"></span>"#,
    );
    for (row, h) in (0u8..16).zip(HEX) {
        let _ = write!(out, r#"<span class="row">{h}0</span>"#);
        for col in 0u8..16 {
            let v = row * 16 + col;
            let _ = write!(
                out,
                r#"<span class="cell" data-vector="{v}" data-set="0"></span>"#
            );
        }
    }
    out.push_str("</div>");
    out
}

thread_local! {
    /// The `.bits` element of an empty register, parsed once into a
    /// detached element of the page's document. Copying it (`new_cells`)
    /// costs the browser a fraction of parsing 289 elements' markup again:
    /// twelve grids parsed one by one were most of the first load's HTML
    /// parsing (README, "Performance": main-thread time).
    static EMPTY_CELLS: Option<Element> = parse_empty_cells();
}

fn parse_empty_cells() -> Option<Element> {
    let holder = web_sys::window()?.document()?.create_element("div").ok()?;
    holder.set_inner_html(&cells_markup());
    holder.first_element_child()
}

/// A new `.bits` element showing `bits` and `changed`: a deep copy of
/// `EMPTY_CELLS` with the cells that differ patched. `None` where there
/// is no document to build it in.
fn new_cells(bits: Bits256, changed: Bits256) -> Option<Element> {
    let copy = EMPTY_CELLS
        .with(|empty| empty.as_ref().map(|e| e.clone_node_with_deep(true)))?
        .ok()?
        .dyn_into::<Element>()
        .ok()?;
    patch_cells(
        &copy,
        (Bits256::default(), Bits256::default()),
        (bits, changed),
    );
    Some(copy)
}

/// Brings the cells under `cells` (the `.bits` element of `cells_markup`)
/// from `shown` to `now` (bits, changes): the attributes of the cells that
/// differ (`data-set`, `data-changed`, and the place and the title of a
/// cell with a box). A step changes a few cells; the
/// 256 cells rebuilt and the old ones removed cost a step of four panes
/// about a millisecond (README, "Performance").
fn patch_cells(cells: &Element, shown: (Bits256, Bits256), now: (Bits256, Bits256)) {
    let children = cells.children();
    for v in 0..=255u8 {
        let (set, chg) = (now.0.contains(v), now.1.contains(v));
        if (set, chg) == (shown.0.contains(v), shown.1.contains(v)) {
            continue;
        }
        let Some(cell) = children.item(cell_index(v)) else {
            continue;
        };
        let _ = cell.set_attribute("data-set", if set { "1" } else { "0" });
        // Its place in the grid and its title, while it has a box: a clear
        // cell has none (the field draws it, and its title says how to
        // read it), so the cells shown are not placed in order.
        if set || chg {
            let _ = cell.set_attribute("style", &grid_area(v));
            let _ = cell.set_attribute("title", &cell_title(v, set, chg));
        } else {
            let _ = cell.remove_attribute("style");
            let _ = cell.remove_attribute("title");
        }
        let _ = if chg {
            cell.set_attribute("data-changed", "1")
        } else {
            cell.remove_attribute("data-changed")
        };
    }
}

/// The place of vector `v`'s cell in the `.bits` grid: below the column
/// labels and right of the row labels.
fn grid_area(v: u8) -> String {
    format!("grid-area:{}/{}", v / 16 + 2, v % 16 + 2)
}

/// Where `cells_markup` puts vector `v`'s cell among its elements: after
/// the corner, the 16 column labels and the field, rows of a label and 16
/// cells.
fn cell_index(v: u8) -> u32 {
    let (row, col) = (u32::from(v / 16), u32::from(v % 16));
    18 + row * 17 + 1 + col
}

/// A 16x16 bit grid with hex row and column labels.
#[function_component]
pub fn BitGrid(props: &BitGridProps) -> Html {
    let BitGridProps { reg, bits, changed } = *props;
    // The bits and changes the cells show, and the cells as first
    // rendered: Yew finds the same node (or markup) on every later render
    // and leaves the cells alone; the effect below brings them to the props.
    let shown = use_mut_ref(|| match new_cells(bits, changed) {
        Some(element) => (bits, changed, Html::VRef(element.into())),
        // The markup of an empty grid, which the effect below patches.
        None => (
            Bits256::default(),
            Bits256::default(),
            Html::from_html_unchecked(AttrValue::from(cells_markup())),
        ),
    });
    let cells = shown.borrow().2.clone();
    let figure = use_node_ref();
    {
        let figure = figure.clone();
        // After every render: the grid renders only when its props change.
        use_effect(move || {
            // The figure's last element is the markup's `.bits`.
            let cells = figure
                .cast::<Element>()
                .and_then(|f| f.last_element_child());
            if let Some(el) = cells {
                let mut shown = shown.borrow_mut();
                patch_cells(&el, (shown.0, shown.1), (bits, changed));
                (shown.0, shown.1) = (bits, changed);
            }
        });
    }
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
                        // A name too long for its line breaks after an
                        // underscore, not inside a word.
                        { for linux_name(*v).map(|n| {
                            let mut small = String::from("<small>");
                            breakable(n, &mut small);
                            small.push_str("</small>");
                            markup(small)
                        }) }
                    </span>
                }) }
            </span>
        },
        n => html! { <span class="count">{ format!("{n} set") }</span> },
    };
    html! {
        <figure class="grid" data-reg={reg.id()} role="group" aria-label={summary(reg, bits, changed)}
            ref={figure}>
            <figcaption>
                <abbr title={reg.meaning()}>{ reg.abbr() }</abbr>
                { names }
            </figcaption>
            { cells }
        </figure>
    }
}
