//! Effects, kept out of components: each hook turns a piece of state into
//! a browser effect, or a browser event into an `Action`.

#[cfg(feature = "play")]
pub mod checkpoint_focus;
pub mod copy_link;
pub mod doc_title;
pub mod dropped_file;
pub mod keyboard;
pub mod play;
pub mod play_loader;
pub mod play_timer;
pub mod progress;
pub mod ready;
pub mod scroll_current;
pub mod status_clear;
pub mod theme;
pub mod url_sync;

#[cfg(feature = "play")]
pub use checkpoint_focus::use_checkpoint_focus;

pub use copy_link::use_copy_link;
pub use doc_title::use_doc_title;
pub use keyboard::use_keyboard;
#[cfg(feature = "play")]
pub use play::use_play;
#[cfg(not(feature = "play"))]
pub use play_loader::use_play_loader as use_play;
pub use play_timer::use_play_timer;
pub use progress::use_progress_store;
pub use ready::use_ready;
pub use scroll_current::use_scroll_current;
pub use status_clear::use_status_clear;
pub use theme::use_theme;
pub use url_sync::use_url_sync;

/// The viewer shows no checkpoint (`crate::PLAY`): nothing to focus.
#[cfg(not(feature = "play"))]
#[yew::hook]
pub fn use_checkpoint_focus(_state: &crate::state::AppState) {}
