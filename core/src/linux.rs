//! The guest kernel routines a scenario can run with `linux {routine}`,
//! written as the Linux source performs them (arch/x86/kernel/apic/apic.c
//! and arch/x86/kernel/smpboot.c; each routine names the version it
//! follows). They drive the CPU only through `GuestCpu`, so the model and
//! the host-KVM runner execute the very same register accesses.

use crate::apic::{
    VectorBits, APIC_IRR, APIC_ISR, APIC_LVT_LINT0, APIC_LVT_LINT1, APIC_LVT_PMC, APIC_LVT_THERMAL,
    APIC_LVT_TIMER, APIC_SPIV, APIC_TPR, LVT_MASKED, SPIV_APIC_ENABLED, SPIV_FOCUS_DISABLED,
};
use crate::format::{Reg, Routine};
use crate::guest::GuestCpu;
use crate::outcome::Guest;

/// `ERROR_APIC_VECTOR` (arch/x86/include/asm/irq_vectors.h).
const ERROR_APIC_VECTOR: u64 = 0xfe;
/// `SPURIOUS_APIC_VECTOR`.
const SPURIOUS_APIC_VECTOR: u32 = 0xff;
/// `apic_pending_intr_clear()`'s bound since commit cc8bf191378c:
/// "512 loops are way oversized and give the APIC a chance to obey".
const PENDING_CLEAR_LOOPS: usize = 512;

impl Routine {
    /// Whether another CPU performs it (so it happens even while this CPU
    /// is halted or waiting for SIPI): only `wakeup_cpu0_nmi`.
    pub fn is_external(self) -> bool {
        self == Routine::WakeupCpu0Nmi
    }
}

/// Run a routine on a CPU.
pub fn run(routine: Routine, cpu: &mut dyn GuestCpu) {
    match routine {
        Routine::ClearLocalApic => clear_local_apic(cpu),
        Routine::ApicSoftDisable => apic_soft_disable(cpu),
        Routine::NativeCpuDisable => {
            cpu.say(Guest::Enter(Routine::NativeCpuDisable));
            apic_soft_disable(cpu);
        }
        Routine::SetupLocalApic => setup_local_apic(cpu),
        Routine::ApicPendingIntrClear => apic_pending_intr_clear(cpu),
        Routine::PlayDead => {
            cpu.say(Guest::PlayDeadCli);
            cpu.cli();
            cpu.say(Guest::PlayDeadHlt);
            cpu.hlt();
        }
        Routine::WakeupCpu0Nmi => {
            cpu.say(Guest::Enter(Routine::WakeupCpu0Nmi));
            cpu.nmi_from_another_cpu();
            if cpu.running() {
                cpu.say(Guest::Cpu0Restarts);
            }
        }
        Routine::LocalIrqEnable => {
            cpu.say(Guest::Enter(Routine::LocalIrqEnable));
            cpu.sti();
        }
        Routine::LocalIrqDisable => {
            cpu.say(Guest::Enter(Routine::LocalIrqDisable));
            cpu.cli();
        }
        Routine::StartSecondary => {
            cpu.say(Guest::Enter(Routine::StartSecondary));
            setup_local_apic(cpu);
            cpu.say(Guest::StartSecondarySti);
            cpu.sti();
        }
    }
}

/// `clear_local_APIC()` (arch/x86/kernel/apic/apic.c, v5.2): mask LVTERR
/// first (with a non-zero vector: masking an entry with vector 0 can raise
/// an APIC error), then OR the mask into the other entries, then write
/// plain "masked" to timer, LINT0, LINT1, error and PMC (thermal keeps its
/// value, masked), then clear ESR. IRR, ISR and TPR are left alone.
fn clear_local_apic(cpu: &mut dyn GuestCpu) {
    cpu.say(Guest::Enter(Routine::ClearLocalApic));
    let m = u64::from(LVT_MASKED);
    cpu.write(Reg::LvtError, ERROR_APIC_VECTOR | m);
    for (reg, offset) in [
        (Reg::LvtTimer, APIC_LVT_TIMER),
        (Reg::LvtLint0, APIC_LVT_LINT0),
        (Reg::LvtLint1, APIC_LVT_LINT1),
        (Reg::LvtPmc, APIC_LVT_PMC),
        (Reg::LvtThermal, APIC_LVT_THERMAL),
    ] {
        let v = u64::from(cpu.read(offset)) | m;
        cpu.write(reg, v);
    }
    for reg in [
        Reg::LvtTimer,
        Reg::LvtLint0,
        Reg::LvtLint1,
        Reg::LvtError,
        Reg::LvtPmc,
    ] {
        cpu.write(reg, m);
    }
    cpu.write(Reg::Esr, 0);
}

/// `apic_soft_disable()` (commit 60dcaad5736f): `clear_local_APIC()`,
/// then SPIV &= ~APIC_SPIV_APIC_ENABLED.
fn apic_soft_disable(cpu: &mut dyn GuestCpu) {
    cpu.say(Guest::Enter(Routine::ApicSoftDisable));
    clear_local_apic(cpu);
    let spiv = cpu.read(APIC_SPIV) & !SPIV_APIC_ENABLED;
    cpu.write(Reg::Spiv, u64::from(spiv));
}

/// `setup_local_APIC()` as in the 2019 work-in-progress tree of Thomas
/// Gleixner's report: TPR = 0 (v5.2: `value &= ~APIC_TPRI_MASK`),
/// `if (apic_enabled()) apic_pending_intr_clear();`, enable the APIC with
/// SPURIOUS_APIC_VECTOR (focus checking on), then
/// `apic_pending_intr_clear()`. The LDR, LINT0/LINT1 and ESR set-up that
/// follow in the kernel do not touch IRR/ISR and are not modelled.
fn setup_local_apic(cpu: &mut dyn GuestCpu) {
    cpu.say(Guest::Enter(Routine::SetupLocalApic));
    let tpr = cpu.read(APIC_TPR) & !0xff;
    cpu.write(Reg::Tpr, u64::from(tpr));
    let enabled = cpu.read(APIC_SPIV) & SPIV_APIC_ENABLED != 0;
    cpu.say(Guest::SetupClearsFirst(enabled));
    if enabled {
        apic_pending_intr_clear(cpu);
    }
    let mut spiv = cpu.read(APIC_SPIV) & !0xff;
    spiv |= SPIV_APIC_ENABLED;
    spiv &= !SPIV_FOCUS_DISABLED;
    spiv |= SPURIOUS_APIC_VECTOR;
    cpu.say(Guest::SetupEnables);
    cpu.write(Reg::Spiv, u64::from(spiv));
    apic_pending_intr_clear(cpu);
}

/// The 256 bits of IRR or ISR as software reads them: eight registers.
fn read_bits(cpu: &mut dyn GuestCpu, base: u32) -> VectorBits {
    let mut regs = [0u32; 8];
    for (i, r) in (0u32..).zip(regs.iter_mut()) {
        *r = cpu.read(base + 0x10 * i);
    }
    VectorBits::from_regs(regs)
}

/// `apic_pending_intr_clear()` as reworked by commit cc8bf191378c (merged
/// for 5.4): up to 512 rounds of `apic_check_and_ack()` (read IRR and ISR;
/// if ISR is not empty, EOI once per set bit and go again; else go again
/// while IRR is not empty), then `pr_warn("APIC: Stale IRR: %256pb ISR:
/// %256pb\n", ...)` with the last values read. That is the wording used
/// here; v5.2 had a `WARN_ON(max_loops <= 0)` with a TSC-based bound
/// instead. A round that reads exactly what the round before read, with
/// nothing to acknowledge, means every later round reads it too (nothing
/// in this CPU moves an IRR bit when IF=0 or the APIC offers none), so the
/// loop stops there and the outcome is the same as after round 512.
fn apic_pending_intr_clear(cpu: &mut dyn GuestCpu) {
    cpu.say(Guest::Enter(Routine::ApicPendingIntrClear));
    let mut last = (VectorBits::default(), VectorBits::default());
    let mut previous = None;
    let mut acked = 0usize;
    for round in 1..=PENDING_CLEAR_LOOPS {
        let irr = read_bits(cpu, APIC_IRR);
        let isr = read_bits(cpu, APIC_ISR);
        last = (irr, isr);
        if !isr.is_empty() {
            for _ in isr.vectors() {
                cpu.say(Guest::Ack);
                cpu.write(Reg::Eoi, 0);
                acked += 1;
            }
            previous = None;
            continue;
        }
        if irr.is_empty() {
            cpu.say(Guest::PendingClean {
                rounds: round,
                acked,
            });
            return;
        }
        if previous == Some(irr) {
            cpu.say(Guest::PendingStuck {
                irr: irr.vectors(),
                if_flag: cpu.if_flag(),
            });
            break;
        }
        previous = Some(irr);
    }
    cpu.say(Guest::Warning(format!(
        "APIC: Stale IRR: {} ISR: {}",
        last.0.kernel_bitmap(),
        last.1.kernel_bitmap()
    )));
}
