//! Keeps the current timeline step visible by scrolling the timeline's own
//! track sideways. It runs in the next animation frame, where the browser
//! lays the page out anyway, so a step never pays for a forced layout.
//! `scrollIntoView` is avoided on purpose: inside an embedded iframe it
//! would also scroll the documentation page around it.

use gloo_render::{request_animation_frame, AnimationFrame};
use wasm_bindgen::JsCast;
use web_sys::HtmlElement;
use yew::prelude::*;

fn centre_current(track: &HtmlElement) {
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
}

/// Scrolls `track` so that its `[aria-current]` child is centred, whenever
/// `current` changes.
#[hook]
pub fn use_scroll_current(track: NodeRef, current: usize) {
    use_effect_with(current, move |_| {
        let frame: Option<AnimationFrame> = track
            .cast::<HtmlElement>()
            .map(|track| request_animation_frame(move |_| centre_current(&track)));
        move || drop(frame)
    });
}
