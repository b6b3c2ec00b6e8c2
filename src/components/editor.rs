//! The editor of a scenario of one's own: a list of steps with their
//! fields, or the JSON text (format v1), kept in step (both edit the one
//! draft in the reducer). Every control is a native form control, so the
//! keyboard alone edits everything. Lists of names come from the format's
//! declared lists; values are read in hex or decimal as files write them.

use std::rc::Rc;

use apic_core::format::{Expect, Field, Op, OpName, Profile, Reg, Routine, Step};
use web_sys::{HtmlInputElement, HtmlSelectElement, HtmlTextAreaElement};
use yew::prelude::*;

use crate::components::icons::{icon, Icon};
use crate::components::static_markup::markup;
use crate::edit::{self, StepEdit};
use crate::hooks::play::{describe, download, open_file};
use crate::state::{Action, Draft, EditMode};

/// Most step rows drawn at once (a 10,000-step scenario stays usable).
const MAX_ROWS: usize = 400;

/// Props of [`Editor`].
#[derive(Properties, PartialEq)]
pub struct EditorProps {
    /// The draft.
    pub draft: Rc<Draft>,
    /// Steps or text.
    pub mode: EditMode,
    /// The state shown (its step is highlighted).
    pub current: usize,
    /// Whether undo and redo have something.
    pub can_undo: bool,
    /// See `can_undo`.
    pub can_redo: bool,
    /// The title of a draft set aside, if any.
    pub aside: Option<AttrValue>,
    /// What a control asks for.
    pub on_action: Callback<Action>,
}

fn input_value(e: &Event) -> String {
    e.target_unchecked_into::<HtmlInputElement>().value()
}

fn select_value(e: &Event) -> String {
    e.target_unchecked_into::<HtmlSelectElement>().value()
}

fn select(
    label: String,
    names: Vec<&'static str>,
    current: &str,
    onchange: Callback<Event>,
) -> Html {
    html! {
        <select aria-label={label} {onchange}>
            { for names.into_iter().map(|n| html! { <option value={n} selected={n == current}>{ n }</option> }) }
        </select>
    }
}

fn text_input(
    label: String,
    value: String,
    class: &'static str,
    onchange: Callback<Event>,
) -> Html {
    html! { <input type="text" {class} aria-label={label} {value} {onchange} /> }
}

/// The fields of one step's op.
fn op_fields(i: usize, step: &Step, on_step: &Callback<(usize, Step)>) -> Html {
    let n = i + 1;
    let base = step.clone();
    let with = move |op: Op| Step { op, ..base.clone() };
    let emit = {
        let on_step = on_step.clone();
        move |s: Option<Step>| {
            if let Some(s) = s {
                on_step.emit((i, s))
            }
        }
    };
    match &step.op {
        Op::Write { reg, value } => {
            let (reg, value) = (*reg, *value);
            let (s1, s2) = (step.clone(), step.clone());
            let e1 = emit.clone();
            let on_reg = Callback::from(move |e: Event| {
                e1(Reg::from_name(&select_value(&e)).map(|reg| Step {
                    op: Op::Write { reg, value },
                    ..s1.clone()
                }))
            });
            let on_value = Callback::from(move |e: Event| {
                emit(edit::reg_value(reg, &input_value(&e)).map(|value| Step {
                    op: Op::Write { reg, value },
                    ..s2.clone()
                }))
            });
            html! { <>
                { select(format!("Step {n} register"), Reg::names().collect(), reg.name(), on_reg) }
                { text_input(format!("Step {n} value (hex 0x… or decimal)"), format!("{value:#x}"), "num", on_value) }
            </> }
        }
        Op::Irq { vector, level } => {
            let (vector, level) = (*vector, *level);
            let s1 = step.clone();
            let e1 = emit.clone();
            let on_vector = Callback::from(move |e: Event| {
                e1(edit::vector(&input_value(&e)).map(|vector| Step {
                    op: Op::Irq { vector, level },
                    ..s1.clone()
                }))
            });
            let s2 = step.clone();
            let on_level = Callback::from(move |e: Event| {
                let level = e.target_unchecked_into::<HtmlInputElement>().checked();
                emit(Some(Step {
                    op: Op::Irq { vector, level },
                    ..s2.clone()
                }))
            });
            html! { <>
                { text_input(format!("Step {n} vector"), format!("{vector:#04x}"), "num", on_vector) }
                <label class="chk"><input type="checkbox" checked={level} onchange={on_level} />{ "level" }</label>
            </> }
        }
        Op::SelfIpi { vector } | Op::Sipi { vector } => {
            let sipi = matches!(step.op, Op::Sipi { .. });
            let s1 = step.clone();
            let on_vector = Callback::from(move |e: Event| {
                emit(edit::vector(&input_value(&e)).map(|vector| Step {
                    op: if sipi {
                        Op::Sipi { vector }
                    } else {
                        Op::SelfIpi { vector }
                    },
                    ..s1.clone()
                }))
            });
            text_input(
                format!("Step {n} vector"),
                format!("{vector:#04x}"),
                "num",
                on_vector,
            )
        }
        Op::Linux { routine } => {
            let s1 = step.clone();
            let on_routine = Callback::from(move |e: Event| {
                emit(Routine::from_name(&select_value(&e)).map(|routine| Step {
                    op: Op::Linux { routine },
                    ..s1.clone()
                }))
            });
            select(
                format!("Step {n} routine"),
                Routine::names().collect(),
                routine.name(),
                on_routine,
            )
        }
        Op::Note { text } => {
            let on_text = Callback::from(move |e: Event| {
                emit(Some(with(Op::Note {
                    text: input_value(&e),
                })))
            });
            text_input(format!("Step {n} text"), text.clone(), "wide", on_text)
        }
        Op::Expect(x) => expect_fields(n, step, x, emit),
        _ => Html::default(),
    }
}

fn expect_fields(
    n: usize,
    step: &Step,
    x: &Expect,
    emit: impl Fn(Option<Step>) + Clone + 'static,
) -> Html {
    let with = {
        let step = step.clone();
        move |x: Expect| Step {
            op: Op::Expect(x),
            ..step.clone()
        }
    };
    let profiles = Profile::ALL.iter().map(|&p| {
        let on = x.profiles.as_ref().is_none_or(|ps| ps.contains(&p));
        let (x, emit, with) = (x.clone(), emit.clone(), with.clone());
        let onchange = Callback::from(move |_: Event| {
            let mut ps: Vec<Profile> = x.profiles.clone().unwrap_or_else(|| Profile::ALL.to_vec());
            if on {
                ps.retain(|q| *q != p);
            } else {
                ps.push(p);
                ps.sort();
            }
            let profiles = (ps.len() < Profile::ALL.len()).then_some(ps);
            emit(Some(with(Expect { profiles, ..x.clone() })))
        });
        html! { <label class="chk"><input type="checkbox" checked={on} {onchange} />{ p.id() }</label> }
    });
    let checks = x.checks.iter().enumerate().map(|(j, (field, value))| {
        let field = *field;
        let (x1, e1, w1) = (x.clone(), emit.clone(), with.clone());
        let on_field = Callback::from(move |e: Event| {
            let Some(f) = Field::from_name(&select_value(&e)) else { return };
            let mut x = x1.clone();
            if x.checks.iter().any(|(g, _)| *g == f) {
                return;
            }
            if let Some(c) = x.checks.get_mut(j) {
                *c = (f, edit::default_value(f));
            }
            x.checks.sort_by_key(|(g, _)| *g);
            e1(Some(w1(x)))
        });
        let (x2, e2, w2) = (x.clone(), emit.clone(), with.clone());
        let on_value = Callback::from(move |e: Event| {
            let Some(v) = edit::field_value(field, &input_value(&e)) else { return };
            let mut x = x2.clone();
            if let Some(c) = x.checks.get_mut(j) {
                c.1 = v;
            }
            e2(Some(w2(x)))
        });
        let (x3, e3, w3) = (x.clone(), emit.clone(), with.clone());
        let on_remove = Callback::from(move |_: MouseEvent| {
            let mut x = x3.clone();
            if x.checks.len() > 1 {
                x.checks.remove(j);
                e3(Some(w3(x)))
            }
        });
        html! {
            <span class="check">
                { select(format!("Step {n} check {} field", j + 1), Field::names().collect(), field.name(), on_field) }
                { text_input(format!("Step {n} {} value", field.name()), edit::show_value(value, field), "num", on_value) }
                <button type="button" class="mini" onclick={on_remove} aria-label={format!("Step {n}: remove the {} check", field.name())}>{ "−" }</button>
            </span>
        }
    });
    let (x4, e4, w4) = (x.clone(), emit.clone(), with.clone());
    let on_add = Callback::from(move |_: MouseEvent| {
        let mut x = x4.clone();
        if let Some(&f) = Field::all()
            .iter()
            .find(|f| !x.checks.iter().any(|(g, _)| g == *f))
        {
            x.checks.push((f, edit::default_value(f)));
            x.checks.sort_by_key(|(g, _)| *g);
            e4(Some(w4(x)))
        }
    });
    // The fields a reader predicts in the page (README, "predict"):
    // names separated by spaces or commas; empty, no prediction.
    let (x5, e5, w5) = (x.clone(), emit.clone(), with.clone());
    let on_predict = Callback::from(move |e: Event| {
        let text = input_value(&e);
        let mut fields: Vec<Field> = Vec::new();
        for name in text.split([',', ' ']).filter(|t| !t.is_empty()) {
            let Some(f) = Field::from_name(name) else {
                return;
            };
            if !fields.contains(&f) {
                fields.push(f);
            }
        }
        fields.sort_unstable();
        let mut x = x5.clone();
        x.predict = (!fields.is_empty()).then_some(fields);
        e5(Some(w5(x)))
    });
    let predict = x
        .predict
        .as_ref()
        .map(|fs| fs.iter().map(|f| f.name()).collect::<Vec<_>>().join(" "))
        .unwrap_or_default();
    html! { <>
        <span class="profiles" role="group" aria-label={format!("Step {n}: profiles checked")}>{ for profiles }</span>
        { for checks }
        <button type="button" class="mini" onclick={on_add} aria-label={format!("Step {n}: add a check")}>{ "+ check" }</button>
        <label class="predict">{ "predict " }
            { text_input(format!("Step {n}: fields to predict in the page (irr isr ppr ...)"), predict, "predict", on_predict) }
        </label>
    </> }
}

/// The label of the control a row tool's edit leaves focus on (see
/// `FocusNext`): the same tool on the step it moved or copied, the new
/// step's operation, or the delete of the step that takes the deleted
/// one's place. Every label is one that `step_row` gives (`Step N: …`,
/// `Step N operation`).
fn focus_after(edit: &StepEdit, count: usize) -> Option<String> {
    Some(match *edit {
        // A step moved to the top or the bottom has that way disabled.
        StepEdit::Move(_, 0) => "Step 1: move down".to_owned(),
        StepEdit::Move(_, to) if to + 1 == count => format!("Step {count}: move up"),
        StepEdit::Move(from, to) => {
            format!(
                "Step {}: move {}",
                to + 1,
                if from < to { "down" } else { "up" }
            )
        }
        StepEdit::Insert(at, _) => format!("Step {} operation", at + 1),
        StepEdit::Duplicate(at) => format!("Step {}: duplicate", at + 2),
        StepEdit::Delete(_) if count <= 1 => return None,
        StepEdit::Delete(at) => format!("Step {}: delete", at.min(count - 2) + 1),
        _ => return None,
    })
}

/// Where focus goes once an edit of a row's tools has rendered: rows are
/// not keyed (a step has no identity of its own), so the focused button
/// element may belong to another step after the edit; the editor focuses
/// the control labelled so instead.
type FocusNext = Rc<std::cell::RefCell<Option<String>>>;

fn step_row(
    i: usize,
    step: &Step,
    count: usize,
    current: bool,
    on_action: &Callback<Action>,
    focus_next: &FocusNext,
) -> Html {
    let n = i + 1;
    let on_step = on_action.reform(|(i, s): (usize, Step)| Action::Edit(StepEdit::Replace(i, s)));
    let s1 = step.clone();
    let on_op = on_step.reform(move |e: Event| {
        let name = OpName::from_name(&select_value(&e)).unwrap_or(OpName::Note);
        (
            i,
            Step {
                op: edit::op_for(name, &s1.op),
                ..s1.clone()
            },
        )
    });
    let s2 = step.clone();
    let on_label = on_step.reform(move |e: Event| {
        let v = input_value(&e);
        (
            i,
            Step {
                label: (!v.is_empty()).then_some(v),
                ..s2.clone()
            },
        )
    });
    let s3 = step.clone();
    let on_note = on_step.reform(move |e: Event| {
        let v = input_value(&e);
        (
            i,
            Step {
                note: (!v.is_empty()).then_some(v),
                ..s3.clone()
            },
        )
    });
    let button = |label: &'static str, face: Html, edit: StepEdit, enabled: bool| {
        let focus_next = focus_next.clone();
        let onclick = on_action.reform(move |_: MouseEvent| {
            *focus_next.borrow_mut() = focus_after(&edit, count);
            Action::Edit(edit.clone())
        });
        html! {
            <button type="button" class="mini" disabled={!enabled}
                aria-label={format!("Step {n}: {label}")} title={label} {onclick}>{ face }</button>
        }
    };
    let new_step = || Step::new(Op::Nmi);
    html! {
        <li class={classes!("ed-step", current.then_some("here"))} data-step={n.to_string()}>
            <span class="num">{ n }</span>
            { select(format!("Step {n} operation"), OpName::names().collect(), step.op.name().name(), on_op) }
            { op_fields(i, step, &on_step) }
            { text_input(format!("Step {n} label"), step.label.clone().unwrap_or_default(), "wide", on_label) }
            { text_input(format!("Step {n} note"), step.note.clone().unwrap_or_default(), "wide", on_note) }
            <span class="row-tools">
                { button("move up", html! { "↑" }, StepEdit::Move(i, i.saturating_sub(1)), i > 0) }
                { button("move down", html! { "↓" }, StepEdit::Move(i, i + 1), i + 1 < count) }
                { button("insert a step before", html! { "+↑" }, StepEdit::Insert(i, new_step()), true) }
                { button("insert a step after", html! { "+↓" }, StepEdit::Insert(i + 1, new_step()), true) }
                { button("duplicate", icon(Icon::Duplicate), StepEdit::Duplicate(i), true) }
                { button("delete", html! { "✕" }, StepEdit::Delete(i), true) }
            </span>
        </li>
    }
}

/// The editor panel.
#[function_component]
pub fn Editor(props: &EditorProps) -> Html {
    let a = &props.on_action;
    let d = &props.draft;
    let s = &d.scenario;
    let section = use_node_ref();
    let focus_next: FocusNext = use_mut_ref(|| None);
    {
        let (section, focus_next) = (section.clone(), focus_next.clone());
        // After every render: the row tools' edits have rendered.
        use_effect(move || {
            let Some(label) = focus_next.borrow_mut().take() else {
                return;
            };
            crate::refocus::focus(section.cast::<web_sys::Element>().and_then(|el| {
                el.query_selector(&format!("[aria-label=\"{label}\"]"))
                    .ok()
                    .flatten()
            }));
        });
    }
    let tab = |mode: EditMode, label: &'static str| {
        html! {
            <button type="button" class="tab" aria-pressed={if props.mode == mode { "true" } else { "false" }}
                onclick={a.reform(move |_: MouseEvent| Action::Editor(Some(mode)))}>{ label }</button>
        }
    };
    let on_download = {
        let (id, text) = (s.id.clone(), apic_core::format::to_json(s));
        Callback::from(move |_: MouseEvent| download(&format!("{id}.json"), &text))
    };
    let on_file = {
        let a = a.clone();
        Callback::from(move |e: Event| {
            let input = e.target_unchecked_into::<HtmlInputElement>();
            if let Some(f) = input.files().and_then(|f| f.get(0)) {
                open_file(f, a.clone());
            }
            input.set_value("");
        })
    };
    let status = match (&d.error, d.reading) {
        (Some(e), _) => html! {
            <p class="ed-error" role="status" data-edit-error="" data-line={e.line.to_string()} data-column={e.column.to_string()}>
                { if e.line > 0 { format!("Line {}, column {}: ", e.line, e.column) } else { String::new() } }
                { if e.line > 0 { e.message.clone() } else { describe(e) } }
                <span class="stale-note">{ " The panes show the last valid version." }</span>
            </p>
        },
        (None, true) => html! { <p class="ed-ok" role="status">{ "Reading…" }</p> },
        (None, false) => {
            html! { <p class="ed-ok" role="status" data-edit-ok="">{ format!("Valid: {} steps.", s.steps.len()) }</p> }
        }
    };
    let body = match props.mode {
        EditMode::Text => {
            let oninput = a.reform(|e: InputEvent| {
                Action::EditText(
                    e.target_unchecked_into::<HtmlTextAreaElement>()
                        .value()
                        .into(),
                )
            });
            html! {
                <textarea class="ed-text" aria-label="Scenario as JSON (format v1)" spellcheck="false"
                    data-edit-text="" value={d.text.clone()} {oninput} />
            }
        }
        EditMode::Steps => {
            let (t, sm) = (s.title.clone(), s.summary.clone());
            let on_title = a.reform(move |e: Event| {
                Action::Edit(StepEdit::Header(input_value(&e), sm.clone()))
            });
            let on_summary = a
                .reform(move |e: Event| Action::Edit(StepEdit::Header(t.clone(), input_value(&e))));
            let count = s.steps.len();
            html! { <>
                <div class="ed-head">
                    { text_input("Title".into(), s.title.clone(), "wide", on_title) }
                    { text_input("Summary".into(), s.summary.clone(), "wide", on_summary) }
                </div>
                <ol class="ed-steps" data-edit-steps="">
                    { for s.steps.iter().take(MAX_ROWS).enumerate().map(|(i, st)| step_row(i, st, count, i + 1 == props.current, a, &focus_next)) }
                </ol>
                if count > MAX_ROWS {
                    <p>{ format!("Steps after {MAX_ROWS} are not listed here; edit them in the text.") }</p>
                }
                <button type="button" onclick={a.reform(move |_: MouseEvent| Action::Edit(StepEdit::Insert(count, Step::new(Op::Sti))))}>{ "Add a step" }</button>
            </> }
        }
    };
    html! {
        <section class={classes!("editor", d.stale().then_some("stale"))} aria-label="Editor" data-editor="" ref={section}>
            <div class="ed-bar">
                <span role="group" aria-label="Editor view">{ tab(EditMode::Steps, "Steps") }{ tab(EditMode::Text, "Text") }</span>
                <button type="button" disabled={!props.can_undo} onclick={a.reform(|_: MouseEvent| Action::Undo)} title="Undo (Ctrl+Z)">{ "Undo" }</button>
                <button type="button" disabled={!props.can_redo} onclick={a.reform(|_: MouseEvent| Action::Redo)} title="Redo (Ctrl+Shift+Z)">{ "Redo" }</button>
                <button type="button" onclick={on_download} data-download="">{ "Download" }</button>
                <label class="file">{ "Open a file" }<input type="file" accept=".json,application/json" onchange={on_file} /></label>
                <button type="button" onclick={a.reform(|_: MouseEvent| Action::DiscardDraft)}>{ "Discard draft" }</button>
                <button type="button" onclick={a.reform(|_: MouseEvent| Action::Editor(None))}>{ "Close editor" }</button>
            </div>
            if let Some(t) = &props.aside {
                <p class="ed-aside">
                    { format!("Your earlier draft \"{t}\" is kept aside. ") }
                    <button type="button" onclick={a.reform(|_: MouseEvent| Action::SwapAside)}>{ "Switch to it" }</button>
                    <button type="button" onclick={a.reform(|_: MouseEvent| Action::DropAside)}>{ "Discard it" }</button>
                </p>
            }
            { status }
            { body }
        </section>
    }
}

/// The palette's options, as markup: a step compares one string where it
/// compared 24 nodes (README, "Performance": one step). Operation names
/// are plain identifiers (`edit::PALETTE`).
fn palette_options() -> Html {
    let mut out = String::from(r#"<option value="" selected="selected">…</option>"#);
    for op in edit::PALETTE {
        out.push_str(&format!(r#"<option value="{0}">{0}</option>"#, op.name()));
    }
    markup(out)
}

/// What the what-if palette asks for, made once for the page's life, so
/// that a step leaves its listeners alone (as `vcr::VcrCallbacks`).
pub struct WhatIfCallbacks {
    before: Callback<Event>,
    after: Callback<Event>,
    delete: Callback<MouseEvent>,
}

impl WhatIfCallbacks {
    /// The palette's callbacks, telling `on_action`.
    pub fn new(on_action: &Callback<Action>) -> WhatIfCallbacks {
        let on_pick = |after: bool| {
            on_action.reform(move |e: Event| {
                let el = e.target_unchecked_into::<HtmlSelectElement>();
                let name = el.value();
                el.set_value("");
                OpName::from_name(&name)
                    .map_or(Action::Status(None), |op| Action::WhatIf(op, after))
            })
        };
        WhatIfCallbacks {
            before: on_pick(false),
            after: on_pick(true),
            delete: on_action.reform(|_: MouseEvent| Action::DeleteCurrent),
        }
    }
}

/// The what-if palette under the timeline: insert a step before or after
/// the current one, or delete it (forks a built-in first).
pub fn what_if(current: usize, last: usize, on: &WhatIfCallbacks) -> Html {
    let options = palette_options;
    html! {
        <div class="what-if" role="group" aria-label="What if">
            <span>{ "What if:" }</span>
            if current > 0 {
                <label>{ "insert before" }<select data-what-if="before" onchange={on.before.clone()}>{ options() }</select></label>
            }
            <label>{ "insert after" }<select data-what-if="after" onchange={on.after.clone()}>{ options() }</select></label>
            if current > 0 && last > 0 {
                <button type="button" data-delete-step="" onclick={on.delete.clone()}>{ format!("Delete step {current}") }</button>
            }
        </div>
    }
}
