//! `apic-core`: a model of the x86 local APIC (xAPIC, Intel SDM Vol. 3A
//! chapter 10), four behaviour profiles, and a timeline engine that turns a
//! scenario into a trace. Pure and deterministic: no clocks, no randomness,
//! no globals, no I/O. The web UI and the `apic-trace` CLI only render what
//! this crate computes.

pub mod apic;
pub mod builtin;
mod check;
pub mod cpu;
pub mod decode;
mod delivery;
pub mod engine;
mod expect;
pub mod linux;
mod machine;
pub mod policy;
pub mod profile;
pub mod report;
pub mod scenario;
mod signals;
mod timer;
pub mod trace;
pub mod vectors;
mod write;

pub use check::check;
pub use profile::Profile;
pub use trace::{ApicvState, CpuRun, Event, EventKind, ExpectResult, ProfileTrace, State, Trace};
