//! Keeps the location hash equal to the view, and turns a followed or
//! edited link (`hashchange`) into `Action::ApplyHash`. A step, a profile
//! or the guest replaces the history's entry (`replaceState`), so that
//! stepping does not fill the history; another built-in picked adds one
//! (`pushState`), so that the browser's Back returns to the built-in
//! before, at its step, rather than leave the playground. An embed never
//! adds one: its frame shares the host page's history, whose Back must
//! stay the host page's. The write waits for the view to rest a moment:
//! it costs about a millisecond, too much for every step of a fast
//! playback or a held arrow key.
//!
//! A followed link is read from its `hashchange` event (`newURL`), never
//! from the address bar: the browser queues the event, and a delayed write
//! of ours can run between the navigation and the event. The address bar
//! then already names the view shown, and the link (with its problems and
//! their alert) would be lost.

use gloo_events::EventListener;
use gloo_timers::callback::Timeout;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::HashChangeEvent;
use yew::prelude::*;

use crate::url::{self, UrlState};

/// How long the view must rest before the address bar follows.
const SETTLE_MS: u32 = 120;

/// The current location hash, `""` when there is none or no window.
pub fn current_hash() -> String {
    web_sys::window()
        .and_then(|w| w.location().hash().ok())
        .unwrap_or_default()
}

/// The hash of `url` with its `#`, `""` when it has none.
pub fn hash_of(url: &str) -> &str {
    url.find('#')
        .map_or("", |i| url.get(i..).unwrap_or_default())
}

/// Puts `hash` (with its `#`) in the address bar: in a new entry of the
/// history when `new_entry` (`url::new_entry`), else in the current one.
pub fn set_address(hash: &str, new_entry: bool) {
    if let Some(history) = web_sys::window().and_then(|w| w.history().ok()) {
        // A failed write (a sandboxed frame) only leaves the address bar
        // behind; the page goes on.
        let _ = if new_entry {
            history.push_state_with_url(&JsValue::NULL, "", Some(hash))
        } else {
            history.replace_state_with_url(&JsValue::NULL, "", Some(hash))
        };
    }
}

/// Writes `view` into the hash, as a new entry of the history when it
/// shows another built-in than `before`, the view last written.
fn write_hash(before: Option<&UrlState>, view: &UrlState) {
    let hash = format!("#{}", url::encode(view));
    if current_hash() != hash {
        set_address(
            &hash,
            url::new_entry(before.and_then(UrlState::history_key), view.history_key()),
        );
    }
}

/// Writes `view` into the hash shortly after it changes; reports hash
/// changes made by the user through `on_hash`.
#[hook]
pub fn use_url_sync(view: UrlState, on_hash: Callback<String>) {
    // The view last written; none before the first render's and after a
    // link followed (a Back among them), whose view the address names.
    let written = use_mut_ref(|| None::<UrlState>);
    let forget = written.clone();
    use_effect_with(view, move |view| {
        // The first render, or a followed link's, corrects a bad or
        // partial link at once, in the same entry.
        let timeout = if written.borrow().is_none() {
            write_hash(None, view);
            *written.borrow_mut() = Some(view.clone());
            None
        } else {
            let view = view.clone();
            Some(Timeout::new(SETTLE_MS, move || {
                let before = written.borrow_mut().replace(view.clone());
                write_hash(before.as_ref(), &view);
            }))
        };
        move || drop(timeout)
    });
    use_effect_with((), move |_| {
        let listener = web_sys::window().map(|window| {
            EventListener::new(&window, "hashchange", move |event| {
                let hash = match event.dyn_ref::<HashChangeEvent>() {
                    Some(change) => hash_of(&change.new_url()).to_owned(),
                    None => current_hash(),
                };
                *forget.borrow_mut() = None;
                on_hash.emit(hash)
            })
        });
        move || drop(listener)
    });
}
