//! One CPU with its local APIC under one profile's policy: the state the
//! engine steps through, and the log a step writes (events and the guest's
//! warnings). The behaviour is split by topic: `write.rs` (register
//! writes), `delivery.rs` (acceptance and dispatch), `timer.rs`,
//! `signals.rs` (NMI, INIT, SIPI), `linux.rs` (guest routines).

use crate::apic::Apic;
use crate::cpu::Cpu;
use crate::policy::Policy;
use crate::profile::Profile;
use crate::scenario::Handlers;
use crate::trace::{ApicvState, Event, EventKind, State};

/// The machine a scenario runs on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Machine {
    pub apic: Apic,
    pub cpu: Cpu,
    pub policy: Policy,
    pub handlers: Handlers,
    /// The guest has printed a warning at some step.
    pub warned: bool,
}

/// What one step produced.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Log {
    pub events: Vec<Event>,
    pub warnings: Vec<String>,
}

impl Log {
    pub fn push(
        &mut self,
        kind: EventKind,
        vector: Option<u8>,
        text: impl Into<String>,
        rule: impl Into<String>,
    ) {
        self.events.push(Event {
            kind,
            vector,
            text: text.into(),
            rule: rule.into(),
        });
    }
}

impl Machine {
    /// Power-up state under a profile.
    pub fn new(profile: Profile, handlers: Handlers) -> Machine {
        Machine {
            apic: Apic::power_up(0),
            cpu: Cpu::power_up(),
            policy: Policy::for_profile(profile),
            handlers,
            warned: false,
        }
    }

    /// The visible state, with the step's log.
    pub fn snapshot(&self, step: usize, label: String, log: Log) -> State {
        use crate::apic::Lvt;
        let a = &self.apic;
        State {
            step,
            label,
            irr: a.irr.vectors(),
            isr: a.isr.vectors(),
            tmr: a.tmr.vectors(),
            tpr: a.tpr8(),
            ppr: a.ppr(),
            spiv: a.spiv,
            sw_enabled: a.sw_enabled(),
            if_flag: self.cpu.if_flag,
            cpu: self.cpu.run,
            lvt_timer: a.lvt(Lvt::Timer),
            lvt_lint0: a.lvt(Lvt::Lint0),
            lvt_lint1: a.lvt(Lvt::Lint1),
            lvt_error: a.lvt(Lvt::Error),
            lvt_pmc: a.lvt(Lvt::Pmc),
            lvt_thermal: a.lvt(Lvt::Thermal),
            apicv: self.policy.virtual_delivery.then(|| ApicvState {
                rvi: a.irr.highest().unwrap_or(0),
                svi: a.isr.highest().unwrap_or(0),
            }),
            events: log.events,
            warnings: log.warnings,
            expect: None,
        }
    }
}
