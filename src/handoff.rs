//! The hand-off from the viewer to the full playground (README,
//! "Performance"). The page's first module is the viewer: this crate
//! built without its `play` feature, which drops every part of Play
//! (drafts, edits, undo, the editor, files, the reader worker's client)
//! from the first load of a built-in. The moment a visit needs Play (a
//! `c` link, a stored draft, "Edit a copy", a what-if, a dropped file),
//! the viewer loads the full playground (the same app with `play`, Trunk's
//! `play_loader.js`, `play.js`, `play_bg.wasm`) and hands over: the view
//! is in the address, and what the user asked for travels as a short
//! command (and a dropped file) in `window.apicHandoff`. The full app,
//! once loaded, waits until the viewer has finished what it was asked
//! (a built-in's file it reads for a pick, `settled`), then stops the
//! viewer, mounts itself on a fresh `#app` and carries the command out;
//! until then the viewer stays interactive.

use std::cell::RefCell;

use js_sys::Reflect;
use wasm_bindgen::prelude::*;

use crate::app::App;
use crate::hooks::url_sync;
use crate::url;

/// The global object the two modules meet on.
const KEY: &str = "apicHandoff";

thread_local! {
    /// The viewer, to stop when the full playground takes over.
    static VIEWER: RefCell<Option<yew::AppHandle<App>>> = const { RefCell::new(None) };
    /// What the viewer asked the full playground to do.
    static PENDING: RefCell<Option<(String, Option<web_sys::File>)>> = const { RefCell::new(None) };
    /// The viewer's view (its address's hash), as of its last render.
    static VIEW: RefCell<String> = const { RefCell::new(String::new()) };
    /// The view handed over, when the full playground was asked for.
    static HANDED: RefCell<String> = const { RefCell::new(String::new()) };
    /// What `settled` promised, until the viewer has nothing left to read.
    static SETTLING: RefCell<Vec<js_sys::Function>> = const { RefCell::new(Vec::new()) };
}

/// The viewer's `settled`, which the full playground awaits before it
/// takes over: a promise that resolves at once, with `false`, when the
/// viewer reads no built-in's file, else with `true` once what waited for
/// the files has run and rendered (`settle`). A pick made while the full
/// playground loads is then the view it opens, not lost with the viewer.
fn settled() -> js_sys::Promise {
    js_sys::Promise::new(&mut |resolve, _| {
        if crate::library::loading() {
            SETTLING.with_borrow_mut(|w| w.push(resolve));
        } else {
            let _ = resolve.call1(&JsValue::NULL, &JsValue::FALSE);
        }
    })
}

/// The viewer has read the files it was waiting for and run what waited:
/// keeps the promises of `settled`, once that has rendered. Yew renders
/// in microtasks; a task queued now runs after them.
pub fn settle() {
    let waiting = SETTLING.take();
    if !waiting.is_empty() {
        gloo_timers::callback::Timeout::new(0, move || {
            for resolve in waiting {
                let _ = resolve.call1(&JsValue::NULL, &JsValue::TRUE);
            }
        })
        .forget();
    }
}

/// Notes the viewer's view, as of its render.
pub fn note_view(hash: String) {
    VIEW.set(hash);
}

/// The viewer's view, as of its last render.
pub fn view() -> String {
    VIEW.with_borrow(Clone::clone)
}

/// Keeps the viewer's handle, for [`start`]'s stop.
pub fn keep(handle: yew::AppHandle<App>) {
    VIEWER.set(Some(handle));
}

fn global() -> Option<JsValue> {
    web_sys::window().map(JsValue::from)
}

/// Unmounts the viewer: its root leaves the page (a fresh, empty `#app`
/// takes its place, for the full playground) and the app is destroyed.
/// The page is not ready again until the full playground has rendered
/// and listens for keys (`hooks::ready`).
fn stop_viewer() {
    let document = web_sys::window().and_then(|w| w.document());
    if let Some(root) = document.as_ref().and_then(|d| d.document_element()) {
        let _ = root.remove_attribute("data-ready");
    }
    let old = document.as_ref().and_then(|d| d.get_element_by_id("app"));
    let new = document.as_ref().and_then(|d| d.create_element("div").ok());
    if let (Some(old), Some(new)) = (old, new) {
        new.set_id("app");
        old.remove_attribute("id").ok();
        old.replace_with_with_node_1(&new).ok();
    }
    // The viewer stays interactive while the full playground loads: a
    // view picked meanwhile (another scenario, another step) is the one
    // the full playground opens, not the one handed over before.
    let view = VIEW.take();
    if view != HANDED.take() {
        url_sync::set_address(&format!("#{view}"), false);
    }
    if let Some(handle) = VIEWER.take() {
        handle.destroy();
    }
}

/// Starts loading the full playground (once), to show the view `hash`
/// (the address's own when `None`) and then carry out `command` (`fork`,
/// `delete`, `whatif:<op>:<0|1>`, or nothing) on `file`, if any.
/// `on_fail` hears when it cannot load.
pub fn start(
    hash: Option<&str>,
    command: &str,
    file: Option<web_sys::File>,
    on_fail: yew::Callback<()>,
) {
    let (Some(window), Some(global)) = (web_sys::window(), global()) else {
        return;
    };
    let first = !Reflect::has(&global, &KEY.into()).unwrap_or(true);
    // The address now names the view (the viewer's sync waits a moment):
    // another built-in (an exercise picked) in an entry of its own, as the
    // viewer's sync writes one (`hooks::url_sync`).
    if let Some(hash) = hash {
        let shown = url::parse(&url_sync::current_hash());
        let new_entry = url::new_entry(shown.history_key(), url::parse(hash).history_key());
        url_sync::set_address(&format!("#{hash}"), new_entry);
        HANDED.set(VIEW.with_borrow(Clone::clone));
    }
    let handoff = if first {
        let o = js_sys::Object::new();
        let _ = Reflect::set(&o, &"stop".into(), &Closure::once_into_js(stop_viewer));
        let settled = Closure::<dyn Fn() -> js_sys::Promise>::new(settled).into_js_value();
        let _ = Reflect::set(&o, &"settled".into(), &settled);
        let _ = Reflect::set(&global, &KEY.into(), &o);
        JsValue::from(o)
    } else {
        Reflect::get(&global, &KEY.into()).unwrap_or_default()
    };
    if !command.is_empty() || file.is_some() {
        let _ = Reflect::set(&handoff, &"command".into(), &command.into());
        let _ = Reflect::set(&handoff, &"file".into(), &JsValue::from(file));
    }
    if !first {
        return;
    }
    let script = window.document().and_then(|d| {
        let s = d.create_element("script").ok()?;
        s.set_attribute("type", "module").ok()?;
        s.set_attribute("src", "./play_loader.js").ok()?;
        d.head()?.append_child(&s).ok()?;
        Some(s)
    });
    match script {
        Some(s) => {
            gloo_events::EventListener::once(&s, "error", move |_| on_fail.emit(())).forget()
        }
        None => on_fail.emit(()),
    }
}

/// In the full playground: runs `then` once the viewer that started it,
/// if one did, has settled (`settled`, asked again until it had nothing
/// left to wait for), at once otherwise.
pub fn after_viewer(then: impl FnOnce() + 'static) {
    let settled = global()
        .and_then(|g| Reflect::get(&g, &KEY.into()).ok())
        .filter(|h| !h.is_undefined())
        .and_then(|h| Reflect::get(&h, &"settled".into()).ok())
        .and_then(|s| s.dyn_into::<js_sys::Function>().ok());
    let Some(settled) = settled else {
        return then();
    };
    wasm_bindgen_futures::spawn_local(async move {
        loop {
            let Some(promise) = settled
                .call0(&JsValue::NULL)
                .ok()
                .and_then(|p| p.dyn_into::<js_sys::Promise>().ok())
            else {
                break;
            };
            let waited = wasm_bindgen_futures::JsFuture::from(promise).await;
            if waited.ok().and_then(|w| w.as_bool()) != Some(true) {
                break;
            }
        }
        then();
    });
}

/// In the full playground: takes over from the viewer, if it started it
/// (notes the control it had focused, for `refocus::give`, stops it and
/// keeps its command for [`take_pending`]).
pub fn take_over() {
    let Some(global) = global() else {
        return;
    };
    let Ok(handoff) = Reflect::get(&global, &KEY.into()) else {
        return;
    };
    if handoff.is_undefined() {
        return;
    }
    let _ = Reflect::delete_property(global.unchecked_ref::<js_sys::Object>(), &KEY.into());
    crate::refocus::note();
    let stop = Reflect::get(&handoff, &"stop".into()).ok();
    if let Some(stop) = stop.and_then(|s| s.dyn_into::<js_sys::Function>().ok()) {
        let _ = stop.call0(&JsValue::NULL);
    }
    let command = Reflect::get(&handoff, &"command".into())
        .ok()
        .and_then(|c| c.as_string())
        .unwrap_or_default();
    let file = Reflect::get(&handoff, &"file".into())
        .ok()
        .and_then(|f| f.dyn_into::<web_sys::File>().ok());
    PENDING.set(Some((command, file)));
}

/// Links the full playground's stylesheet (`play.css`, which only it
/// needs), and gives a promise that resolves once the browser has it, or
/// has given up on it (the page then works unstyled rather than not at
/// all). The full playground renders only then: rendered before its
/// style, the keyboard help's dialog stood at the end of the page, not
/// fixed over it, and focusing it scrolled the page there.
pub fn link_play_style() -> js_sys::Promise {
    js_sys::Promise::new(&mut |resolve, _| {
        let document = web_sys::window().and_then(|w| w.document());
        let link = document
            .as_ref()
            .and_then(|d| d.create_element("link").ok());
        let head = document.as_ref().and_then(|d| d.head());
        let (Some(link), Some(head)) = (link, head) else {
            let _ = resolve.call0(&JsValue::NULL);
            return;
        };
        let _ = link.set_attribute("rel", "stylesheet");
        let _ = link.set_attribute("href", "./play.css");
        for event in ["load", "error"] {
            let resolve = resolve.clone();
            gloo_events::EventListener::once(&link, event, move |_| {
                let _ = resolve.call0(&JsValue::NULL);
            })
            .forget();
        }
        if head.append_child(&link).is_err() {
            let _ = resolve.call0(&JsValue::NULL);
        }
    })
}

/// The viewer's command and file, once.
pub fn take_pending() -> Option<(String, Option<web_sys::File>)> {
    PENDING.take()
}
