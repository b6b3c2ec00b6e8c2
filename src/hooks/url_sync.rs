//! Keeps the location hash equal to the view (with `replaceState`, so
//! stepping does not fill the history), and turns a followed or edited
//! link (`hashchange`) into `Action::ApplyHash`.

use gloo_events::EventListener;
use wasm_bindgen::JsValue;
use yew::prelude::*;

use crate::url::{self, UrlState};

/// The current location hash, `""` when there is none or no window.
pub fn current_hash() -> String {
    web_sys::window()
        .and_then(|w| w.location().hash().ok())
        .unwrap_or_default()
}

/// Writes `view` into the hash whenever it changes; reports hash changes
/// made by the user through `on_hash`.
#[hook]
pub fn use_url_sync(view: UrlState, on_hash: Callback<String>) {
    use_effect_with(view, |view| {
        let hash = format!("#{}", url::encode(view));
        if current_hash() != hash {
            if let Some(history) = web_sys::window().and_then(|w| w.history().ok()) {
                // A failed replaceState (a sandboxed frame) only leaves the
                // address bar behind; the page goes on.
                let _ = history.replace_state_with_url(&JsValue::NULL, "", Some(&hash));
            }
        }
    });
    use_effect_with((), move |_| {
        let listener = web_sys::window().map(|window| {
            EventListener::new(&window, "hashchange", move |_| on_hash.emit(current_hash()))
        });
        move || drop(listener)
    });
}
