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
use apic_playground::data::{shared_events, StepView};
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

/// Lets yew's scheduler render.
async fn settle() {
    yew::platform::time::sleep(Duration::from_millis(20)).await;
}

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
    let root = mount();
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

    let cell = root.query_selector("[data-vector='236']").unwrap().unwrap();
    let title = cell.get_attribute("title").unwrap();
    assert!(title.contains("0xec"), "{title}");
    assert!(title.contains("LOCAL_TIMER_VECTOR"), "{title}");
    let spurious = root.query_selector("[data-vector='255']").unwrap().unwrap();
    assert!(spurious
        .get_attribute("title")
        .unwrap()
        .contains("SPURIOUS_APIC_VECTOR"));

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

fn pane(profile: Profile, step: usize) -> Element {
    let data = common::loader("mini", Default::default()).unwrap();
    let run = data.run(profile).unwrap().clone();
    let props = PaneProps {
        profile,
        view: run.at(step).unwrap().clone(),
        warnings: run.warnings.clone(),
        shared: Rc::from(Vec::new()),
        predict: None,
        on_action: yew::Callback::noop(),
    };
    let root = mount();
    yew::Renderer::<Pane>::with_root_and_props(root.clone(), props).render();
    root
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
        v.state.events = events;
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
        };
        yew::Renderer::<Pane>::with_root_and_props(root.clone(), props).render();
        root
    };
    let root = render(buggy);
    settle().await;
    let own = root.query_selector_all("[data-events=own] li").unwrap();
    assert_eq!(own.length(), 1);
    assert!(own
        .item(0)
        .unwrap()
        .text_content()
        .unwrap()
        .contains("stays in IRR"));
    let folded = root
        .query_selector("details[data-events=alike]")
        .unwrap()
        .unwrap();
    assert!(!folded.has_attribute("open"), "what is alike starts folded");
    assert_eq!(folded.query_selector_all("li").unwrap().length(), 1);

    // A pane whose every event is alike shows only the folded list.
    let root = render(hardware);
    settle().await;
    assert!(root.query_selector("[data-events=own]").unwrap().is_none());
    assert!(root
        .query_selector("details[data-events=alike] summary")
        .unwrap()
        .unwrap()
        .text_content()
        .unwrap()
        .contains("1 event, the same in every pane"));
}
