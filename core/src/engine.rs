//! The timeline engine (skeleton: every state is the initial state).

use crate::apic::Apic;
use crate::profile::Profile;
use crate::scenario::Scenario;
use crate::trace::{CpuRun, ProfileTrace, State, Trace};

/// Trace a scenario under one profile.
pub fn run(scenario: &Scenario, profile: Profile) -> ProfileTrace {
    let apic = Apic::power_up(0);
    let base = State {
        step: 0,
        label: "initial state".into(),
        irr: apic.irr.vectors(),
        isr: apic.isr.vectors(),
        tmr: apic.tmr.vectors(),
        tpr: apic.tpr8(),
        ppr: apic.ppr(),
        spiv: apic.spiv,
        sw_enabled: apic.sw_enabled(),
        if_flag: false,
        cpu: CpuRun::Running,
        lvt_timer: 0x10000,
        lvt_lint0: 0x10000,
        lvt_lint1: 0x10000,
        lvt_error: 0x10000,
        lvt_pmc: 0x10000,
        lvt_thermal: 0x10000,
        apicv: None,
        events: vec![],
        warnings: vec![],
        expect: None,
    };
    let mut states = vec![base.clone()];
    for (i, step) in scenario.steps.iter().enumerate() {
        let mut s = base.clone();
        s.step = i + 1;
        s.label = step.display_label();
        states.push(s);
    }
    ProfileTrace { profile: profile.id().into(), states }
}

/// Trace a scenario under several profiles.
pub fn run_all(scenario: &Scenario, profiles: &[Profile]) -> Trace {
    Trace { scenario: scenario.id.clone(), profiles: profiles.iter().map(|p| run(scenario, *p)).collect() }
}
