//! The model's timings, reported by `make bench` (scripts/criterion-medians.mjs
//! prints the medians), never asserted (issue 15: the whole set in at most
//! 100 us):
//!
//! - `model/every built-in, every profile`: `engine::run_all` of every
//!   built-in scenario under all four profiles, as the page does;
//! - `model/every built-in, all eight profiles`: the same under
//!   `Profile::EVERY` (the four and the other hypervisors);
//! - `model/<id>`: the first, one scenario at a time;
//! - `model/every built-in, every profile, no explain`: the engine's steps
//!   and state snapshots with the outcomes kept as data, and no event text
//!   (`explain`) and no `expect` evaluation: the difference to the first is
//!   what formatting every state's events up front costs. It mirrors
//!   `engine::run` through the crate's public API (`explain` is private);
//!   `mirror_matches_engine` below checks, before anything is timed, that
//!   it reaches the same states.

use apic_core::format::{CpuRun, Op, Reg, Scenario};
use apic_core::guest::{GuestCpu, OnMachine};
use apic_core::machine::Machine;
use apic_core::outcome::Outcome;
use apic_core::{builtin, engine, Profile, State};
use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;
use std::time::Duration;

/// `engine::run` without `explain`: the states carry no events, and each
/// step's outcomes are kept beside them, as data to format when shown.
fn run_without_explain(scenario: &Scenario, profile: Profile) -> (Vec<State>, Vec<Vec<Outcome>>) {
    let mut reset = Vec::new();
    let mut m = Machine::new(profile, scenario.processor, &mut reset);
    let mut states = Vec::with_capacity(scenario.steps.len() + 1);
    let mut outcomes = Vec::with_capacity(scenario.steps.len() + 1);
    states.push(m.state(0, "initial state".into(), Vec::new(), Vec::new()));
    outcomes.push(reset);
    for (i, step) in scenario.steps.iter().enumerate() {
        let mut out = Vec::new();
        apply(&mut m, scenario, &step.op, &mut out);
        states.push(m.state(i + 1, step.display_label(), Vec::new(), Vec::new()));
        outcomes.push(out);
    }
    (states, outcomes)
}

/// `engine::apply`, as it is.
fn apply(m: &mut Machine, scenario: &Scenario, op: &Op, out: &mut Vec<Outcome>) {
    let software = match op {
        Op::Write { .. } | Op::Cli | Op::Sti | Op::Hlt | Op::SelfIpi { .. } | Op::Eoi => true,
        Op::Linux { routine } => !routine.is_external(),
        _ => false,
    };
    if software && m.cpu.run != CpuRun::Running {
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
        Op::SelfIpi { vector } => cpu.write(Reg::Icr, 0x0004_0000 | u64::from(*vector)),
        Op::Eoi => cpu.write(Reg::Eoi, 0),
        Op::Linux { routine } => apic_core::linux::run(*routine, &mut cpu),
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

/// The mirror reaches the engine's states (events, warnings and expect
/// results aside), or the "no explain" figure would measure something else.
fn mirror_matches_engine(scenarios: &[Scenario]) {
    for s in scenarios {
        for p in Profile::ALL {
            let engine = engine::run(s, p).states;
            let (mirror, _) = run_without_explain(s, p);
            let strip = |st: &State| {
                let mut st = st.clone();
                st.events.clear();
                st.warnings.clear();
                st.expect = None;
                st
            };
            let same = engine.len() == mirror.len()
                && engine
                    .iter()
                    .zip(&mirror)
                    .all(|(a, b)| strip(a) == strip(b));
            assert!(same, "core/benches/trace.rs: run_without_explain no longer mirrors engine::run ({} under {p:?}); update it", s.id);
        }
    }
}

fn model(c: &mut Criterion) {
    let scenarios: Vec<_> = builtin::list()
        .iter()
        .filter_map(|b| builtin::get(b.id))
        .collect();
    mirror_matches_engine(&scenarios);
    let mut g = c.benchmark_group("model");
    g.warm_up_time(Duration::from_millis(500));
    g.measurement_time(Duration::from_secs(2));
    g.bench_function("every built-in, every profile", |b| {
        b.iter(|| {
            for s in &scenarios {
                black_box(engine::run_all(black_box(s), &Profile::ALL));
            }
        })
    });
    g.bench_function("every built-in, every profile, no explain", |b| {
        b.iter(|| {
            for s in &scenarios {
                for p in Profile::ALL {
                    black_box(run_without_explain(black_box(s), p));
                }
            }
        })
    });
    g.bench_function("every built-in, all eight profiles", |b| {
        b.iter(|| {
            for s in &scenarios {
                black_box(engine::run_all(black_box(s), &Profile::EVERY));
            }
        })
    });
    for s in &scenarios {
        g.bench_function(s.id.as_str(), |b| {
            b.iter(|| black_box(engine::run_all(black_box(s), &Profile::ALL)))
        });
    }
    g.finish();
}

criterion_group!(benches, model);
criterion_main!(benches);
