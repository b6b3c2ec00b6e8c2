//! The step's events: what happened (or did not) and the rule that makes
//! it happen, as the core explains it; what every pane shows alike is
//! folded under what differs.
//!
//! The lists' items are the one part of a pane that is new at every step.
//! The pane's effect (`use_event_lists`) writes them itself, as the bit
//! grid writes its cells: a step changes the words, kinds and rules that
//! differ and adds or removes the items that differ in number, with no
//! virtual nodes to build and compare per item (README, "Performance": one
//! step). The folded list is written only while it is open, and as it
//! opens.

use std::rc::Rc;

use apic_core::{Event, EventKind};
use web_sys::Element;
use yew::prelude::*;

use crate::data::StepView;

/// A short tag for an event's kind.
pub fn kind_label(kind: EventKind) -> &'static str {
    match kind {
        EventKind::Write => "write",
        EventKind::Accept => "accept",
        EventKind::Drop => "drop",
        EventKind::Dispatch => "dispatch",
        EventKind::Spurious => "spurious",
        EventKind::Eoi => "eoi",
        EventKind::Held => "held",
        EventKind::Mask => "mask",
        EventKind::Cpu => "cpu",
        EventKind::Signal => "signal",
        EventKind::Timer => "timer",
        EventKind::Reset => "reset",
        EventKind::Guest => "guest",
        EventKind::Warning => "warning",
        EventKind::Error => "error",
        EventKind::Note => "note",
    }
}

/// What one item shows: its kind's tag, its words and its rule.
#[derive(Clone, PartialEq)]
struct Item {
    kind: &'static str,
    text: String,
    rule: String,
}

impl Item {
    fn of(e: &Event) -> Item {
        Item {
            kind: kind_label(e.kind),
            text: e.text.as_str().to_owned(),
            rule: e.rule.as_str().to_owned(),
        }
    }
}

/// A new, empty item: `<li><span class="kind"></span><span class="text"></span></li>`.
fn new_item(list: &Element) -> Option<Element> {
    let doc = list.owner_document()?;
    let li = doc.create_element("li").ok()?;
    for class in ["kind", "text"] {
        let span = doc.create_element("span").ok()?;
        span.set_class_name(class);
        li.append_child(&span).ok()?;
    }
    Some(li)
}

/// Brings `li` from showing `was` (unknown, for a new or reused item) to `now`:
/// `<li data-kind="…"><span class="kind">…</span><span class="text">…</span>`
/// and, when there is a rule, `<code class="rule">…</code>`.
fn patch_item(li: &Element, was: Option<&Item>, now: &Item) -> Option<()> {
    let kind = li.first_element_child()?;
    let text = kind.next_element_sibling()?;
    if was.map(|w| w.kind) != Some(now.kind) {
        li.set_attribute("data-kind", now.kind).ok()?;
        kind.set_text_content(Some(now.kind));
    }
    if was.map(|w| w.text.as_str()) != Some(now.text.as_str()) {
        text.set_text_content(Some(&now.text));
    }
    if was.map(|w| w.rule.as_str()) != Some(now.rule.as_str()) {
        match (text.next_element_sibling(), now.rule.is_empty()) {
            (Some(code), true) => code.remove(),
            (Some(code), false) => code.set_text_content(Some(&now.rule)),
            (None, false) => {
                let code = li.owner_document()?.create_element("code").ok()?;
                code.set_class_name("rule");
                code.set_text_content(Some(&now.rule));
                li.append_child(&code).ok()?;
            }
            (None, true) => {}
        }
    }
    Some(())
}

/// Brings the items of `list` from `shown` to `now`, and records `now`.
/// Items the list no longer needs go to `spare`, and a list that grows
/// takes its new items from there first: as steps move events between a
/// pane's two lists, their items move too, seldom made anew.
fn patch_list(
    list: &Element,
    shown: &mut Vec<Item>,
    now: Vec<Item>,
    spare: &mut Vec<Element>,
) -> Option<()> {
    // A list the page has just created (the pane showed none while a
    // prediction checkpoint hid the events) starts empty.
    if list.child_element_count() as usize != shown.len() {
        list.set_text_content(None);
        shown.clear();
    }
    let mut li = list.first_element_child();
    for (i, item) in now.iter().enumerate() {
        let was = shown.get(i);
        if was == Some(item) {
            li = li.and_then(|l| l.next_element_sibling());
            continue;
        }
        let el = match li.take() {
            Some(el) => el,
            None => {
                let el = match spare.pop() {
                    Some(el) => el,
                    None => new_item(list)?,
                };
                list.append_child(&el).ok()?;
                el
            }
        };
        patch_item(&el, was, item)?;
        li = el.next_element_sibling();
    }
    // Items beyond the new list's end.
    while let Some(el) = li {
        li = el.next_element_sibling();
        el.remove();
        spare.push(el);
    }
    *shown = now;
    Some(())
}

/// The elements of a pane's two lists of events (its own, and those every
/// pane shows alike), which [`use_event_lists`] fills, and what fills the
/// folded list when it opens.
pub struct EventLists {
    own: NodeRef,
    alike: NodeRef,
    open: Callback<web_sys::Event>,
    click: Callback<MouseEvent>,
}

/// What a pane's lists show, and the step they are for.
#[derive(Default)]
struct Shown {
    /// The items in the own and the folded list.
    lists: [Vec<Item>; 2],
    /// The step's events and those every pane shows alike: the folded
    /// list's items are made from them only when it is open.
    step: Option<(Rc<StepView>, Rc<[Event]>)>,
    /// Items the lists no longer hold, for the next to grow.
    spare: Vec<Element>,
}

impl Shown {
    /// Writes the step's folded items into `list` when it is `open`. A
    /// closed fold is not written at every step (it holds most of a step's
    /// events, and nobody sees them), only emptied, so that nothing stale
    /// is ever found in it.
    fn fill_alike(&mut self, list: &Element, open: bool) {
        let Shown {
            lists: [_, shown],
            step,
            spare,
        } = self;
        if open {
            let now = step.as_ref().map_or_else(Vec::new, |(view, shared)| {
                items(view, |e| shared.contains(e))
            });
            let _ = patch_list(list, shown, now, spare);
        } else if !shown.is_empty() {
            list.set_text_content(None);
            shown.clear();
        }
    }
}

/// The items of `view`'s events that `pick` picks.
fn items(view: &StepView, pick: impl Fn(&Event) -> bool) -> Vec<Item> {
    view.state
        .events
        .iter()
        .filter(|e| pick(e))
        .map(Item::of)
        .collect()
}

/// After every render of the pane (which renders when its step does),
/// brings its two lists to `view`'s events, split by `shared`; the folded
/// list only while it is open, and as it opens.
#[hook]
pub fn use_event_lists(view: &Rc<StepView>, shared: &Rc<[Event]>) -> EventLists {
    let own = use_node_ref();
    let alike = use_node_ref();
    let shown = use_mut_ref(Shown::default);
    // Made once: the fold's listeners stay as they are from step to step.
    let (open, click) = (*use_memo((), {
        let (alike, shown) = (alike.clone(), shown.clone());
        move |()| {
            let fill = Rc::new(move || {
                if let Some(list) = alike.cast::<Element>() {
                    shown.borrow_mut().fill_alike(&list, true);
                }
            });
            let on_click = fill.clone();
            // A click on the summary opens the fold after its listeners ran:
            // the items are there before it shows. `toggle` covers any other
            // way it opens.
            (
                Callback::from(move |_: web_sys::Event| fill()),
                Callback::from(move |_: MouseEvent| on_click()),
            )
        }
    }))
    .clone();
    {
        let (own, alike) = (own.clone(), alike.clone());
        let (view, shared) = (view.clone(), shared.clone());
        use_effect(move || {
            let shown = &mut *shown.borrow_mut();
            if let Some(list) = own.cast::<Element>() {
                let now = items(&view, |e| !shared.contains(e));
                let _ = patch_list(&list, &mut shown.lists[0], now, &mut shown.spare);
            }
            shown.step = Some((view, shared));
            if let Some(list) = alike.cast::<Element>() {
                let open = list
                    .parent_element()
                    .is_some_and(|d| d.has_attribute("open"));
                shown.fill_alike(&list, open);
            }
        });
    }
    EventLists {
        own,
        alike,
        open,
        click,
    }
}

/// The events of `view`'s step, with their rules: first those that only
/// some panes show (where the panes differ), then, folded, those that every
/// pane shows alike (`shared`, from `data::shared_events`).
///
/// The three parts (nothing happened, the own list, the folded list) are
/// always in the page, hidden when empty, so a step never rebuilds a whole
/// list, and the folded list stays open from one step to the next once
/// opened.
pub fn events(view: &StepView, shared: &[Event], lists: &EventLists) -> Html {
    let events = &view.state.events;
    let alike = events.iter().filter(|e| shared.contains(e)).count();
    html! {
        <div class="events">
            <h3 class="sub">{ "What happened" }</h3>
            <p class="dim" hidden={!events.is_empty()}>{ "Nothing changed in this step." }</p>
            <ol ref={lists.own.clone()} data-events="own" hidden={alike == events.len()}></ol>
            <details class="alike" data-events="alike" hidden={alike == 0} ontoggle={lists.open.clone()}>
                <summary onclick={lists.click.clone()}>{ if alike == events.len() {
                    format!("{alike} {}, the same in every pane", plural(alike))
                } else {
                    format!("and {alike} {} the same in every pane", plural(alike))
                } }</summary>
                <ol ref={lists.alike.clone()}></ol>
            </details>
        </div>
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        "event"
    } else {
        "events"
    }
}
