//! Components rendered into a real DOM: a bit grid shows exactly the
//! vectors of its state (and marks exactly the changed ones), a pane
//! carries the test hooks, and the guest log keeps a warning from the step
//! that prints it onward.

#![cfg(target_arch = "wasm32")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use std::time::Duration;

use std::rc::Rc;

use apic_core::{Event, EventKind, Profile};
use apic_playground::bits::Bits256;
use apic_playground::components::bit_grid::{BitGrid, BitGridProps, Reg};
use apic_playground::components::pane::{Pane, PaneProps};
use apic_playground::data::{
    load_builtin, shared_events, ScenarioData, StepView, DEFAULT_SCENARIO,
};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::Element;

wasm_bindgen_test_configure!(run_in_browser);

fn mount() -> Element {
    let document = web_sys::window().unwrap().document().unwrap();
    let div = document.create_element("div").unwrap();
    document.body().unwrap().append_child(&div).unwrap();
    div
}

/// Waits until Yew's scheduler has rendered everything queued and run the
/// effects (`yew::scheduler::flush`).
async fn settle() {
    yew::scheduler::flush().await;
}

/// A root laid out as on the page: the page's own stylesheet in the test
/// page, and the root fixed at the window's top left, over what earlier
/// tests left, so that a point on it finds its elements. Both are removed
/// when dropped.
struct OnPage {
    style: Element,
    root: Element,
}

impl OnPage {
    fn mount() -> Self {
        let document = web_sys::window().unwrap().document().unwrap();
        let style = document.create_element("style").unwrap();
        style.set_text_content(Some(include_str!("../www/style.css")));
        document.body().unwrap().append_child(&style).unwrap();
        let root = mount();
        root.set_attribute(
            "style",
            "position: fixed; top: 0; left: 0; z-index: 1; width: 260px; background: #fff",
        )
        .unwrap();
        Self { style, root }
    }
}

impl Drop for OnPage {
    fn drop(&mut self) {
        self.root.remove();
        self.style.remove();
    }
}

/// The centre of `el`'s box, and its box.
fn centre(el: &Element) -> (f64, f64, web_sys::DomRect) {
    let r = el.get_bounding_client_rect();
    (r.left() + r.width() / 2.0, r.top() + r.height() / 2.0, r)
}

/// The grid's label (`.col` or `.row`) that reads `text`.
fn label(root: &Element, class: &str, text: &str) -> Element {
    let list = root.query_selector_all(&format!(".bits .{class}")).unwrap();
    (0..list.length())
        .map(|i| list.item(i).unwrap().dyn_into::<Element>().unwrap())
        .find(|el| el.text_content().as_deref() == Some(text))
        .unwrap()
}

/// The title under the pointer where the row label of `v` and its column
/// label cross in the grid under `root`: a set or changed cell's own, or,
/// over a clear cell, the field's. Needs a root laid out as on the page
/// (`OnPage`).
fn hovered_title(root: &Element, v: u8) -> String {
    let (x, _, _) = centre(&label(root, "col", &format!("{:x}", v % 16)));
    let (_, y, _) = centre(&label(root, "row", &format!("{:x}0", v / 16)));
    let document = web_sys::window().unwrap().document().unwrap();
    let under = document.element_from_point(x as f32, y as f32).unwrap();
    assert!(root.contains(Some(&under)), "the pointer is over the grid");
    under.get_attribute("title").unwrap_or_default()
}

/// What the field says of a clear cell.
const CLEAR: &str = "clear: the cell in row x0 and column y is vector 0xXY";

/// The `data-vector` values of the cells under `root` matching `selector`.
fn vectors(root: &Element, selector: &str) -> Vec<u8> {
    let list = root.query_selector_all(selector).unwrap();
    (0..list.length())
        .map(|i| {
            let el: Element = list.item(i).unwrap().dyn_into().unwrap();
            el.get_attribute("data-vector").unwrap().parse().unwrap()
        })
        .collect()
}

#[wasm_bindgen_test]
async fn a_bit_grid_shows_exactly_its_vectors() {
    let page = OnPage::mount();
    let root = page.root.clone();
    let props = BitGridProps {
        reg: Reg::Irr,
        bits: Bits256::from_vectors(&[0xff, 0x20, 0xec, 0x00]),
        changed: Bits256::from_vectors(&[0xec, 0x31]),
    };
    yew::Renderer::<BitGrid>::with_root_and_props(root.clone(), props).render();
    settle().await;

    assert_eq!(vectors(&root, "[data-reg=irr] [data-vector]").len(), 256);
    assert_eq!(
        vectors(&root, "[data-reg=irr] [data-vector]"),
        (0..=255).collect::<Vec<u8>>()
    );
    assert_eq!(
        vectors(&root, "[data-set='1']"),
        vec![0x00, 0x20, 0xec, 0xff]
    );
    assert_eq!(vectors(&root, "[data-set='0']").len(), 252);
    assert_eq!(vectors(&root, "[data-changed='1']"), vec![0x31, 0xec]);

    // Titles for the four set cells and the one cleared at this step, and
    // for the field: no clear cell has one. The pointer where two labels
    // cross gets a set or changed cell's own, or over a clear cell the
    // field's.
    assert_eq!(
        root.query_selector_all(".bits [title]").unwrap().length(),
        6
    );
    assert_eq!(
        hovered_title(&root, 0xec),
        "0xec (236) LOCAL_TIMER_VECTOR: set at this step"
    );
    assert_eq!(
        hovered_title(&root, 0x31),
        "0x31 (49): cleared at this step"
    );
    assert_eq!(
        hovered_title(&root, 0xff),
        "0xff (255) SPURIOUS_APIC_VECTOR: set"
    );
    for clear in [0x40, 0xed, 0xfe] {
        assert_eq!(hovered_title(&root, clear), CLEAR);
    }

    // Row e0, column c: the hex labels a reader uses to find 0xec.
    let text = root.text_content().unwrap();
    assert!(text.contains("e0") && text.contains("f0"));
    // Screen readers get the set vectors in words instead of 256 cells.
    let figure = root.query_selector("[data-reg=irr]").unwrap().unwrap();
    let label = figure.get_attribute("aria-label").unwrap();
    assert!(label.contains("0xec (236) LOCAL_TIMER_VECTOR"), "{label}");
    assert!(label.contains("Cleared at this step: 0x31"), "{label}");
}

#[wasm_bindgen_test]
async fn an_empty_grid_sets_no_cell() {
    let root = mount();
    let props = BitGridProps {
        reg: Reg::Tmr,
        bits: Bits256::EMPTY,
        changed: Bits256::EMPTY,
    };
    yew::Renderer::<BitGrid>::with_root_and_props(root.clone(), props).render();
    settle().await;
    assert_eq!(vectors(&root, "[data-reg=tmr] [data-set='0']").len(), 256);
    assert!(vectors(&root, "[data-set='1'], [data-changed]").is_empty());
}

/// A grid given new bits shows exactly them, as a fresh grid would: the
/// cells that changed are patched in place, the others keep their state.
#[wasm_bindgen_test]
async fn a_bit_grid_given_new_bits_shows_exactly_them() {
    let page = OnPage::mount();
    let root = page.root.clone();
    let before = BitGridProps {
        reg: Reg::Irr,
        bits: Bits256::from_vectors(&[0xec, 0x31, 0x20]),
        changed: Bits256::from_vectors(&[0xec]),
    };
    let mut app = yew::Renderer::<BitGrid>::with_root_and_props(root.clone(), before).render();
    settle().await;
    // Titles shown before the step must follow their cells.
    assert_eq!(
        hovered_title(&root, 0xec),
        "0xec (236) LOCAL_TIMER_VECTOR: set at this step"
    );
    assert_eq!(hovered_title(&root, 0x31), "0x31 (49): set");
    assert_eq!(hovered_title(&root, 0xff), CLEAR);
    // 0xec stays set (no longer changed), 0x31 is cleared, 0xff is newly set.
    app.update(BitGridProps {
        reg: Reg::Irr,
        bits: Bits256::from_vectors(&[0xec, 0x20, 0xff]),
        changed: Bits256::from_vectors(&[0x31, 0xff]),
    });
    settle().await;

    assert_eq!(
        vectors(&root, "[data-reg=irr] [data-vector]"),
        (0..=255).collect::<Vec<u8>>()
    );
    assert_eq!(vectors(&root, "[data-set='1']"), vec![0x20, 0xec, 0xff]);
    assert_eq!(vectors(&root, "[data-set='0']").len(), 253);
    assert_eq!(vectors(&root, "[data-changed='1']"), vec![0x31, 0xff]);
    let title = |v: u8| hovered_title(&root, v);
    assert_eq!(title(0xec), "0xec (236) LOCAL_TIMER_VECTOR: set");
    assert_eq!(title(0x31), "0x31 (49): cleared at this step");
    assert_eq!(
        title(0xff),
        "0xff (255) SPURIOUS_APIC_VECTOR: set at this step"
    );
    assert_eq!(title(0x20), "0x20 (32) FIRST_EXTERNAL_VECTOR: set");
    let label = root
        .query_selector("[data-reg=irr]")
        .unwrap()
        .unwrap()
        .get_attribute("aria-label")
        .unwrap();
    assert!(label.contains("Set at this step: 0xff"), "{label}");
    assert!(label.contains("Cleared at this step: 0x31"), "{label}");
}

/// A reader finds vector 0xXY by the row label X0 and the column label Y:
/// with the page's stylesheet, a set or changed cell is drawn where its
/// labels cross, and a clear cell has no box (the field's pattern draws
/// it).
#[wasm_bindgen_test]
async fn a_grid_draws_each_cell_where_its_row_and_column_labels_cross() {
    let page = OnPage::mount();
    let root = page.root.clone();
    let props = BitGridProps {
        reg: Reg::Irr,
        bits: Bits256::from_vectors(&[0xec, 0x05, 0xff]),
        changed: Bits256::from_vectors(&[0xec, 0x31]),
    };
    yew::Renderer::<BitGrid>::with_root_and_props(root.clone(), props).render();
    settle().await;

    let hex = |n: u8| format!("{n:x}");
    for v in [0xec_u8, 0x05, 0xff, 0x31] {
        let cell = root
            .query_selector(&format!("[data-vector='{v}']"))
            .unwrap()
            .unwrap();
        let (x, y, rect) = centre(&cell);
        assert!(
            rect.width() > 3.0 && rect.height() > 3.0,
            "0x{v:02x} has a box"
        );
        let (_, _, col) = centre(&label(&root, "col", &hex(v % 16)));
        let (_, _, row) = centre(&label(&root, "row", &format!("{}0", hex(v / 16))));
        assert!(
            col.left() <= x && x <= col.right(),
            "0x{v:02x}'s cell at x = {x} is under its column label ({} to {})",
            col.left(),
            col.right()
        );
        assert!(
            row.top() <= y && y <= row.bottom(),
            "0x{v:02x}'s cell at y = {y} is beside its row label ({} to {})",
            row.top(),
            row.bottom()
        );
    }
    let clear = root.query_selector("[data-vector='64']").unwrap().unwrap();
    assert_eq!(
        clear.get_bounding_client_rect().width(),
        0.0,
        "a clear cell has no box"
    );
    drop(page);
}

fn pane_props(data: &ScenarioData, profile: Profile, step: usize) -> PaneProps {
    let run = data.run(profile).unwrap();
    PaneProps {
        profile,
        view: run.at(step).unwrap().clone(),
        warnings: run.warnings.clone(),
        shared: Rc::from(Vec::new()),
        predict: None,
        on_action: yew::Callback::noop(),
        present: false,
    }
}

/// `pane_props` with the events that the default view's four panes show
/// alike folded, as the page passes them.
fn pane_props_folded(data: &ScenarioData, profile: Profile, step: usize) -> PaneProps {
    let views: Vec<_> = Profile::ALL
        .iter()
        .filter_map(|&p| data.run(p)?.at(step).cloned())
        .collect();
    PaneProps {
        shared: Rc::from(shared_events(views.iter().map(|v| v.as_ref()))),
        ..pane_props(data, profile, step)
    }
}

fn pane(profile: Profile, step: usize) -> Element {
    let data = common::loader("mini", Default::default()).unwrap();
    let root = mount();
    yew::Renderer::<Pane>::with_root_and_props(root.clone(), pane_props(&data, profile, step))
        .render();
    root
}

/// The text of the first of `nodes`.
fn first_text(nodes: &web_sys::NodeList) -> String {
    nodes.item(0).unwrap().text_content().unwrap()
}

/// `node`'s markup with each element's attributes in name order (a cell
/// patched in place holds its attributes in another order than a new one).
fn markup(node: &web_sys::Node) -> String {
    let Some(el) = node.dyn_ref::<Element>() else {
        return node.text_content().unwrap_or_default();
    };
    let mut names: Vec<String> = el
        .get_attribute_names()
        .iter()
        .filter_map(|n| n.as_string())
        .collect();
    names.sort();
    let attrs: String = names
        .iter()
        .map(|n| format!(" {n}=\"{}\"", el.get_attribute(n).unwrap_or_default()))
        .collect();
    let kids = el.child_nodes();
    let inner: String = (0..kids.length())
        .filter_map(|i| kids.item(i))
        .map(|k| markup(&k))
        .collect();
    format!("<{}{attrs}>{inner}</{}>", el.tag_name(), el.tag_name())
}

/// A pane stepped forward through the seed's story and back again shows,
/// at every step, exactly what a pane opened at that step shows: the
/// parts a step leaves alone (unchanged registers, grid cells and event
/// items patched in place, the folded events) never lag behind; with the
/// fold of events every pane shows alike closed (it is then left empty)
/// and open.
#[wasm_bindgen_test]
async fn a_stepped_pane_shows_what_a_new_one_shows() {
    let data = load_builtin(DEFAULT_SCENARIO, Default::default()).unwrap();
    let last = data.steps.len() - 1;
    let order: Vec<usize> = (1..=last).chain((0..last).rev()).collect();
    let open_folds = |root: &Element| {
        let folds = root
            .query_selector_all("details[data-events=alike]:not([open])")
            .unwrap();
        for i in 0..folds.length() {
            let fold: Element = folds.item(i).unwrap().dyn_into().unwrap();
            fold.set_attribute("open", "").unwrap();
        }
    };
    for (open, profile) in [false, true].into_iter().flat_map(|open| {
        [Profile::Hardware, Profile::KvmApicv, Profile::KvmEmulated].map(|p| (open, p))
    }) {
        let stepped = mount();
        let mut app = yew::Renderer::<Pane>::with_root_and_props(
            stepped.clone(),
            pane_props_folded(&data, profile, 0),
        )
        .render();
        settle().await;
        if open {
            open_folds(&stepped);
        }
        for &k in &order {
            app.update(pane_props_folded(&data, profile, k));
            let fresh = mount();
            let new = yew::Renderer::<Pane>::with_root_and_props(
                fresh.clone(),
                pane_props_folded(&data, profile, k),
            )
            .render();
            // Both renders done (Yew yields to the browser within a long
            // render, so no fixed wait would do), or the difference.
            // An open fold shows every event the panes show alike: the new
            // pane's, filled as it opens, is the reference.
            let props = pane_props_folded(&data, profile, k);
            let alike = props
                .view
                .state
                .events
                .iter()
                .filter(|e| open && props.shared.contains(e))
                .count() as u32;
            let folded = |root: &Element| {
                root.query_selector_all("details[data-events=alike] li")
                    .unwrap()
                    .length()
            };
            let mut tries = 0;
            let (a, b) = loop {
                if open {
                    open_folds(&fresh);
                }
                let (a, b) = (markup(&stepped), markup(&fresh));
                if (a == b && folded(&fresh) == alike) || tries == 500 {
                    break (a, b);
                }
                tries += 1;
                yew::platform::time::sleep(Duration::from_millis(10)).await;
            };
            assert_eq!(
                folded(&fresh),
                alike,
                "{profile:?} at step {k}: the open fold's items"
            );
            if a != b {
                // Where they part, not two pages of cells.
                let at = a.bytes().zip(b.bytes()).take_while(|(x, y)| x == y).count();
                let around = |s: &str| {
                    s.get(at.saturating_sub(300)..(at + 200).min(s.len()))
                        .unwrap_or_default()
                        .to_owned()
                };
                panic!(
                    "{profile:?} at step {k}, folds open: {open}: stepped\n{}\nnew\n{}",
                    around(&a),
                    around(&b)
                );
            }
            new.destroy();
            fresh.remove();
        }
        app.destroy();
        stepped.remove();
    }
}

/// The folded list of events every pane shows alike, once opened, stays
/// open through a step that has none to the next that has some: a step
/// patches the list and hides it when empty, it never builds it again.
#[wasm_bindgen_test]
async fn the_folded_events_stay_open_from_step_to_step() {
    let data = load_builtin(DEFAULT_SCENARIO, Default::default()).unwrap();
    let profile = Profile::KvmEmulated;
    let folds = |k: usize| !pane_props_folded(&data, profile, k).shared.is_empty();
    let last = data.steps.len() - 1;
    // A step with a folded list, a later one without, a later one with.
    let a = (0..=last).find(|&k| folds(k)).unwrap();
    let c = (a..=last).find(|&k| !folds(k)).unwrap();
    let b = (c..=last)
        .find(|&k| folds(k))
        .expect("the seed's story folds events again after a step that folds none");
    let root = mount();
    let mut app = yew::Renderer::<Pane>::with_root_and_props(
        root.clone(),
        pane_props_folded(&data, profile, a),
    )
    .render();
    settle().await;
    let details = || {
        root.query_selector("details[data-events=alike]")
            .unwrap()
            .unwrap()
    };
    assert!(!details().has_attribute("hidden"));
    details().set_attribute("open", "").unwrap();
    app.update(pane_props_folded(&data, profile, c));
    settle().await;
    assert!(
        details().has_attribute("hidden"),
        "nothing to fold at step {c}"
    );
    app.update(pane_props_folded(&data, profile, b));
    settle().await;
    assert!(!details().has_attribute("hidden"));
    assert!(details().has_attribute("open"), "still open at step {b}");
    let items = details().query_selector_all("li").unwrap().length();
    let alike = pane_props_folded(&data, profile, b).shared.len();
    assert_eq!(items as usize, alike, "step {b}'s items, none left over");
    app.destroy();
    root.remove();
}

#[wasm_bindgen_test]
async fn the_buggy_pane_at_startup_holds_0xec_and_warns() {
    let root = pane(Profile::KvmEmulated, 3);
    settle().await;
    let hook = "[data-profile=kvm-emulated] [data-reg=irr]";
    assert_eq!(
        vectors(&root, &format!("{hook} [data-set='1']")),
        vec![0xec]
    );
    let warnings = root
        .query_selector_all("[data-profile=kvm-emulated] [data-warning]")
        .unwrap();
    assert_eq!(warnings.length(), 1);
    assert!(warnings
        .item(0)
        .unwrap()
        .text_content()
        .unwrap()
        .contains(common::STALE));
    let badge = root
        .query_selector("[data-differs]")
        .unwrap()
        .unwrap()
        .text_content()
        .unwrap();
    assert!(
        badge.contains("IRR") && badge.contains("guest warnings"),
        "{badge}"
    );
}

#[wasm_bindgen_test]
async fn the_hardware_pane_at_startup_is_clear_and_quiet() {
    let root = pane(Profile::Hardware, 3);
    settle().await;
    assert!(vectors(
        &root,
        "[data-profile=hardware] [data-reg=irr] [data-set='1']"
    )
    .is_empty());
    assert!(root.query_selector("[data-warning]").unwrap().is_none());
    assert!(root.query_selector("[data-differs]").unwrap().is_none());
}

#[wasm_bindgen_test]
async fn the_log_shows_a_warning_only_from_its_step_on() {
    let before = pane(Profile::KvmEmulated, 2);
    settle().await;
    assert!(before.query_selector("[data-warning]").unwrap().is_none());
    // Step 2 differs from hardware in IRR already, but has no warning yet.
    let badge = before
        .query_selector("[data-differs]")
        .unwrap()
        .unwrap()
        .text_content()
        .unwrap();
    assert!(
        badge.contains("IRR") && !badge.contains("warnings"),
        "{badge}"
    );
    // The cleared timer bit is marked as changed in the hardware pane at step 2.
    let hw = pane(Profile::Hardware, 2);
    settle().await;
    assert_eq!(
        vectors(&hw, "[data-reg=irr] [data-changed='1'][data-set='0']"),
        vec![0xec]
    );
}

#[wasm_bindgen_test]
async fn events_every_pane_shows_alike_are_folded_under_what_differs() {
    let data = common::loader("mini", Default::default()).unwrap();
    let ev = |kind, text: &str| Event {
        kind,
        vector: Some(0xec),
        text: text.into(),
        rule: "sdm-10.8.4".into(),
    };
    let alike = ev(EventKind::Write, "SPIV = 0x1ff: software enabled");
    let held = ev(EventKind::Held, "0xec stays in IRR");
    let view = |p: Profile, events: Vec<Event>| {
        let mut v = (**data.run(p).unwrap().at(3).unwrap()).clone();
        v.state.events = events.into();
        v
    };
    let hardware = view(Profile::Hardware, vec![alike.clone()]);
    let buggy = view(Profile::KvmEmulated, vec![alike.clone(), held.clone()]);
    let shared = shared_events([&hardware, &buggy]);
    assert_eq!(shared, vec![alike.clone()]);
    assert!(
        shared_events([&buggy]).is_empty(),
        "one pane alone folds nothing"
    );

    let render = |v: StepView| {
        let root = mount();
        let props = PaneProps {
            profile: Profile::KvmEmulated,
            view: Rc::new(v),
            warnings: Rc::from(Vec::new()),
            shared: Rc::from(shared.clone()),
            predict: None,
            on_action: yew::Callback::noop(),
            present: false,
        };
        yew::Renderer::<Pane>::with_root_and_props(root.clone(), props).render();
        root
    };
    let root = render(buggy);
    settle().await;
    let own = root.query_selector_all("[data-events=own] li").unwrap();
    assert_eq!(own.length(), 1);
    assert!(first_text(&own).contains("stays in IRR"));
    let folded = root
        .query_selector("details[data-events=alike]")
        .unwrap()
        .unwrap();
    assert!(!folded.has_attribute("open"), "what is alike starts folded");
    assert_eq!(
        folded.query_selector_all("li").unwrap().length(),
        0,
        "a closed fold is not written"
    );
    // Opening it by its summary writes the items before it opens.
    let summary: web_sys::HtmlElement = folded
        .query_selector("summary")
        .unwrap()
        .unwrap()
        .dyn_into()
        .unwrap();
    summary.click();
    let items = folded.query_selector_all("li").unwrap();
    assert_eq!(items.length(), 1);
    assert!(first_text(&items).contains("software enabled"));

    // A pane whose every event is alike shows only the folded list.
    let root = render(hardware);
    settle().await;
    assert!(root
        .query_selector("[data-events=own]")
        .unwrap()
        .unwrap()
        .has_attribute("hidden"));
    assert!(root
        .query_selector("details[data-events=alike] summary")
        .unwrap()
        .unwrap()
        .text_content()
        .unwrap()
        .contains("1 event, the same in every pane"));
}
