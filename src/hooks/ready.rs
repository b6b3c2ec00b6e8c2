//! Marks the page interactive: `<html data-ready="1">` once the first
//! render is in the DOM and its listeners are attached (the test hook of
//! README.md).

use yew::prelude::*;

/// Sets `data-ready="1"` on the document element after the first render.
#[hook]
pub fn use_ready() {
    use_effect_with((), |_| {
        if let Some(root) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.document_element())
        {
            let _ = root.set_attribute("data-ready", "1");
        }
    });
}
