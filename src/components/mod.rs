//! Components: each gets data and callbacks through props, never the
//! reducer, and renders one part of the screen. The parts of a pane that
//! change on every step anyway (registers, events, guest log) are plain
//! view functions: a component's memoisation would never skip them, and
//! each component type costs code size.

pub mod alerts;
pub mod bit_grid;
pub mod console;
pub mod events;
pub mod header;
pub mod help;
pub mod icons;
pub mod narration;
pub mod pane;
pub mod registers;
pub mod timeline;
pub mod vcr;
