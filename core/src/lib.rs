//! `apic-core`: a model of the x86 local APIC (xAPIC, Intel SDM Vol. 3A
//! chapter 10), four behaviour profiles, and a timeline engine that turns a
//! scenario into a trace. Pure and deterministic: no clocks, no randomness,
//! no globals, no I/O. The web UI and the `apic-trace` CLI only render what
//! this crate computes.

pub mod apic;
pub mod builtin;
mod check;
pub mod decode;
pub mod engine;
pub mod linux;
pub mod profile;
pub mod report;
pub mod scenario;
pub mod trace;
pub mod vectors;

pub use check::check;
pub use profile::Profile;
pub use trace::{ApicvState, CpuRun, Event, EventKind, ExpectResult, ProfileTrace, State, Trace};
