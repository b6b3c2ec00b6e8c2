//! The effects of playing with scenarios of one's own: reading a link's
//! `c`, the editor's text and dropped files with the reader worker,
//! making the `c` of the draft, keeping the draft in localStorage (it
//! survives a reload and a closed tab), undo/redo keys, and files
//! dropped on the page. Every outcome comes back as an `Action`.

use std::rc::Rc;

use apic_core::format::{self, FormatError, Scenario};
use gloo_events::{EventListener, EventListenerOptions};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::KeyboardEvent;
use yew::prelude::*;

use crate::reader;
use crate::state::{Action, AppState, Draft};

const KEY_TEXT: &str = "apic-playground.draft";
/// Where the last valid version of the draft is kept.
pub const KEY_GOOD: &str = "apic-playground.draft.valid";

/// Biggest file read: a scenario's own cap.
pub const MAX_FILE: f64 = format::MAX_BYTES as f64;

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

type Read = Result<Rc<Scenario>, Rc<FormatError>>;

fn rc(r: Result<Scenario, FormatError>) -> Read {
    r.map(Rc::new).map_err(Rc::new)
}

/// Where and what: `line 3, column 7: expected ...`.
pub fn describe(e: &FormatError) -> String {
    if e.line > 0 {
        format!("line {}, column {}: {}", e.line, e.column, e.message)
    } else {
        e.message.clone()
    }
}

/// Reads a file the user opened or dropped, and opens it as the draft.
pub fn open_file(file: web_sys::File, on_action: Callback<Action>) {
    let name = file.name();
    if file.size() > MAX_FILE {
        on_action.emit(Action::Problem(AttrValue::from(format!(
            "\"{name}\" is {} bytes long; a scenario file may be at most {} bytes (1 MiB).",
            file.size() as u64,
            format::MAX_BYTES
        ))));
        return;
    }
    let promise = file.text();
    yew::platform::spawn_local(async move {
        let text = JsFuture::from(promise)
            .await
            .ok()
            .and_then(|t| t.as_string())
            .unwrap_or_default();
        if text.contains('\0') || text.contains('\u{fffd}') {
            on_action.emit(Action::Problem(AttrValue::from(format!(
                "\"{name}\" is not a text file (it holds binary bytes); a scenario is JSON text (format v1)."
            ))));
            return;
        }
        let shown = text.clone();
        reader::parse(&text, move |r| match r {
            Ok(s) => on_action.emit(Action::Opened(Rc::new(s), shown.into())),
            Err(e) => on_action.emit(Action::Problem(AttrValue::from(format!(
                "\"{name}\" is not a scenario: {}.",
                describe(&e)
            )))),
        });
    });
}

/// Offers `text` as a file download named `name`.
pub fn download(name: &str, text: &str) {
    let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(text));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("application/json");
    let Ok(blob) = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options) else {
        return;
    };
    let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) else {
        return;
    };
    let anchor = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.create_element("a").ok())
        .and_then(|a| a.dyn_into::<web_sys::HtmlAnchorElement>().ok());
    if let Some(a) = anchor {
        a.set_href(&url);
        a.set_download(name);
        a.click();
    }
    let _ = web_sys::Url::revoke_object_url(&url);
}

/// The action of a command from the viewer (`hooks::play_loader::command`).
pub fn pending_action(command: &str) -> Option<Action> {
    let mut parts = command.split(':');
    match (parts.next()?, parts.next(), parts.next()) {
        ("fork", None, None) => Some(Action::Fork),
        ("delete", None, None) => Some(Action::DeleteCurrent),
        ("help", None, None) => Some(Action::ToggleHelp),
        ("whatif", Some(op), Some(after)) => {
            Some(Action::WhatIf(format::OpName::from_name(op)?, after == "1"))
        }
        _ => None,
    }
}

/// Runs every effect of the editor and of scenarios of one's own.
#[hook]
pub fn use_play(state: &AppState, on_action: Callback<Action>) {
    // A link's `c`: read it with the worker.
    {
        let on_action = on_action.clone();
        use_effect_with(state.link.as_ref().map(|l| l.0.clone()), move |code| {
            if let Some(code) = code.clone() {
                let asked = code.clone();
                reader::open(&asked, move |r, text| {
                    on_action.emit(Action::LinkRead(code, rc(r), text.map(AttrValue::from)))
                });
            }
        });
    }
    // The text mode's content: read it, answer tagged with its revision.
    {
        let on_action = on_action.clone();
        let pending = state
            .draft
            .as_ref()
            .filter(|d| d.reading)
            .map(|d| (d.rev, d.text.clone()));
        use_effect_with(pending, move |pending| {
            if let Some((rev, text)) = pending.clone() {
                reader::parse(&text, move |r| on_action.emit(Action::TextRead(rev, rc(r))));
            }
        });
    }
    // The draft's `c`, whenever a version of it is shown without one.
    {
        let on_action = on_action.clone();
        let wanted = state
            .shown_draft()
            .filter(|d| state.share.as_ref().is_none_or(|(v, _)| *v != d.version))
            .filter(|_| state.link.is_none())
            .map(|d| (d.version, d.scenario.clone()));
        use_effect_with(wanted, move |wanted| {
            if let Some((version, scenario)) = wanted.clone() {
                reader::share(&format::to_json(&scenario), move |code| {
                    if let Some(code) = code {
                        on_action.emit(Action::Shared(version, code.into()));
                    }
                });
            }
        });
    }
    // Keep the draft: every character typed, and its last valid version.
    {
        let draft: Option<Rc<Draft>> = state.draft.clone();
        let restored = use_mut_ref(|| false);
        let saving = restored.clone();
        use_effect_with(draft, move |draft| {
            let Some(store) = storage() else {
                return;
            };
            if !*saving.borrow() {
                return;
            }
            match draft {
                Some(d) => {
                    let _ = store.set_item(KEY_TEXT, &d.text);
                    let _ = store.set_item(KEY_GOOD, &format::to_json(&d.scenario));
                }
                None => {
                    let _ = store.remove_item(KEY_TEXT);
                    let _ = store.remove_item(KEY_GOOD);
                }
            }
        });
        // After a reload: read the stored draft back (starts the worker
        // only when there is one).
        let on_restore = on_action.clone();
        let flag = restored.clone();
        use_effect_with((), move |_| {
            let stored = storage().and_then(|s| {
                let good = s.get_item(KEY_GOOD).ok()??;
                let text = s.get_item(KEY_TEXT).ok()?.unwrap_or_else(|| good.clone());
                Some((good, text))
            });
            match stored {
                Some((good, text)) => reader::parse(&good, move |r| {
                    *flag.borrow_mut() = true;
                    if let Ok(s) = r {
                        on_restore.emit(Action::DraftRestored(Rc::new(s), text.into()));
                    }
                }),
                None => *flag.borrow_mut() = true,
            }
        });
    }
    // What the viewer asked for when it handed over (src/handoff.rs).
    {
        let on_action = on_action.clone();
        use_effect_with((), move |_| {
            if let Some((command, file)) = crate::handoff::take_pending() {
                if let Some(action) = pending_action(&command) {
                    on_action.emit(action);
                }
                if let Some(file) = file {
                    open_file(file, on_action);
                }
            }
        });
    }
    // Undo and redo, also inside the text area (the draft's own history).
    {
        let on_action = on_action.clone();
        use_effect_with(state.on_draft, move |&on| {
            let listener = web_sys::window().filter(|_| on).map(|w| {
                EventListener::new_with_options(
                    &w,
                    "keydown",
                    EventListenerOptions::enable_prevent_default(),
                    move |e| {
                        let Some(k) = e.dyn_ref::<KeyboardEvent>() else {
                            return;
                        };
                        if !(k.ctrl_key() || k.meta_key()) {
                            return;
                        }
                        let action = match k.key().as_str() {
                            "z" if !k.shift_key() => Action::Undo,
                            "Z" | "z" | "y" => Action::Redo,
                            _ => return,
                        };
                        k.prevent_default();
                        on_action.emit(action);
                    },
                )
            });
            move || drop(listener)
        });
    }
    // Files dropped anywhere on the page.
    crate::hooks::dropped_file::use_dropped_file(Callback::from(move |file| {
        open_file(file, on_action.clone())
    }));
}
