//! `apic-core`: a model of the x86 local APIC (xAPIC, Intel SDM Vol. 3A
//! chapter 10), four behaviour profiles, and a timeline engine that turns a
//! scenario into a trace. Pure and deterministic: no clocks, no randomness,
//! no globals, no I/O. The web UI and the `apic-trace` CLI only render what
//! this crate computes.
//!
//! Layers, each depending only on those above it:
//! - `format`: scenario format v1 (types, reader, writer, every list of names);
//! - `apic`, `cpu`, `policy`, `outcome`: the register file, the CPU, the
//!   profiles' decisions, and what a state change returns;
//! - `machine` (with `write`, `delivery`, `timer`): the hardware side;
//! - `guest`, `linux`: software driving the hardware through `GuestCpu`;
//! - `explain`: outcomes as events with their rule, and their text when
//!   read (an event keeps its outcome as data, `trace::Text`);
//! - `engine`, `expect`, `compare`, `trace`, `report`, `builtin`: scenarios
//!   in, traces out, and their renderings;
//! - `library`: the built-ins' traces computed ahead of time, for a
//!   program built without the engine (feature `engine`): the page's
//!   first module.

pub mod apic;
pub mod builtin;
#[cfg(feature = "engine")]
mod check;
pub mod compare;
pub mod cpu;
pub mod decode;
mod delivery;
#[cfg(feature = "engine")]
pub mod engine;
#[cfg(feature = "engine")]
mod expect;
#[cfg(feature = "engine")]
mod explain;
pub mod format;
pub mod guest;
pub mod library;
pub mod linux;
pub mod machine;
pub mod outcome;
pub mod policy;
pub mod profile;
pub mod report;
mod timer;
pub mod trace;
pub mod vectors;
pub mod view;
mod write;

#[cfg(feature = "engine")]
pub use check::check;
pub use delivery::Delivery;
pub use format::{Profile, ProfileGroup};
pub use trace::{
    ApicvState, CpuRun, Event, EventKind, Events, ExpectResult, ProfileTrace, State, Trace,
};
