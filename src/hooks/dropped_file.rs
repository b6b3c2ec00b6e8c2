//! A file dropped anywhere on the page: the window accepts the drag and
//! hands the first dropped file to a callback. One hook for the viewer
//! (which hands the file to the full playground) and the full playground
//! (which opens it).

use gloo_events::{EventListener, EventListenerOptions};
use wasm_bindgen::JsCast;
use web_sys::DragEvent;
use yew::prelude::*;

/// Calls `on_file` with the first file of every drop on the window.
#[hook]
pub fn use_dropped_file(on_file: Callback<web_sys::File>) {
    use_effect_with((), move |_| {
        let window = web_sys::window();
        let over = window.as_ref().map(|w| {
            EventListener::new_with_options(
                w,
                "dragover",
                EventListenerOptions::enable_prevent_default(),
                |e| e.prevent_default(),
            )
        });
        let dropped = window.as_ref().map(|w| {
            EventListener::new_with_options(
                w,
                "drop",
                EventListenerOptions::enable_prevent_default(),
                move |e| {
                    let file = e
                        .dyn_ref::<DragEvent>()
                        .and_then(|d| d.data_transfer())
                        .and_then(|t| t.files())
                        .and_then(|f| f.get(0));
                    if let Some(file) = file {
                        e.prevent_default();
                        on_file.emit(file);
                    }
                },
            )
        });
        move || {
            drop(over);
            drop(dropped);
        }
    });
}
