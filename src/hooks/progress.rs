//! Keeps the results of a scenario's prediction checkpoints in
//! localStorage, one key per scenario, so a reload or another visit
//! shows how far the reader got (`crate::predict::Progress::stored`).

use std::rc::Rc;

use yew::prelude::*;

use crate::predict::Progress;
use crate::state::Action;

const PREFIX: &str = "apic-playground.predict.";

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

/// Reads a scenario's stored results once when it is shown, and stores
/// them whenever they change (an untouched scenario stores nothing).
#[hook]
pub fn use_progress_store(progress: Rc<Progress>, on_action: Callback<Action>) {
    // The viewer holds no checkpoints (`crate::PLAY`): it neither reads nor
    // clears what the full playground stored. Declared first, so it reads
    // before the effect below writes.
    use_effect_with(
        (progress.id.clone(), progress.checkpoints.len()),
        move |(id, n)| {
            if crate::PLAY && *n > 0 {
                let stored = storage().and_then(|s| s.get_item(&format!("{PREFIX}{id}")).ok()?);
                if let Some(stored) = stored {
                    on_action.emit(Action::ProgressRestored(id.clone(), stored.into()));
                }
            }
        },
    );
    let letters = progress.stored();
    use_effect_with((progress.id.clone(), letters), |(id, letters)| {
        if let Some(s) = storage().filter(|_| crate::PLAY) {
            let key = format!("{PREFIX}{id}");
            if letters.chars().all(|c| c == '-') {
                let _ = s.remove_item(&key);
            } else {
                let _ = s.set_item(&key, letters);
            }
        }
    });
}
