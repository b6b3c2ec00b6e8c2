//! The document's title names the scenario on screen, so a tab, a history
//! entry or a bookmark says which experiment it holds.

use yew::prelude::*;

/// The suffix every title ends with.
const APP: &str = "APIC playground";

/// Sets `document.title` to `<scenario title> · APIC playground`.
#[hook]
pub fn use_doc_title(scenario_title: AttrValue) {
    use_effect_with(scenario_title, |title| {
        if let Some(doc) = web_sys::window().and_then(|w| w.document()) {
            doc.set_title(&format!("{title} · {APP}"));
        }
    });
}
