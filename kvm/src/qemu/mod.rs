//! A format-v1 scenario on a real QEMU: the `qemu-tcg` profile.
//!
//! QEMU's own local APIC (`hw/intc/apic.c`, used under TCG) runs the guest
//! of `rom.rs`; the steps map onto guest operations exactly as on KVM (the
//! shared `runner::run_on`, with `linux {routine}` steps expanded by the
//! model's own `apic_core::linux::run`), and the state after each step is
//! the guest's own report of its APIC registers. What differs from KVM is
//! how outside events arrive (`machine.rs`): a fixed interrupt or an NMI is
//! an MSI that a second CPU, the sender, writes on the host's behalf, and
//! INIT and SIPI are IPIs from the sender; the timer runs out because the
//! guest writes initial count 1, so an armed timer cannot run out on a
//! halted vCPU.
//! Such steps are refused with their reason.

mod machine;
pub mod rom;

use crate::regs::write_reg;
use crate::runner::{apic_base_refusal, first_refusal, run_on, Flavour, RunOptions, ScenarioError};
use crate::vm::{GuestOp, Handlers, HostEvent, Op as KOp};
use apic_core::format::{Op, Reg, Scenario};
use apic_core::trace::{EventKind, ProfileTrace};
use std::time::Instant;

pub use machine::{binary, Qemu};

/// The profile id of a trace recorded on QEMU.
pub const PROFILE_ID: &str = "qemu-tcg";

/// The model profile a QEMU run is held to.
pub const STANDS_FOR: apic_core::Profile = apic_core::Profile::Qemu;

fn qemu_rule(op: &KOp) -> Option<(EventKind, &'static str)> {
    Some(match op {
        KOp::Guest(GuestOp::WriteApic { .. } | GuestOp::WriteMsr { .. }) => {
            (EventKind::Write, "qemu: guest MMIO/WRMSR")
        }
        KOp::Guest(GuestOp::Cli | GuestOp::Sti | GuestOp::Hlt) => {
            (EventKind::Cpu, "qemu: guest instruction")
        }
        KOp::Host(HostEvent::Nmi) => (
            EventKind::Signal,
            "qemu: the sender CPU's MSI, delivery mode NMI (apic_send_msi() -> apic_bus_deliver())",
        ),
        KOp::Host(HostEvent::Irq { .. }) => (
            EventKind::Accept,
            "qemu: the sender CPU's MSI write to the APIC page, offset 0 (apic_mem_write() -> apic_send_msi())",
        ),
        KOp::Host(HostEvent::TimerFire) => (
            EventKind::Timer,
            "qemu: apic_timer() -> apic_local_deliver(APIC_LVT_TIMER)",
        ),
        _ => return None,
    })
}

/// QEMU under TCG.
pub const QEMU: Flavour = Flavour {
    profile: PROFILE_ID,
    on: "QEMU",
    initial: (
        "QEMU's local APIC after RESET, as the guest firmware reads it before any write",
        "qemu: apic_reset_common()",
    ),
    rule: qemu_rule,
    notes_rule: "qemu: apic-kvm QEMU runner",
    delivery_rule: "qemu: the guest's interrupt handler",
    state_rule: "qemu: info registers (HLT=1)",
    timer_initial: "the guest writes 0xffffffff, so the timer does not expire on its own first; \
                    timer_fire writes initial count 1 and waits for it to run out",
};

/// Why this runner cannot perform a step, if it cannot; checked for every
/// step before QEMU starts. (A fixed interrupt, NMI or timer expiry while
/// the vCPU is halted is refused when the run gets there.)
pub fn refusal(op: &Op) -> Option<String> {
    match op {
        Op::Irq { vector, .. } | Op::SelfIpi { vector } if *vector < 32 => Some(format!(
            "vector {vector:#04x} would reach the guest as an exception vector (below 32)"
        )),
        Op::Sipi { vector }
            if *vector < rom::FIRST_FREE_PAGE || *vector >= 0xa0 =>
        {
            Some(format!(
                "SIPI vector {vector:#04x}: the runner puts its trampoline in free RAM, pages \
                 {:#04x}..0x9f",
                rom::FIRST_FREE_PAGE
            ))
        }
        Op::Write {
            reg: Reg::TscDeadline,
            value,
        } if *value != 0 => Some(
            "IA32_TSC_DEADLINE: QEMU's own APIC has no TSC-deadline timer (TCG lists \
             CPUID_EXT_TSC_DEADLINE_TIMER as missing in TCG_EXT_FEATURES, target/i386/cpu.c, and \
             apic_next_timer() in hw/intc/apic_common.c knows one-shot and periodic only)"
                .into(),
        ),
        Op::Write {
            reg: Reg::ApicBase,
            value,
        } => apic_base_refusal(*value),
        Op::Write { reg, value } => write_reg(reg.name(), *value, true).err(),
        _ => None,
    }
}

/// The first step this runner cannot perform, as an error.
pub fn check(scenario: &Scenario) -> Result<(), ScenarioError> {
    first_refusal(scenario, QEMU.on, refusal)
}

/// Runs `scenario` on QEMU and returns its trace (profile id
/// [`PROFILE_ID`]) and QEMU's version. The scenario runs on QEMU's boot CPU,
/// or on the second CPU when its processor is an AP (then the boot CPU is
/// the sender), so INIT puts an AP into wait-for-SIPI and sends a BSP back
/// to the firmware, as QEMU's `do_cpu_init()` does.
pub fn run_scenario(
    scenario: &Scenario,
    options: &RunOptions,
) -> Result<(ProfileTrace, String), ScenarioError> {
    check(scenario)?;
    let handlers = match scenario.handlers {
        apic_core::format::Handlers::AutoEoi => Handlers::AutoEoi,
        apic_core::format::Handlers::Manual => Handlers::Manual,
    };
    let started = Instant::now();
    let on_ap = scenario.processor == apic_core::format::Processor::Ap;
    let mut q = Qemu::new(handlers, on_ap).map_err(ScenarioError::Host)?;
    let initial = q.state().clone();
    let how = format!("{} (QEMU {})", QEMU.initial.0, q.version);
    let version = q.version.clone();
    let trace = run_on(
        &mut q, &QEMU, initial, how, !on_ap, scenario, options, started,
    )?;
    Ok((trace, version))
}
