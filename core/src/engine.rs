//! The timeline engine: scenario in, trace out. `states[0]` is the power-up
//! state, `states[k]` the state after step k. After each step that can
//! change anything, the machine delivers whatever the CPU can take, as
//! hardware does between instructions. Pure and deterministic.

use crate::expect::evaluate;
use crate::machine::{Log, Machine};
use crate::profile::Profile;
use crate::scenario::{Op, Scenario};
use crate::trace::{CpuRun, EventKind, ProfileTrace, Trace};

/// Trace a scenario under one profile.
pub fn run(scenario: &Scenario, profile: Profile) -> ProfileTrace {
    let mut m = Machine::new(profile, scenario.handlers);
    let mut states = Vec::with_capacity(scenario.steps.len() + 1);
    let mut log = Log::default();
    log.push(
        EventKind::Reset,
        None,
        "power-up: IRR, ISR, TMR and TPR are 0, every LVT is masked, SPIV = 0xff (software-disabled); the CPU runs with IF=0",
        "sdm-10.4.7.1",
    );
    states.push(m.snapshot(0, "initial state".into(), log));
    for (i, step) in scenario.steps.iter().enumerate() {
        let mut log = Log::default();
        let mut settle = true;
        if runs_on_this_cpu(&step.op) && m.cpu.run != CpuRun::Running {
            // A halted CPU, or one waiting for SIPI, executes nothing: no
            // software step can happen until something wakes or starts it.
            let why = if m.cpu.run == CpuRun::Halted {
                "the CPU is halted: it runs no instructions until an interrupt, NMI or INIT ends the HLT"
            } else {
                "the CPU is waiting for SIPI: it runs no instructions"
            };
            log.push(
                EventKind::Cpu,
                None,
                format!("{} skipped: {why}", step.op.describe()),
                "sdm-6.8.1",
            );
            states.push(m.snapshot(i + 1, step.display_label(), log));
            continue;
        }
        match &step.op {
            Op::Write { reg, value } => m.write(*reg, *value, &mut log),
            Op::Cli => m.cli(&mut log),
            Op::Sti => m.sti(&mut log),
            Op::Hlt => m.hlt(&mut log),
            Op::Irq { vector, level } => {
                let source = if *level {
                    "level-triggered interrupt"
                } else {
                    "interrupt"
                };
                m.receive_fixed(*vector, *level, source, &mut log);
            }
            Op::SelfIpi { vector } => {
                // A fixed, edge-triggered IPI with the "self" shorthand.
                m.write(
                    crate::apic::Reg::Icr,
                    0x0004_0000 | u64::from(*vector),
                    &mut log,
                );
            }
            Op::Nmi => m.nmi(&mut log),
            Op::Init => m.init(&mut log),
            Op::Sipi { vector } => m.sipi(*vector, &mut log),
            Op::TimerFire => m.timer_fire(&mut log),
            Op::Eoi => {
                m.apic.eoi(&mut log.events);
            }
            Op::Linux { routine } => m.run_routine(*routine, &mut log),
            Op::Expect(_) => settle = false,
            Op::Note { text } => {
                log.push(EventKind::Note, None, text.clone(), "narration");
                settle = false;
            }
        }
        if settle {
            m.settle(&mut log);
        }
        let mut state = m.snapshot(i + 1, step.display_label(), log);
        if let Op::Expect(e) = &step.op {
            if e.applies_to(profile) {
                state.expect = Some(evaluate(e, &state, m.warned));
            }
        }
        states.push(state);
    }
    ProfileTrace {
        profile: profile.id().into(),
        states,
    }
}

/// Whether the op is software executed by this CPU (as opposed to
/// something arriving from outside: interrupts, NMI, INIT, SIPI, the timer).
fn runs_on_this_cpu(op: &Op) -> bool {
    match op {
        Op::Write { .. } | Op::Cli | Op::Sti | Op::Hlt | Op::SelfIpi { .. } | Op::Eoi => true,
        Op::Linux { routine } => !routine.is_external(),
        Op::Irq { .. }
        | Op::Nmi
        | Op::Init
        | Op::Sipi { .. }
        | Op::TimerFire
        | Op::Expect(_)
        | Op::Note { .. } => false,
    }
}

/// Trace a scenario under several profiles, in the order given.
pub fn run_all(scenario: &Scenario, profiles: &[Profile]) -> Trace {
    Trace {
        scenario: scenario.id.clone(),
        profiles: profiles.iter().map(|p| run(scenario, *p)).collect(),
    }
}
