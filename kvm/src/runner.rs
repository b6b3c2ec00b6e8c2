//! A format-v1 scenario on the host's KVM: the `kvm-host` profile.
//!
//! Software steps run as guest operations of [`Vm`]; `linux {routine}`
//! steps run `apic_core::linux::run`, the very expansion the model uses,
//! through [`GuestCpu`] implemented on the vCPU; outside events are
//! injected through KVM. After every step the architectural state is read
//! (KVM_GET_LAPIC, KVM_GET_REGS, KVM_GET_MP_STATE, KVM_GET_MSRS) and becomes
//! one [`State`] of the trace. The events are few and factual: what the
//! guest did, what the host injected, which vectors the guest took.

use crate::host::HostError;
use crate::regs::write_reg;
use crate::vm::{
    GuestOp, Handlers, HostEvent, Op as KOp, RunError, StepReport, Trigger, VcpuState, Vm, VmConfig,
};
use crate::{layout, HostFacts};
use apic_core::compare::value;
use apic_core::format::{CpuRun, Field, Op, Processor, Reg, Routine, Scenario};
use apic_core::guest::GuestCpu;
use apic_core::outcome::Guest;
use apic_core::trace::{Event, EventKind, ExpectResult, ProfileTrace, State, VectorBits};
use std::fmt;
use std::time::{Duration, Instant};

/// The profile id of a trace recorded on the host's KVM.
pub const PROFILE_ID: &str = "kvm-host";

/// The ICR value of a fixed, edge-triggered self-IPI (shorthand 01, bits
/// 19:18), as the model's `self_ipi` writes it.
const ICR_SELF_FIXED: u64 = 0x0004_0000;

/// IA32_TIME_STAMP_COUNTER.
const IA32_TSC: u32 = 0x10;

/// How far in the future an armed TSC deadline is put: 2^40 cycles, about
/// 18 minutes at 1 GHz (a run takes seconds).
const FUTURE: u64 = 1 << 40;

/// How a scenario is run.
#[derive(Clone, Debug)]
pub struct RunOptions {
    /// The whole run may take at most this long (each guest operation has
    /// its own, shorter bound in [`VmConfig`]).
    pub time_limit: Duration,
    /// Checkpoints (`expect` steps) are evaluated for this model profile
    /// (the one the host stands for); `None` leaves them out.
    pub expect_as: Option<apic_core::Profile>,
    /// Trace fields this host cannot show (`HostFacts::unobservable`):
    /// checkpoints skip them and say so.
    pub unobservable: Vec<Field>,
}

impl Default for RunOptions {
    fn default() -> Self {
        Self {
            time_limit: Duration::from_secs(60),
            expect_as: None,
            unobservable: Vec::new(),
        }
    }
}

impl RunOptions {
    /// Options for the host `facts` describe: checkpoints as the profile it
    /// stands for, without the fields it cannot show.
    pub fn for_host(facts: &HostFacts) -> Self {
        Self {
            expect_as: apic_core::Profile::from_id(facts.profile),
            unobservable: facts
                .unobservable
                .iter()
                .filter_map(|f| Field::from_name(f))
                .collect(),
            ..Self::default()
        }
    }
}

/// Why a scenario did not run to its end on the host.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ScenarioError {
    /// The host cannot run a VM at all.
    Host(HostError),
    /// A step this runner cannot express on its target (found before the
    /// VM starts, or when the guest got there).
    Refused {
        /// What it runs on: `KVM` or `QEMU`.
        on: &'static str,
        /// The step (1-based, as in the trace).
        step: usize,
        /// Its label.
        label: String,
        /// Why.
        reason: String,
    },
    /// The guest faulted, hung or its target failed during a step.
    Failed {
        /// What it runs on: `KVM` or `QEMU`.
        on: &'static str,
        /// The step.
        step: usize,
        /// Its label.
        label: String,
        /// What happened.
        error: RunError,
    },
    /// The run went over [`RunOptions::time_limit`].
    TooLong {
        /// The step it was in.
        step: usize,
        /// Its label.
        label: String,
        /// The limit.
        limit: Duration,
    },
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ScenarioError::Host(e) => write!(f, "{e}"),
            ScenarioError::Refused {
                on,
                step,
                label,
                reason,
            } => write!(f, "step {step} ({label}) cannot run on {on}: {reason}"),
            ScenarioError::Failed {
                on,
                step,
                label,
                error,
            } => {
                write!(f, "step {step} ({label}) failed on {on}: {error}")
            }
            ScenarioError::TooLong { step, label, limit } => write!(
                f,
                "step {step} ({label}): the run took longer than {} s and was stopped",
                limit.as_secs()
            ),
        }
    }
}

impl std::error::Error for ScenarioError {}

/// Why this runner cannot perform a step, if it cannot; checked for every
/// step before the VM starts.
pub fn refusal(scenario: &Scenario, op: &Op) -> Option<String> {
    match op {
        Op::Irq { vector, .. } if *vector < 16 => Some(format!(
            "vector {vector:#04x} is an illegal APIC vector (0..15); KVM accepts it without an \
             error and the guest could not tell it from an exception"
        )),
        Op::SelfIpi { vector } if *vector < 32 => Some(format!(
            "vector {vector:#04x} would reach the guest as an exception vector (below 32)"
        )),
        Op::Sipi { vector } if *vector < layout::FIRST_FREE_SIPI_PAGE => Some(format!(
            "SIPI vector {vector:#04x} would start the vCPU inside the runner's guest code \
             (pages 0..{:#04x}); use {:#04x} or above",
            layout::FIRST_FREE_SIPI_PAGE,
            layout::FIRST_FREE_SIPI_PAGE
        )),
        Op::Init if scenario.processor == Processor::Bsp => Some(
            "INIT to the BSP: KVM resets it and runs it from the reset vector 0xfffffff0, where \
             this runner's guest has no code (use \"processor\": \"ap\")"
                .into(),
        ),
        Op::Write {
            reg: Reg::ApicBase,
            value,
        } => apic_base_refusal(*value),
        Op::Write { reg, value } => write_reg(reg.name(), *value, false).err(),
        _ => None,
    }
}

/// An IA32_APIC_BASE value the runners' guests cannot follow: x2APIC mode
/// (they use xAPIC MMIO) or a moved APIC page (they reach it at
/// 0xfee00000).
pub fn apic_base_refusal(value: u64) -> Option<String> {
    if value & (1 << 10) != 0 {
        Some("IA32_APIC_BASE bit 10 (x2APIC mode): the runner's guest uses xAPIC MMIO".into())
    } else if value & !0xfff != crate::APIC_BASE_ADDR {
        Some(format!(
            "IA32_APIC_BASE {value:#x} moves the APIC page; the runner's guest reaches it at {:#x}",
            crate::APIC_BASE_ADDR
        ))
    } else {
        None
    }
}

/// The first step this runner cannot perform, as an error.
pub fn check(scenario: &Scenario) -> Result<(), ScenarioError> {
    first_refusal(scenario, KVM.on, |op| refusal(scenario, op))
}

/// The first step `refusal` refuses, as an error of the runner on `on`.
pub fn first_refusal(
    scenario: &Scenario,
    on: &'static str,
    refusal: impl Fn(&Op) -> Option<String>,
) -> Result<(), ScenarioError> {
    for (i, step) in scenario.steps.iter().enumerate() {
        if let Some(reason) = refusal(&step.op) {
            return Err(ScenarioError::Refused {
                on,
                step: i + 1,
                label: step.display_label().into_owned(),
                reason,
            });
        }
    }
    Ok(())
}

/// What runs a scenario's guest operations and outside events: the host's
/// KVM ([`Vm`]) or QEMU (`crate::qemu`). Each step returns the state after
/// it, read from the target.
pub trait Target {
    /// Performs one operation.
    fn step(&mut self, op: KOp) -> Result<StepReport, RunError>;
}

impl Target for Vm {
    fn step(&mut self, op: KOp) -> Result<StepReport, RunError> {
        Vm::step(self, op)
    }
}

/// How a target's trace names itself and its events.
pub struct Flavour {
    /// The trace's profile id.
    pub profile: &'static str,
    /// The target in messages: `KVM`, `QEMU`.
    pub on: &'static str,
    /// The initial state's event: its text and rule.
    pub initial: (&'static str, &'static str),
    /// The rule of the event an operation makes (guest operations and
    /// outside events), or `None` for none.
    pub rule: fn(&KOp) -> Option<(EventKind, &'static str)>,
    /// Rule of the runner's notes.
    pub notes_rule: &'static str,
    /// Rule of the deliveries.
    pub delivery_rule: &'static str,
    /// Rule of a step skipped because the CPU is halted or waiting.
    pub state_rule: &'static str,
    /// How a non-zero `timer_initial` is translated, said as an event.
    pub timer_initial: &'static str,
}

fn kvm_rule(op: &KOp) -> Option<(EventKind, &'static str)> {
    Some(match op {
        KOp::Guest(GuestOp::WriteApic { .. } | GuestOp::WriteMsr { .. }) => {
            (EventKind::Write, "host: guest MMIO/WRMSR")
        }
        KOp::Guest(GuestOp::Cli | GuestOp::Sti | GuestOp::Hlt) => {
            (EventKind::Cpu, "host: guest instruction")
        }
        KOp::Host(HostEvent::Nmi) => (EventKind::Signal, "host: KVM_NMI"),
        KOp::Host(HostEvent::Init | HostEvent::Sipi { .. }) => {
            (EventKind::Signal, "host: KVM_SIGNAL_MSI")
        }
        KOp::Host(HostEvent::Irq { .. } | HostEvent::Msi { .. }) => {
            (EventKind::Accept, "host: KVM_SIGNAL_MSI")
        }
        KOp::Host(HostEvent::TimerFire) => (EventKind::Timer, "host: timer expiry"),
        _ => return None,
    })
}

/// The host's KVM.
pub const KVM: Flavour = Flavour {
    profile: PROFILE_ID,
    on: "KVM",
    initial: (
        "a new vCPU with the in-kernel local APIC",
        "host: KVM_CREATE_VCPU, KVM_GET_LAPIC",
    ),
    rule: kvm_rule,
    notes_rule: "host: apic-kvm",
    delivery_rule: "host: KVM_RUN",
    state_rule: "host: KVM_GET_MP_STATE",
    timer_initial: "the guest writes 0xffffffff, so the timer does not expire on its own \
                    first; timer_fire sets the current count to 1",
};

/// Runs `scenario` on the host's KVM and returns its trace (profile id
/// [`PROFILE_ID`]): `states[0]` the state before any step, `states[k]` the
/// state after step k.
pub fn run_scenario(
    scenario: &Scenario,
    options: &RunOptions,
) -> Result<ProfileTrace, ScenarioError> {
    check(scenario)?;
    let bsp = scenario.processor == Processor::Bsp;
    let config = VmConfig {
        handlers: match scenario.handlers {
            apic_core::format::Handlers::AutoEoi => Handlers::AutoEoi,
            apic_core::format::Handlers::Manual => Handlers::Manual,
        },
        bsp,
        ..VmConfig::default()
    };
    let started = Instant::now();
    let mut vm = Vm::new(config).map_err(ScenarioError::Host)?;
    let initial = vm.initial().clone();
    let how = format!(
        "{} ({}), read back after the guest's first pass",
        KVM.initial.0,
        if bsp {
            "IA32_APIC_BASE.BSP = 1"
        } else {
            "an AP: IA32_APIC_BASE.BSP cleared"
        }
    );
    run_on(
        &mut vm, &KVM, initial, how, bsp, scenario, options, started,
    )
}

/// Runs `scenario` on `target`, whose state before the first step is
/// `initial` (described by `how`), and returns its trace.
#[allow(clippy::too_many_arguments)]
pub fn run_on(
    target: &mut dyn Target,
    flavour: &'static Flavour,
    initial: VcpuState,
    how: String,
    bsp: bool,
    scenario: &Scenario,
    options: &RunOptions,
    started: Instant,
) -> Result<ProfileTrace, ScenarioError> {
    let mut states = Vec::with_capacity(scenario.steps.len() + 1);
    states.push(state_of(
        0,
        "initial state".into(),
        &initial,
        vec![event(EventKind::Reset, None, how, flavour.initial.1)],
        Vec::new(),
    ));
    let mut cpu = HostCpu {
        vm: target,
        flavour,
        bsp,
        last: initial,
        events: Vec::new(),
        warnings: Vec::new(),
        stop: None,
        deadline: started + options.time_limit,
        rule: "host",
    };
    let mut warned = false;
    for (i, step) in scenario.steps.iter().enumerate() {
        let label = step.display_label().into_owned();
        cpu.perform(&step.op);
        let (events, warnings) = (
            std::mem::take(&mut cpu.events),
            std::mem::take(&mut cpu.warnings),
        );
        if let Some(stop) = cpu.stop.take() {
            let step = i + 1;
            return Err(match stop {
                Stop::Run(error) => match error.kind {
                    crate::RunErrorKind::Refused(reason) => ScenarioError::Refused {
                        on: flavour.on,
                        step,
                        label,
                        reason,
                    },
                    _ => ScenarioError::Failed {
                        on: flavour.on,
                        step,
                        label,
                        error,
                    },
                },
                Stop::TooLong => ScenarioError::TooLong {
                    step,
                    label,
                    limit: options.time_limit,
                },
            });
        }
        warned |= !warnings.is_empty();
        let mut state = state_of(i + 1, label, &cpu.last, events, warnings);
        if let (Op::Expect(e), Some(p)) = (&step.op, options.expect_as) {
            if e.applies_to(p) {
                state.expect = Some(evaluate(e, &state, warned, &options.unobservable));
            }
        }
        states.push(state);
    }
    Ok(ProfileTrace {
        profile: flavour.profile.into(),
        states,
    })
}

/// A checkpoint held to a host state, leaving out what the host cannot show.
fn evaluate(
    e: &apic_core::format::Expect,
    s: &State,
    warned: bool,
    unobservable: &[Field],
) -> ExpectResult {
    let mut bad = Vec::new();
    let mut skipped = Vec::new();
    for (field, want) in &e.checks {
        if unobservable.contains(field) {
            skipped.push(field.name());
            continue;
        }
        let got = value(*field, s, warned);
        if &got != want {
            bad.push(format!(
                "{field}: expected {}, got {}",
                want.show(*field),
                got.show(*field)
            ));
        }
    }
    let mut detail = if bad.is_empty() {
        format!("{} as expected", e.describe())
    } else {
        bad.join("; ")
    };
    if !skipped.is_empty() {
        detail.push_str(&format!(
            " (not checked, this host cannot show: {})",
            skipped.join(", ")
        ));
    }
    ExpectResult {
        ok: bad.is_empty(),
        detail: detail.into(),
    }
}

fn event(kind: EventKind, vector: Option<u8>, text: String, rule: &'static str) -> Event {
    Event {
        kind,
        vector,
        text: text.into(),
        rule: rule.into(),
    }
}

/// A trace state from what KVM reports.
pub fn state_of(
    step: usize,
    label: String,
    s: &VcpuState,
    events: Vec<Event>,
    warnings: Vec<String>,
) -> State {
    let l = &s.lapic;
    State {
        step,
        label: label.into(),
        irr: VectorBits::from(l.irr().as_slice()),
        isr: VectorBits::from(l.isr().as_slice()),
        tmr: VectorBits::from(l.tmr().as_slice()),
        tpr: l.tpr() as u8,
        ppr: l.ppr() as u8,
        spiv: l.spiv(),
        sw_enabled: s.hw_enabled() && l.sw_enabled(),
        if_flag: s.if_flag(),
        cpu: CpuRun::from_name(s.mp_state.as_trace()).unwrap_or(CpuRun::Running),
        lvt_timer: l.lvt_timer(),
        lvt_lint0: l.lvt_lint0(),
        lvt_lint1: l.lvt_lint1(),
        lvt_error: l.lvt_error(),
        lvt_pmc: l.lvt_pmc(),
        lvt_thermal: l.lvt_thermal(),
        apicv: None,
        events: events.into(),
        warnings,
        expect: None,
    }
}

enum Stop {
    Run(RunError),
    TooLong,
}

/// The guest side of a scenario on a real vCPU.
struct HostCpu<'a> {
    vm: &'a mut dyn Target,
    flavour: &'static Flavour,
    bsp: bool,
    last: VcpuState,
    events: Vec<Event>,
    warnings: Vec<String>,
    stop: Option<Stop>,
    deadline: Instant,
    /// The rule of guest events: `linux: <routine>()` inside a routine.
    rule: &'static str,
}

impl HostCpu<'_> {
    /// One operation of the VM; after an error every later one is skipped.
    fn op(&mut self, op: KOp) -> Option<StepReport> {
        if self.stop.is_some() {
            return None;
        }
        if Instant::now() > self.deadline {
            self.stop = Some(Stop::TooLong);
            return None;
        }
        match self.vm.step(op) {
            Ok(r) => {
                self.record(&r);
                self.last = r.state.clone();
                Some(r)
            }
            Err(e) => {
                self.stop = Some(Stop::Run(e));
                None
            }
        }
    }

    fn record(&mut self, r: &StepReport) {
        if let Some((kind, rule)) = (self.flavour.rule)(&r.op) {
            let who = if matches!(r.op, KOp::Guest(_)) {
                "the guest"
            } else {
                "the host"
            };
            self.events
                .push(event(kind, None, format!("{who}: {}", r.op), rule));
        }
        for n in &r.notes {
            self.events.push(event(
                EventKind::Note,
                None,
                n.clone(),
                self.flavour.notes_rule,
            ));
        }
        for d in &r.deliveries {
            let text = if d.vector == 2 {
                "the guest took an NMI".to_string()
            } else if d.eoi {
                format!(
                    "the guest took vector {:#04x}; its handler wrote EOI",
                    d.vector
                )
            } else {
                format!(
                    "the guest took vector {:#04x}; its handler returned without EOI",
                    d.vector
                )
            };
            let kind = if d.vector == 2 {
                EventKind::Signal
            } else {
                EventKind::Dispatch
            };
            self.events.push(event(
                kind,
                Some(d.vector),
                text,
                self.flavour.delivery_rule,
            ));
        }
    }

    /// A scenario's non-zero TSC deadline means "armed, in the future" (the
    /// model has no clock; `timer_fire` makes it expire): the guest's TSC
    /// has long passed a small value such as 0x100000, so the guest writes
    /// its current TSC (RDMSR IA32_TIME_STAMP_COUNTER) plus [`FUTURE`].
    fn future_deadline(&mut self, value: u64) -> u64 {
        let tsc = self
            .op(KOp::Guest(GuestOp::ReadMsr { msr: IA32_TSC }))
            .map(|r| {
                let lo = r.results.first().copied().unwrap_or(0);
                let hi = r.results.get(1).copied().unwrap_or(0);
                u64::from(hi) << 32 | u64::from(lo)
            })
            .unwrap_or(0);
        let deadline = tsc.saturating_add(FUTURE);
        self.events.push(event(
            EventKind::Timer,
            None,
            format!(
                "tsc_deadline {value:#x} stands for a deadline in the future: the guest writes its TSC \
                 ({tsc:#x}) + {FUTURE:#x}; timer_fire makes it expire"
            ),
            "host: apic-kvm runner",
        ));
        deadline
    }

    /// Performs one scenario step.
    fn perform(&mut self, op: &Op) {
        let software = match op {
            Op::Write { .. } | Op::Cli | Op::Sti | Op::Hlt | Op::SelfIpi { .. } | Op::Eoi => true,
            Op::Linux { routine } => !routine.is_external(),
            _ => false,
        };
        if software && !self.running() {
            self.events.push(event(
                EventKind::Cpu,
                None,
                format!(
                    "not executed: the vCPU is {} ({})",
                    self.last.mp_state.as_trace(),
                    op.describe()
                ),
                self.flavour.state_rule,
            ));
            return;
        }
        match op {
            Op::Write { reg, value } => self.write(*reg, *value),
            Op::Cli => self.cli(),
            Op::Sti => self.sti(),
            Op::Hlt => self.hlt(),
            Op::SelfIpi { vector } => self.write(Reg::Icr, ICR_SELF_FIXED | u64::from(*vector)),
            Op::Eoi => self.write(Reg::Eoi, 0),
            Op::Linux { routine } => {
                self.rule = routine_rule(*routine);
                apic_core::linux::run(*routine, self);
                self.rule = "host";
            }
            Op::Irq { vector, level } => {
                self.op(KOp::Host(HostEvent::Irq {
                    vector: *vector,
                    trigger: if *level {
                        Trigger::Level
                    } else {
                        Trigger::Edge
                    },
                }));
            }
            Op::Nmi => {
                self.op(KOp::Host(HostEvent::Nmi));
            }
            Op::Init => {
                self.op(KOp::Host(HostEvent::Init));
            }
            Op::Sipi { vector } => {
                self.op(KOp::Host(HostEvent::Sipi { vector: *vector }));
            }
            Op::TimerFire => {
                self.op(KOp::Host(HostEvent::TimerFire));
            }
            Op::Expect(_) => {}
            Op::Note { text } => {
                self.events
                    .push(event(EventKind::Note, None, text.clone(), "scenario"))
            }
        }
    }
}

fn routine_rule(r: Routine) -> &'static str {
    match r {
        Routine::ClearLocalApic => "linux: clear_local_APIC()",
        Routine::ApicSoftDisable => "linux: apic_soft_disable()",
        Routine::NativeCpuDisable => "linux: native_cpu_disable()",
        Routine::SetupLocalApic => "linux: setup_local_APIC()",
        Routine::ApicPendingIntrClear => "linux: apic_pending_intr_clear()",
        Routine::PlayDead => "linux: play_dead()",
        Routine::WakeupCpu0Nmi => "linux: wakeup_cpu0_nmi()",
        Routine::LocalIrqEnable => "linux: local_irq_enable()",
        Routine::LocalIrqDisable => "linux: local_irq_disable()",
        Routine::StartSecondary => "linux: start_secondary()",
    }
}

/// What the guest kernel says, in a few words.
fn guest_text(g: &Guest) -> String {
    match g {
        Guest::Enter(r) => format!("{r}()"),
        Guest::SetupClearsFirst(true) => {
            "if (apic_enabled()) apic_pending_intr_clear(): taken".into()
        }
        Guest::SetupClearsFirst(false) => {
            "if (apic_enabled()) apic_pending_intr_clear(): not taken".into()
        }
        Guest::SetupEnables => "SPIV = APIC_SPIV_APIC_ENABLED | SPURIOUS_APIC_VECTOR".into(),
        Guest::PlayDeadCli => "play_dead_common(): local_irq_disable()".into(),
        Guest::PlayDeadHlt => "hlt_play_dead(): hlt".into(),
        Guest::Cpu0Restarts => "the NMI woke CPU0: start_cpu0()".into(),
        Guest::StartSecondarySti => "start_secondary(): local_irq_enable()".into(),
        Guest::Ack => "ack_APIC_irq(): write EOI".into(),
        Guest::PendingClean { rounds, acked } => {
            format!("apic_pending_intr_clear(): IRR empty after {rounds} round(s), {acked} EOI(s)")
        }
        Guest::PendingStuck { irr, if_flag, acked } => format!(
            "apic_pending_intr_clear(): IRR stays {irr:02x?} (IF={}, {acked} EOI(s)) until the TSC bound runs out",
            u8::from(*if_flag)
        ),
        Guest::WarnOn(line) | Guest::Warning(line) => line.clone(),
        Guest::EnterAs(r, k) => format!("{r}() ({k})"),
        Guest::SetupSoftDisablesFirst => {
            "setup_local_APIC(): SPIV &= ~APIC_SPIV_APIC_ENABLED first".into()
        }
        Guest::AckV54 => "apic_check_and_ack(): write EOI".into(),
        Guest::StaleIrr(stale) => stale.line.clone(),
    }
}

impl GuestCpu for HostCpu<'_> {
    fn read(&mut self, offset: u32) -> u32 {
        let Ok(offset) = u16::try_from(offset) else {
            return 0;
        };
        self.op(KOp::Guest(GuestOp::ReadApic { offset }))
            .and_then(|r| r.results.first().copied())
            .unwrap_or(0)
    }

    fn write(&mut self, reg: Reg, value: u64) {
        let value = match reg {
            Reg::TscDeadline if value != 0 => self.future_deadline(value),
            Reg::TimerInitial if value != 0 && value != u64::from(u32::MAX) => {
                self.events.push(event(
                    EventKind::Timer,
                    None,
                    format!(
                        "timer_initial {value:#x} stands for a count that runs out at timer_fire: {}",
                        self.flavour.timer_initial
                    ),
                    "host: apic-kvm runner",
                ));
                u64::from(u32::MAX)
            }
            _ => value,
        };
        match write_reg(reg.name(), value, self.bsp) {
            Ok(ops) => {
                for op in ops {
                    self.op(KOp::Guest(op));
                }
            }
            Err(e) => {
                if self.stop.is_none() {
                    self.stop = Some(Stop::Run(RunError {
                        op: format!("write {reg} {value:#x}"),
                        kind: crate::RunErrorKind::Refused(e),
                    }));
                }
            }
        }
    }

    fn cli(&mut self) {
        self.op(KOp::Guest(GuestOp::Cli));
    }

    fn sti(&mut self) {
        self.op(KOp::Guest(GuestOp::Sti));
    }

    fn hlt(&mut self) {
        self.op(KOp::Guest(GuestOp::Hlt));
    }

    fn nmi_from_another_cpu(&mut self) {
        self.op(KOp::Host(HostEvent::Nmi));
    }

    fn running(&self) -> bool {
        self.last.mp_state.as_trace() == "running"
    }

    fn if_flag(&self) -> bool {
        self.last.if_flag()
    }

    fn processor(&self) -> Processor {
        if self.bsp {
            Processor::Bsp
        } else {
            Processor::Ap
        }
    }

    fn say(&mut self, what: Guest) {
        let text = guest_text(&what);
        match what {
            Guest::WarnOn(_) | Guest::Warning(_) => {
                self.warnings.push(text.clone());
                self.events
                    .push(event(EventKind::Warning, None, text, self.rule));
            }
            _ => self
                .events
                .push(event(EventKind::Guest, None, text, self.rule)),
        }
    }
}
