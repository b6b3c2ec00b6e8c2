//! Keeps the current timeline step visible by scrolling the timeline's own
//! track sideways. `scrollIntoView` is avoided on purpose: inside an
//! embedded iframe it would also scroll the documentation page around it.

use wasm_bindgen::JsCast;
use web_sys::HtmlElement;
use yew::prelude::*;

/// Scrolls `track` so that its `[aria-current]` child is centred, whenever
/// `current` changes.
#[hook]
pub fn use_scroll_current(track: NodeRef, current: usize) {
    use_effect_with(current, move |_| {
        let Some(track) = track.cast::<HtmlElement>() else {
            return;
        };
        let Some(item) = track
            .query_selector("[aria-current]")
            .ok()
            .flatten()
            .and_then(|e| e.dyn_into::<HtmlElement>().ok())
        else {
            return;
        };
        let left = item.offset_left() - (track.client_width() - item.offset_width()) / 2;
        track.set_scroll_left(left.max(0));
    });
}
