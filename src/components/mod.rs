//! Components: each gets data and callbacks through props, never the
//! reducer, and renders one part of the screen. The parts that change on
//! every step anyway (the narration, the playback bar, and in a pane the
//! registers, events and guest log) and the alert box (nothing at all
//! while there is no alert) are plain view functions: a component's
//! memoisation would (almost) never skip them, and each component type
//! costs code size, which the page downloads.

pub mod alerts;
pub mod bit_grid;
pub mod checkpoint;
pub mod console;
pub mod editor;
pub mod events;
pub mod header;
pub mod help;
pub mod icons;
pub mod narration;
pub mod pane;
pub mod predict_grid;
pub mod prediction;
pub mod registers;
pub mod static_markup;
pub mod timeline;
pub mod vcr;
