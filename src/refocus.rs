//! Focus across the hand-off (`handoff`): the full playground replaces the
//! viewer's page with its own, and the control a keyboard user was on (the
//! "Edit a copy" they pressed Enter on, a what-if they chose) would be
//! gone, focus left on the page's body, the next Tab back at the page's
//! top. The full playground notes which control had focus before it
//! takes over, and gives focus to the same control of its own page once
//! that has rendered (WCAG 2.4.3, focus order).

use std::cell::RefCell;

use wasm_bindgen::JsCast;
use web_sys::{Document, Element, HtmlElement};

/// What can hold focus in the page, in the order `querySelectorAll`
/// gives: the same view rendered by either app lists the same controls.
const FOCUSABLE: &str = "a[href], button, input, select, textarea, [tabindex]";

/// A control of the viewer's page: where it stands among the page's
/// controls, and what it is, to check its twin by.
struct Twin {
    index: u32,
    tag: String,
    name: String,
}

thread_local! {
    static NOTED: RefCell<Option<Twin>> = const { RefCell::new(None) };
}

fn document() -> Option<Document> {
    web_sys::window().and_then(|w| w.document())
}

/// Focuses `control`, if there is one and it can take focus.
pub fn focus(control: Option<Element>) {
    if let Some(c) = control.and_then(|c| c.dyn_into::<HtmlElement>().ok()) {
        let _ = c.focus();
    }
}

/// The element that has focus (the page's body when no control has).
pub fn active() -> Option<Element> {
    document()?.active_element()
}

/// The first element of the page that `selector` matches.
pub fn find(selector: &str) -> Option<Element> {
    document()?.query_selector(selector).ok().flatten()
}

/// How a control reads: its label, else its id, else its text.
fn name(el: &Element) -> String {
    el.get_attribute("aria-label")
        .filter(|l| !l.is_empty())
        .or_else(|| Some(el.id()).filter(|id| !id.is_empty()))
        .or_else(|| el.text_content())
        .unwrap_or_default()
}

/// The controls under `#app`.
fn controls(document: &Document) -> Vec<Element> {
    let Some(list) = document
        .get_element_by_id("app")
        .and_then(|app| app.query_selector_all(FOCUSABLE).ok())
    else {
        return Vec::new();
    };
    (0..list.length())
        .filter_map(|i| list.item(i)?.dyn_into::<Element>().ok())
        .collect()
}

/// Notes the control that has focus in the viewer's page, if one has.
pub fn note() {
    let (Some(document), Some(active)) = (document(), active()) else {
        return;
    };
    let twin = controls(&document)
        .iter()
        .position(|c| *c == active)
        .and_then(|i| u32::try_from(i).ok())
        .map(|index| Twin {
            index,
            tag: active.tag_name(),
            name: name(&active),
        });
    NOTED.set(twin);
}

/// Whether no control has focus: it is on the page's body (where the
/// browser puts it when the focused element leaves the page), or nowhere.
pub fn lost() -> bool {
    document().is_some_and(|d| {
        let body: Option<Element> = d.body().map(Into::into);
        active().is_none_or(|a| Some(a) == body)
    })
}

/// Once the full playground has rendered (a task runs after Yew's
/// rendering microtasks): focuses the twin of the noted control, unless
/// something already has focus (the keyboard help's dialog, which gives
/// it back through `give_now` when it closes).
pub fn give() {
    gloo_timers::callback::Timeout::new(0, || {
        if lost() {
            give_now();
        }
    })
    .forget();
}

/// Focuses the twin of the noted control, once: the control of the full
/// playground's page at the same place among its controls, if it is
/// still the same (the same tag and name).
pub fn give_now() {
    let (Some(twin), Some(document)) = (NOTED.take(), document()) else {
        return;
    };
    focus(
        controls(&document)
            .into_iter()
            .nth(twin.index as usize)
            .filter(|c| c.tag_name() == twin.tag && name(c) == twin.name),
    );
}
