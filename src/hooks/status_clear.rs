//! Status messages ("Link copied", "… hidden") fade after a few seconds,
//! so the status line never shows something stale.

use gloo_timers::callback::Timeout;
use yew::prelude::*;

/// How long a status message stays.
const SHOW_MS: u32 = 5000;

/// Calls `on_expire` a few seconds after `status` last changed to a message.
#[hook]
pub fn use_status_clear(status: Option<AttrValue>, on_expire: Callback<()>) {
    use_effect_with(status, move |status| {
        let timeout = status
            .is_some()
            .then(|| Timeout::new(SHOW_MS, move || on_expire.emit(())));
        move || drop(timeout)
    });
}
