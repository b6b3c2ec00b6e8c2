//! The colour theme: applied as `data-theme` on the document element (the
//! CSS follows `prefers-color-scheme` when it is absent) and remembered in
//! localStorage. Storage may be unavailable (a sandboxed frame): then the
//! choice lasts for the page only.

use yew::prelude::*;

use crate::state::Theme;

const KEY: &str = "apic-playground.theme";

fn storage() -> Option<web_sys::Storage> {
    web_sys::window().and_then(|w| w.local_storage().ok().flatten())
}

/// The theme saved by an earlier visit, `System` when none.
pub fn stored_theme() -> Theme {
    storage()
        .and_then(|s| s.get_item(KEY).ok().flatten())
        .and_then(|t| Theme::from_token(&t))
        .unwrap_or_default()
}

/// Whether the page runs inside another page's frame.
fn in_frame() -> bool {
    web_sys::window().is_some_and(|w| match w.top() {
        Ok(Some(top)) => !js_sys::Object::is(&top, &w),
        _ => true,
    })
}

/// Whether the system prefers a dark scheme now.
pub fn system_dark() -> bool {
    web_sys::window()
        .and_then(|w| w.match_media("(prefers-color-scheme: dark)").ok().flatten())
        .is_some_and(|m| m.matches())
}

/// Applies and saves `theme` whenever it changes.
#[hook]
pub fn use_theme(theme: Theme) {
    use_effect_with(theme, |&theme| {
        if let Some(root) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.document_element())
        {
            let _ = match theme {
                Theme::System => root.remove_attribute("data-theme"),
                Theme::Light | Theme::Dark => root.set_attribute("data-theme", theme.token()),
            };
        }
        // An embedded frame follows its host page (`theme=` in its link)
        // and does not change what the playground remembers for itself.
        if let (Some(s), false) = (storage(), in_frame()) {
            let _ = s.set_item(KEY, theme.token());
        }
    });
}
