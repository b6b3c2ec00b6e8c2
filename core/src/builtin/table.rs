//! The built-in scenarios as static data, written by `build.rs`: what
//! `scenario::parse` makes of each file, in types that can live in a
//! `static` (slices and `&str` where `Scenario` owns `Vec` and `String`).
//! Turning an entry into a `Scenario` is copying, never reading JSON, so a
//! program that only shows the built-ins needs no JSON reader.

use crate::apic::Reg;
use crate::linux::Routine;
use crate::profile::Profile;
use crate::scenario::{Expect, Handlers, Op, Scenario, Step};
use crate::trace::CpuRun;

include!(concat!(env!("OUT_DIR"), "/builtin_table.rs"));

/// A scenario (`Scenario` with borrowed parts).
pub(crate) struct ScenarioEntry {
    pub(crate) id: &'static str,
    pub(crate) title: &'static str,
    pub(crate) summary: &'static str,
    pub(crate) handlers: Handlers,
    pub(crate) steps: &'static [StepEntry],
}

/// A step (`Step` with borrowed parts).
pub(crate) struct StepEntry {
    pub(crate) op: OpEntry,
    pub(crate) label: Option<&'static str>,
    pub(crate) note: Option<&'static str>,
}

/// What a step does: an `Op` that owns nothing on the heap as it is, the
/// two that do with borrowed parts.
pub(crate) enum OpEntry {
    Op(Op),
    Note(&'static str),
    Expect(ExpectEntry),
}

/// An `expect` step (`Expect` with borrowed lists).
pub(crate) struct ExpectEntry {
    pub(crate) profiles: Option<&'static [Profile]>,
    pub(crate) irr: Option<&'static [u8]>,
    pub(crate) isr: Option<&'static [u8]>,
    pub(crate) tmr: Option<&'static [u8]>,
    pub(crate) tpr: Option<u8>,
    pub(crate) ppr: Option<u8>,
    pub(crate) spiv: Option<u32>,
    pub(crate) sw_enabled: Option<bool>,
    pub(crate) if_flag: Option<bool>,
    pub(crate) cpu: Option<CpuRun>,
    pub(crate) lvt_timer: Option<u32>,
    pub(crate) lvt_lint0: Option<u32>,
    pub(crate) lvt_lint1: Option<u32>,
    pub(crate) lvt_error: Option<u32>,
    pub(crate) lvt_pmc: Option<u32>,
    pub(crate) lvt_thermal: Option<u32>,
    pub(crate) warn: Option<bool>,
}

impl ScenarioEntry {
    /// The owned `Scenario`.
    pub(crate) fn to_scenario(&self) -> Scenario {
        Scenario {
            id: self.id.to_owned(),
            title: self.title.to_owned(),
            summary: self.summary.to_owned(),
            handlers: self.handlers,
            steps: self.steps.iter().map(StepEntry::to_step).collect(),
        }
    }
}

impl StepEntry {
    fn to_step(&self) -> Step {
        let op = match &self.op {
            OpEntry::Op(op) => op.clone(),
            OpEntry::Note(text) => Op::Note {
                text: (*text).to_owned(),
            },
            OpEntry::Expect(e) => Op::Expect(Box::new(e.to_expect())),
        };
        Step {
            op,
            label: self.label.map(str::to_owned),
            note: self.note.map(str::to_owned),
        }
    }
}

impl ExpectEntry {
    fn to_expect(&self) -> Expect {
        Expect {
            profiles: self.profiles.map(<[Profile]>::to_vec),
            irr: self.irr.map(<[u8]>::to_vec),
            isr: self.isr.map(<[u8]>::to_vec),
            tmr: self.tmr.map(<[u8]>::to_vec),
            tpr: self.tpr,
            ppr: self.ppr,
            spiv: self.spiv,
            sw_enabled: self.sw_enabled,
            if_flag: self.if_flag,
            cpu: self.cpu,
            lvt_timer: self.lvt_timer,
            lvt_lint0: self.lvt_lint0,
            lvt_lint1: self.lvt_lint1,
            lvt_error: self.lvt_error,
            lvt_pmc: self.lvt_pmc,
            lvt_thermal: self.lvt_thermal,
            warn: self.warn,
        }
    }
}
