//! A bit grid to predict in: the 16x16 cells of IRR, ISR or TMR as an ARIA
//! grid (WAI-ARIA Authoring Practices, "Grid"), one tab stop, arrow keys
//! to move, Space or Enter (or a click) to set or clear the bit. The grid
//! itself keeps the focus and names the active cell with
//! `aria-activedescendant`, so the cells can be markup as in `bit_grid`
//! (one parser call, not 256 virtual nodes), replaced on every change
//! without ever taking the focus away from a keyboard user.

use std::cell::Cell;
use std::fmt::Write as _;

use apic_core::Profile;
use wasm_bindgen::JsCast;
use web_sys::{Element, KeyboardEvent, MouseEvent};
use yew::prelude::*;

use crate::bits::Bits256;
use crate::components::bit_grid::{vector_name, Reg, HEX};
use crate::components::static_markup::{self, escape};

/// Props of [`PredictGrid`].
#[derive(Properties, PartialEq, Clone)]
pub struct PredictGridProps {
    /// The register predicted.
    pub reg: Reg,
    /// The bits predicted set so far.
    pub bits: Bits256,
    /// Whose prediction (the pane's profile).
    pub profile: Profile,
    /// The new bits after a toggle.
    pub on_change: Callback<Bits256>,
}

/// The id of a cell, unique in the page.
fn cell_id(profile: Profile, reg: Reg, v: u8) -> String {
    format!("guess-{}-{}-{v}", profile.id(), reg.id())
}

fn markup(profile: Profile, reg: Reg, bits: Bits256, active: u8) -> String {
    let mut out = String::with_capacity(48_000);
    out.push_str(
        r#"<div role="row" aria-hidden="true" class="bits-row"><span class="corner"></span>"#,
    );
    for h in HEX {
        let _ = write!(out, r#"<span class="col">{h}</span>"#);
    }
    out.push_str("</div>");
    for (row, h) in (0u8..16).zip(HEX) {
        let _ = write!(
            out,
            r#"<div role="row" class="bits-row"><span class="row" role="rowheader">{h}0</span>"#
        );
        for col in 0u8..16 {
            let v = row * 16 + col;
            let set = bits.contains(v);
            let _ = write!(
                out,
                r#"<span class="cell" role="gridcell" id="{}" data-vector="{v}" data-set="{}" aria-selected="{set}"{} aria-label="{}"></span>"#,
                cell_id(profile, reg, v),
                u8::from(set),
                if v == active {
                    r#" data-active="1""#
                } else {
                    ""
                },
                escape(&vector_name(v)),
            );
        }
        out.push_str("</div>");
    }
    out
}

/// The vector of the cell an event came from.
fn vector_of(target: Option<web_sys::EventTarget>) -> Option<u8> {
    let el = target?.dyn_into::<Element>().ok()?;
    el.get_attribute("data-vector")?.parse().ok()
}

/// The cell the arrow keys move to from `v` (rows of 16, no wrapping).
pub fn moved(v: u8, key: &str) -> Option<u8> {
    let (row, col) = (v / 16, v % 16);
    match key {
        "ArrowRight" if col < 15 => Some(v + 1),
        "ArrowLeft" if col > 0 => Some(v - 1),
        "ArrowDown" if row < 15 => Some(v + 16),
        "ArrowUp" if row > 0 => Some(v - 16),
        "Home" => Some(row * 16),
        "End" => Some(row * 16 + 15),
        "PageUp" => Some(col),
        "PageDown" => Some(240 + col),
        _ => None,
    }
}

/// A grid of cells to set or clear.
#[function_component]
pub fn PredictGrid(props: &PredictGridProps) -> Html {
    let PredictGridProps {
        reg,
        bits,
        profile,
        on_change,
    } = props.clone();
    let active = use_state(|| bits.vectors().next().unwrap_or(0));
    // What the keys see: keys pressed faster than the grid renders must go
    // on from where the last one left the cursor and the bits.
    let cursor = use_mut_ref(|| Cell::new(*active));
    let latest = use_mut_ref(|| Cell::new(bits));
    latest.borrow().set(bits);
    let toggle = {
        let latest = latest.clone();
        move |v: u8| {
            let mut next = latest.borrow().get();
            next.toggle(v);
            latest.borrow().set(next);
            on_change.emit(next);
        }
    };
    let onclick = {
        let (active, cursor, toggle) = (active.clone(), cursor.clone(), toggle.clone());
        Callback::from(move |e: MouseEvent| {
            if let Some(v) = vector_of(e.target()) {
                cursor.borrow().set(v);
                active.set(v);
                toggle(v);
            }
        })
    };
    let onkeydown = {
        let active = active.clone();
        Callback::from(move |e: KeyboardEvent| {
            let v = cursor.borrow().get();
            let key = e.key();
            if key == " " || key == "Enter" {
                e.prevent_default();
                e.stop_propagation();
                toggle(v);
            } else if let Some(to) = moved(v, &key) {
                e.prevent_default();
                e.stop_propagation();
                cursor.borrow().set(to);
                active.set(to);
            }
        })
    };
    let set: Vec<String> = bits.vectors().map(|v| format!("0x{v:02x}")).collect();
    let said = if set.is_empty() {
        "none set".to_owned()
    } else {
        set.join(", ")
    };
    html! {
        <figure class="grid guess" data-reg={reg.id()} data-guess="1">
            <figcaption>
                <abbr title={reg.meaning()}>{ reg.abbr() }</abbr>
                <span class="count">{ "your prediction: " }<span class="said">{ said }</span></span>
            </figcaption>
            <div class="bits" role="grid" tabindex="0" aria-multiselectable="true"
                aria-activedescendant={cell_id(profile, reg, *active)}
                aria-label={format!("{}: your prediction for {}. Arrow keys move, Space sets or clears a vector.", reg.abbr(), profile.title())}
                {onclick} {onkeydown}>
                { static_markup::markup(markup(profile, reg, bits, *active)) }
            </div>
        </figure>
    }
}
