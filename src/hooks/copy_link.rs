//! "Copy link": puts the page's address (whose hash is the whole view) on
//! the clipboard and says so in the status line; where the clipboard is
//! unavailable (not a secure context) it shows the link to copy by hand.

use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;
use yew::prelude::*;

use crate::state::Action;
use crate::url::{self, UrlState};

/// Longest link offered for copying (common limits of chat tools, mail
/// and servers are around 8000 characters).
pub const MAX_LINK: usize = 8000;

/// The page's address with `view` as its hash. Built from the view, not
/// read from the address bar, which follows the view a moment later.
pub fn link_to(view: &UrlState) -> Option<String> {
    let href = web_sys::window().and_then(|w| w.location().href().ok())?;
    let base = href.split('#').next().unwrap_or_default();
    Some(format!("{base}#{}", url::encode(view)))
}

/// A callback that copies the link to the latest `view` and reports
/// through `on_action`. The callback itself stays the same from step to
/// step, so the header holding the button does not render again.
#[hook]
pub fn use_copy_link(view: UrlState, on_action: Callback<Action>) -> Callback<()> {
    let latest = use_mut_ref(|| view.clone());
    *latest.borrow_mut() = view;
    use_callback(on_action, move |(), on_action| {
        let Some(url) = link_to(&latest.borrow()) else {
            return;
        };
        if url.len() > MAX_LINK {
            on_action.emit(Action::Status(Some(
                format!(
                    "This link would be {} characters long, more than the {MAX_LINK} that browsers, chats and mail reliably keep: use Download in the editor and send the file instead.",
                    url.len()
                )
                .into(),
            )));
            return;
        }
        let Some(window) = web_sys::window() else {
            return;
        };
        let navigator = window.navigator();
        // `navigator.clipboard` is undefined outside secure contexts; the
        // binding would throw when called on it.
        let has_clipboard = js_sys::Reflect::get(&navigator, &JsValue::from_str("clipboard"))
            .is_ok_and(|c| !c.is_undefined() && !c.is_null());
        let by_hand = format!("Copy this link: {url}");
        if !has_clipboard {
            on_action.emit(Action::Status(Some(by_hand.into())));
            return;
        }
        let promise = navigator.clipboard().write_text(&url);
        let on_action = on_action.clone();
        yew::platform::spawn_local(async move {
            let message = match JsFuture::from(promise).await {
                Ok(_) => "Link copied: it opens this exact view.".to_owned(),
                Err(_) => by_hand,
            };
            on_action.emit(Action::Status(Some(message.into())));
        });
    })
}
