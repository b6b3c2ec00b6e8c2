//! Marks the page interactive: `<html data-ready="1">` once the first
//! render is in the DOM and its listeners are attached (the test hook of
//! README.md). The viewer is not ready while it only waits for the full
//! playground, and takes the mark away when it hands over
//! (`handoff::stop_viewer`), so that the mark always means that the app
//! on the page answers keys.

use yew::prelude::*;

/// Sets `data-ready="1"` on the document element after the first render
/// in which `ready` holds.
#[hook]
pub fn use_ready(ready: bool) {
    use_effect_with(ready, |&ready| {
        if let (true, Some(root)) = (
            ready,
            web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| d.document_element()),
        ) {
            let _ = root.set_attribute("data-ready", "1");
        }
    });
}
