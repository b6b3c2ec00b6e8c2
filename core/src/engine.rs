//! The timeline engine: scenario in, trace out. `states[0]` is the power-up
//! state, `states[k]` the state after step k. Software steps run as guest
//! code on the machine's CPU (`guest.rs`); outside events go to the
//! machine; after each step the CPU takes whatever interrupt it can, as
//! hardware does between instructions. Outcomes become events in
//! `explain.rs`, kept as data: their text is formatted when read
//! (`trace::Text`). Labels and met checkpoints are worded once per
//! scenario and shared by every profile's run. Pure and deterministic.

use crate::expect::{evaluate, met};
use crate::explain::explain;
use crate::format::{CpuRun, Kernel, Op, Profile, Reg, Scenario};
use crate::guest::{GuestCpu, OnMachine};
use crate::machine::Machine;
use crate::outcome::Outcome;
use crate::trace::{share_events, Events, ProfileTrace, Text, Trace};
use std::rc::Rc;

/// The ICR value of a fixed, edge-triggered IPI with the "self" shorthand
/// (SDM 10.6.1: destination shorthand 01, bits 19:18).
const ICR_SELF_FIXED: u64 = 0x0004_0000;

/// Trace a scenario under one profile, with the seed's guest kernel (the
/// 2019 tree, `Kernel::Wip2019`).
pub fn run(scenario: &Scenario, profile: Profile) -> ProfileTrace {
    run_guest(scenario, profile, Kernel::default())
}

/// Trace a scenario under one profile, with `kernel`'s Linux routines
/// (`linux::run_as`).
pub fn run_guest(scenario: &Scenario, profile: Profile, kernel: Kernel) -> ProfileTrace {
    run_words(
        scenario,
        &Words::of(scenario),
        profile,
        kernel,
        &mut Buffers::default(),
    )
}

/// The label of `states[0]`.
const INITIAL_LABEL: &str = "initial state";

/// What every profile's run of a scenario shows alike, worded once and
/// shared: each step's label, and each checkpoint's detail when it is met.
struct Words {
    /// Every label: "initial state", then one per step.
    all: Rc<str>,
    /// Where each state's label ends in `all` (it starts where the one
    /// before ends).
    ends: Vec<usize>,
    /// Per step, "<checks>: ok" for a checkpoint.
    met: Vec<Option<Text>>,
}

impl Words {
    fn of(scenario: &Scenario) -> Words {
        // Every label in one string, each state's label a part of it.
        // Sized once for every label (a described op is short), rather
        // than grown as they are added.
        let room: usize = scenario
            .steps
            .iter()
            .map(|s| s.label.as_ref().map_or(32, String::len))
            .sum();
        let mut all = String::with_capacity(INITIAL_LABEL.len() + room);
        all.push_str(INITIAL_LABEL);
        let mut ends = Vec::with_capacity(scenario.steps.len() + 1);
        ends.push(all.len());
        for s in &scenario.steps {
            all.push_str(&s.display_label());
            ends.push(all.len());
        }
        let all: Rc<str> = all.into();
        let met = scenario
            .steps
            .iter()
            .map(|s| match &s.op {
                Op::Expect(e) => Some(met(e)),
                _ => None,
            })
            .collect();
        Words { all, ends, met }
    }

    /// State k's label: part of the shared string, a reference count.
    fn label(&self, k: usize) -> Text {
        let start = k.checked_sub(1).and_then(|i| self.ends.get(i)).copied();
        match self.ends.get(k) {
            Some(&end) => Text::part(&self.all, start.unwrap_or(0), end),
            None => Text::default(),
        }
    }
}

/// What a scenario's runs pass on, one to the next: the buffer of a
/// step's outcomes (empty between steps: `explain` takes them), and how
/// many events the run before had (a run of the same scenario under
/// another profile has about as many), to size the next run's at once.
#[derive(Default)]
struct Buffers {
    out: Vec<Outcome>,
    events: usize,
}

/// One profile's run.
fn run_words(
    scenario: &Scenario,
    words: &Words,
    profile: Profile,
    kernel: Kernel,
    b: &mut Buffers,
) -> ProfileTrace {
    let out = &mut b.out;
    // Room for four events a step, or the run before's count with some to
    // spare (another profile's run can have a few more): growing the
    // vector midway would copy every event so far.
    let guess = (4 * (scenario.steps.len() + 1)).max(b.events + b.events / 4);
    let events = &mut Vec::with_capacity(guess);
    let mut m = Machine::new(profile, scenario.processor, out);
    let mut states = Vec::with_capacity(scenario.steps.len() + 1);
    let warnings = explain(out, &m.policy, events);
    let step_events = Events::pending(0, events.len());
    states.push(m.state(0, words.label(0), step_events, warnings));
    let mut warned = false;
    for (i, step) in scenario.steps.iter().enumerate() {
        apply(&mut m, scenario, &step.op, kernel, out);
        let start = events.len();
        let warnings = explain(out, &m.policy, events);
        warned |= !warnings.is_empty();
        let step_events = Events::pending(start, events.len());
        // Built in place in `states` (a state is some 340 bytes), and its
        // checkpoint evaluated there. `states` has room for every state:
        // the test tells the compiler that `push` will not grow it, so that
        // nothing comes between building the state and storing it, and it
        // is built in the vector rather than in a temporary then copied.
        let label = words.label(i + 1);
        if states.len() < states.capacity() {
            states.push(m.state(i + 1, label, step_events, warnings));
        } else {
            states.reserve(1);
            states.push(m.state(i + 1, label, step_events, warnings));
        }
        if let (Op::Expect(e), Some(Some(met)), Some(state)) =
            (&step.op, words.met.get(i), states.last_mut())
        {
            if e.applies_to(profile) {
                state.expect = Some(evaluate(e, state, warned, met));
            }
        }
    }
    b.events = events.len();
    share_events(&mut states, events);
    ProfileTrace {
        profile: profile.id().into(),
        states,
    }
}

/// Perform one step's operation, then let the CPU take what it can.
fn apply(m: &mut Machine, scenario: &Scenario, op: &Op, kernel: Kernel, out: &mut Vec<Outcome>) {
    if runs_on_this_cpu(op) && m.cpu.run != CpuRun::Running {
        // A halted CPU, or one waiting for SIPI, executes nothing: no
        // software step can happen until something wakes or starts it.
        out.push(Outcome::Skipped {
            what: op.describe(),
            halted: m.cpu.run == CpuRun::Halted,
        });
        return;
    }
    let mut cpu = OnMachine {
        machine: m,
        handlers: scenario.handlers,
        out,
    };
    match op {
        Op::Write { reg, value } => cpu.write(*reg, *value),
        Op::Cli => cpu.cli(),
        Op::Sti => cpu.sti(),
        Op::Hlt => cpu.hlt(),
        Op::SelfIpi { vector } => cpu.write(Reg::Icr, ICR_SELF_FIXED | u64::from(*vector)),
        Op::Eoi => cpu.write(Reg::Eoi, 0),
        Op::Linux { routine } => crate::linux::run_as(*routine, kernel, &mut cpu),
        Op::Irq { vector, level } => cpu.machine.irq(*vector, *level, cpu.out),
        Op::Nmi => cpu.machine.nmi(cpu.out),
        Op::Init => cpu.machine.init(cpu.out),
        Op::Sipi { vector } => cpu.machine.sipi(*vector, cpu.out),
        Op::TimerFire => cpu.machine.timer_fire(cpu.out),
        Op::Expect(_) => return,
        Op::Note { text } => {
            cpu.out.push(Outcome::Note(text.clone()));
            return;
        }
    }
    if let Some((vector, why)) = cpu.settle() {
        cpu.out.push(Outcome::Pending { vector, why });
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
    run_all_guest(scenario, profiles, Kernel::default())
}

/// Trace a scenario under several profiles with `kernel`'s routines.
pub fn run_all_guest(scenario: &Scenario, profiles: &[Profile], kernel: Kernel) -> Trace {
    let words = Words::of(scenario);
    // Room for a busy step's outcomes (a Linux routine's) from the start,
    // rather than growing the buffer in the scenario's first steps.
    let mut b = Buffers {
        out: Vec::with_capacity(64),
        events: 0,
    };
    Trace {
        scenario: scenario.id.clone(),
        profiles: profiles
            .iter()
            .map(|p| run_words(scenario, &words, *p, kernel, &mut b))
            .collect(),
    }
}
