//! The guest kernel routines a scenario can run with `linux {routine}`,
//! written as the Linux source performs them (arch/x86/kernel/apic/apic.c
//! and arch/x86/kernel/smpboot.c; each routine names the version it
//! follows). They drive the CPU only through `GuestCpu`, so the model and
//! the host-KVM runner execute the very same register accesses. `run` is
//! the seed's 2019 tree; `run_as` picks the kernel (`Kernel`): v5.2
//! mainline and v5.4 differ in `native_cpu_disable()`,
//! `setup_local_APIC()` and `apic_pending_intr_clear()` (each routine
//! below quotes the lines it follows, with the version and commit).

use crate::apic::{
    VectorBits, APIC_IRR, APIC_ISR, APIC_LVT_LINT0, APIC_LVT_LINT1, APIC_LVT_PMC, APIC_LVT_THERMAL,
    APIC_LVT_TIMER, APIC_SPIV, APIC_TPR, LVT_MASKED, SPIV_APIC_ENABLED,
};
use crate::format::{Kernel, Processor, Reg, Routine};
use crate::guest::GuestCpu;
use crate::outcome::{Guest, StaleIrr};

/// `ERROR_APIC_VECTOR` (arch/x86/include/asm/irq_vectors.h).
const ERROR_APIC_VECTOR: u64 = 0xfe;
/// `SPURIOUS_APIC_VECTOR`.
const SPURIOUS_APIC_VECTOR: u32 = 0xff;
/// A bound on the model's rounds of `apic_pending_intr_clear()`, so that
/// it always ends; every round before it either acknowledges an ISR bit
/// or reads a different IRR, so it is never reached in practice. Reaching
/// it counts as the kernel's TSC bound running out.
const MAX_ROUNDS: usize = 1024;

impl Routine {
    /// Whether another CPU performs it (so it happens even while this CPU
    /// is halted or waiting for SIPI): only `wakeup_cpu0_nmi`.
    pub fn is_external(self) -> bool {
        self == Routine::WakeupCpu0Nmi
    }
}

/// Run a routine on a CPU, as the seed's 2019 tree has it.
pub fn run(routine: Routine, cpu: &mut dyn GuestCpu) {
    run_as(routine, Kernel::Wip2019, cpu);
}

/// Run a routine on a CPU, as `kernel` has it.
pub fn run_as(routine: Routine, kernel: Kernel, cpu: &mut dyn GuestCpu) {
    match (routine, kernel) {
        (Routine::NativeCpuDisable, Kernel::V5_2) => {
            // arch/x86/kernel/smpboot.c, v5.2 (5.2.1 lines 1529-1541):
            // `ret = lapic_can_unplug_cpu(); ... clear_local_APIC();
            // cpu_disable_common();`: the LVTs are masked, SPIV bit 8 stays.
            cpu.say(Guest::EnterAs(routine, kernel));
            clear_local_apic(cpu);
            return;
        }
        (Routine::NativeCpuDisable, Kernel::V5_4) => {
            // v5.4 (lines 1586-1603): "Disable the local APIC. Otherwise IPI
            // broadcasts will reach it." `apic_soft_disable();` (60dcaad5736f).
            cpu.say(Guest::EnterAs(routine, kernel));
            apic_soft_disable(cpu);
            return;
        }
        (Routine::SetupLocalApic, Kernel::V5_2) => return setup_local_apic_v52(cpu),
        (Routine::SetupLocalApic, Kernel::V5_4) => return setup_local_apic_v54(cpu),
        (Routine::ApicPendingIntrClear, Kernel::V5_4) => return apic_pending_intr_clear_v54(cpu),
        (Routine::StartSecondary, Kernel::V5_2 | Kernel::V5_4) => {
            cpu.say(Guest::Enter(Routine::StartSecondary));
            run_as(Routine::SetupLocalApic, kernel, cpu);
            cpu.say(Guest::StartSecondarySti);
            cpu.sti();
            return;
        }
        _ => {}
    }
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

/// `apic_soft_disable()`: `clear_local_APIC()`, then SPIV &=
/// ~APIC_SPIV_APIC_ENABLED. The 2019 test tree had it (tip WIP.x86/ipi
/// commit e1056a25daa6); mainline has it from commit 60dcaad5736f, v5.4
/// (v5.2's `native_cpu_disable()` only calls `clear_local_APIC()`).
fn apic_soft_disable(cpu: &mut dyn GuestCpu) {
    cpu.say(Guest::Enter(Routine::ApicSoftDisable));
    clear_local_apic(cpu);
    let spiv = cpu.read(APIC_SPIV) & !SPIV_APIC_ENABLED;
    cpu.write(Reg::Spiv, u64::from(spiv));
}

/// `setup_local_APIC()` as Thomas Gleixner's report (LKML 2019-07-01)
/// describes his 2019 test tree (tip WIP.x86/ipi, based on 5.2.0-rc5; the
/// tree was force-pushed, so its exact text is unverified): TPR = 0
/// (v5.2: `value &= ~APIC_TPRI_MASK`), `if (apic_enabled())
/// apic_pending_intr_clear();`, enable the APIC with SPURIOUS_APIC_VECTOR,
/// then `apic_pending_intr_clear()`. (Mainline v5.2 calls
/// `apic_pending_intr_clear()` once, after the TPR write and before the
/// SPIV enable.) SPIV bit 9 is left as it is: `value &=
/// ~APIC_SPIV_FOCUS_DISABLED` sits inside `#ifdef CONFIG_X86_32` ("64bit
/// mode always use processor focus so no need to set it"), at v5.2 and at
/// v5.4, and this guest is x86-64. The LDR, LINT0/LINT1 and ESR set-up
/// that follow in the kernel do not touch IRR/ISR and are not modelled.
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
    spiv |= SPURIOUS_APIC_VECTOR;
    cpu.say(Guest::SetupEnables);
    cpu.write(Reg::Spiv, u64::from(spiv));
    apic_pending_intr_clear(cpu);
}

/// `setup_local_APIC()` at v5.2 (5.2.1 lines 1483ff): TPR "accept all"
/// (`value &= ~APIC_TPRI_MASK`), `apic_pending_intr_clear()` once, then
/// the SPIV enable with SPURIOUS_APIC_VECTOR: no `if (apic_enabled())`
/// guard and no second call.
fn setup_local_apic_v52(cpu: &mut dyn GuestCpu) {
    cpu.say(Guest::EnterAs(Routine::SetupLocalApic, Kernel::V5_2));
    let tpr = cpu.read(APIC_TPR) & !0xff;
    cpu.write(Reg::Tpr, u64::from(tpr));
    apic_pending_intr_clear(cpu);
    let spiv = (cpu.read(APIC_SPIV) & !0xff) | SPIV_APIC_ENABLED | SPURIOUS_APIC_VECTOR;
    cpu.say(Guest::SetupEnables);
    cpu.write(Reg::Spiv, u64::from(spiv));
}

/// `setup_local_APIC()` at v5.4 (lines 1585-1743): "If this comes from
/// kexec/kcrash the APIC might be enabled in SPIV. Soft disable it before
/// doing further initialization." (`value &= ~APIC_SPIV_APIC_ENABLED`,
/// 2640da4cccf5); TPR "accept all except vectors 0-31" (`value &=
/// ~APIC_TPRI_MASK; value |= 0x10;`, 229b969b3d38); "Clear eventually stale
/// ISR/IRR bits" (`apic_pending_intr_clear()`); then enable with
/// SPURIOUS_APIC_VECTOR.
fn setup_local_apic_v54(cpu: &mut dyn GuestCpu) {
    cpu.say(Guest::EnterAs(Routine::SetupLocalApic, Kernel::V5_4));
    cpu.say(Guest::SetupSoftDisablesFirst);
    let spiv = cpu.read(APIC_SPIV) & !SPIV_APIC_ENABLED;
    cpu.write(Reg::Spiv, u64::from(spiv));
    let tpr = (cpu.read(APIC_TPR) & !0xff) | 0x10;
    cpu.write(Reg::Tpr, u64::from(tpr));
    apic_pending_intr_clear_v54(cpu);
    let spiv = (cpu.read(APIC_SPIV) & !0xff) | SPIV_APIC_ENABLED | SPURIOUS_APIC_VECTOR;
    cpu.say(Guest::SetupEnables);
    cpu.write(Reg::Spiv, u64::from(spiv));
}

/// `apic_pending_intr_clear()` at v5.4 (cc8bf191378c, lines 1511-1577):
///
/// ```c
/// for (i = 0; i < 512; i++) {
///     if (!apic_check_and_ack(&irr, &isr))
///         return;
/// }
/// pr_warn("APIC: Stale IRR: %256pb ISR: %256pb\n", irr.map, isr.map);
/// ```
///
/// where `apic_check_and_ack()` reads the eight IRR and then the eight ISR
/// registers (from index 0), issues `ack_APIC_irq()` per ISR bit and
/// returns true when ISR was not empty, else whether IRR is not empty. A
/// round with ISR empty that reads the IRR of the round before means every
/// later round reads it too (see `apic_pending_intr_clear()`), so the model
/// stops there with the outcome of the 512 rounds.
fn apic_pending_intr_clear_v54(cpu: &mut dyn GuestCpu) {
    cpu.say(Guest::EnterAs(Routine::ApicPendingIntrClear, Kernel::V5_4));
    let mut previous = None;
    let (mut irr, mut isr) = (VectorBits::default(), VectorBits::default());
    for _ in 0..512 {
        irr = read_bits_up(cpu, APIC_IRR);
        isr = read_bits_up(cpu, APIC_ISR);
        if !isr.is_empty() {
            for _ in 0..isr.len() {
                cpu.say(Guest::AckV54);
                cpu.write(Reg::Eoi, 0);
            }
            previous = None;
            continue;
        }
        if irr.is_empty() {
            return;
        }
        if previous == Some(irr) {
            break;
        }
        previous = Some(irr);
    }
    let line = format!(
        "APIC: Stale IRR: {} ISR: {}",
        bitmap_256pb(&irr),
        bitmap_256pb(&isr)
    );
    cpu.say(Guest::StaleIrr(Box::new(StaleIrr {
        line,
        irr: irr.vectors(),
    })));
}

/// IRR or ISR as v5.4's `apic_check_and_ack()` reads them: `for (i = 0; i <
/// APIC_IR_REGS; i++) irr->regs[i] = apic_read(APIC_IRR + i * 0x10);`.
fn read_bits_up(cpu: &mut dyn GuestCpu, base: u32) -> VectorBits {
    cpu.read_bits(base, false)
}

/// `%256pb` of a 256-bit map: lib/vsprintf.c `bitmap_string()` (read in
/// mirror copies of the kernel) prints 32-bit chunks from the most
/// significant (`i = ALIGN(nr_bits, CHUNKSZ) - CHUNKSZ; for (; i >= 0; i -=
/// CHUNKSZ)`), comma-separated, each as zero-padded lower-case hex of
/// `DIV_ROUND_UP(chunksz, 4)` digits: with 256 bits eight digits each
/// ("00001000,00000000,...,00000000" for vector 0xec).
fn bitmap_256pb(bits: &VectorBits) -> String {
    let mut chunks = [0u32; 8];
    for v in bits.vectors() {
        if let Some(c) = chunks.get_mut(usize::from(v / 32)) {
            *c |= 1 << (v % 32);
        }
    }
    chunks
        .iter()
        .rev()
        .map(|c| format!("{c:08x}"))
        .collect::<Vec<_>>()
        .join(",")
}

/// The 256 bits of IRR or ISR as the v5.2 loop reads them: the eight
/// registers from the highest (`for (i = APIC_ISR_NR - 1; i >= 0; i--)`).
fn read_bits(cpu: &mut dyn GuestCpu, base: u32) -> VectorBits {
    cpu.read_bits(base, true)
}

/// `apic_pending_intr_clear()` as in v5.2 (arch/x86/kernel/apic/apic.c,
/// 5.2.1 lines 1427-1475; the same text at v5.3; split out of
/// `setup_local_APIC()` by commit 9b217f330177 for v4.17), which the 2019
/// test tree had too:
///
/// ```c
/// do {
///     queued = 0;
///     for (i = APIC_ISR_NR - 1; i >= 0; i--)
///         queued |= apic_read(APIC_IRR + i*0x10);
///     for (i = APIC_ISR_NR - 1; i >= 0; i--) {
///         value = apic_read(APIC_ISR + i*0x10);
///         for_each_set_bit(j, &value, 32) {
///             ack_APIC_irq();
///             acked++;
///         }
///     }
///     if (acked > 256) {
///         pr_err("LAPIC pending interrupts after %d EOI\n", acked);
///         break;
///     }
///     if (queued) {
///         if (boot_cpu_has(X86_FEATURE_TSC) && cpu_khz) {
///             ntsc = rdtsc();
///             max_loops = (long long)cpu_khz << 10;
///             max_loops -= ntsc - tsc;
///         } else {
///             max_loops--;
///         }
///     }
/// } while (queued && max_loops > 0);
/// WARN_ON(max_loops <= 0);
/// ```
///
/// The model has no clock. The guest is taken to have a TSC and a known
/// `cpu_khz` (a KVM guest has both), so the loop ends when a round reads
/// IRR empty (`queued` = 0), or when `cpu_khz << 10` TSC cycles (about
/// 1.02 s) have passed with IRR set, and then `WARN_ON(max_loops <= 0)`
/// fires. A round that reads the same IRR as the round before with ISR
/// empty means every later round reads it too (nothing in this CPU moves
/// an IRR bit when IF=0 or the APIC offers none), so the model stops there
/// with the outcome of the time running out. `acked` counts ISR bits only,
/// so with IRR set and ISR empty (the 2019 case) it stays 0 and the
/// `pr_err()` is not printed.
fn apic_pending_intr_clear(cpu: &mut dyn GuestCpu) {
    cpu.say(Guest::Enter(Routine::ApicPendingIntrClear));
    let mut previous = None;
    let mut last = VectorBits::default();
    let mut acked = 0usize;
    for round in 1..=MAX_ROUNDS {
        let irr = read_bits(cpu, APIC_IRR);
        last = irr;
        let queued = !irr.is_empty();
        let isr = read_bits(cpu, APIC_ISR);
        for _ in 0..isr.len() {
            cpu.say(Guest::Ack);
            cpu.write(Reg::Eoi, 0);
            acked += 1;
        }
        if acked > 256 {
            // pr_err(), then break; max_loops is still positive (it only
            // drops as time passes), so WARN_ON() stays silent.
            cpu.say(Guest::Warning(format!(
                "LAPIC pending interrupts after {acked} EOI"
            )));
            return;
        }
        if !queued {
            cpu.say(Guest::PendingClean {
                rounds: round,
                acked,
            });
            return;
        }
        if isr.is_empty() && previous == Some(irr) {
            break;
        }
        previous = isr.is_empty().then_some(irr);
    }
    cpu.say(Guest::PendingStuck {
        irr: last.vectors().into(),
        if_flag: cpu.if_flag(),
        acked,
    });
    cpu.say(Guest::WarnOn(warn_on_line(cpu.processor())));
}

/// The first line of the kernel's WARN_ON() report (`__warn()`: "WARNING:
/// CPU: %d PID: %d at %s:%d %pS"), with only the parts that are certain:
/// the file of the WARN_ON() and the symbol the 2019 report showed
/// (`setup_local_APIC+0x2d1/0x4f0` in Feng Tang's debug build, LKML
/// 2019-06-28; `apic_pending_intr_clear()` is static and was inlined).
/// The line number and the offset/size depend on the build and are left
/// out; so are the CPU and PID of an AP, whose Linux CPU number the model
/// does not know. The BSP is Linux's CPU 0, and the hotplug path runs
/// `start_secondary()` in its idle task, PID 0 (as in the 2019 output).
pub fn warn_on_line(processor: Processor) -> String {
    match processor {
        Processor::Bsp => {
            "WARNING: CPU: 0 PID: 0 at arch/x86/kernel/apic/apic.c setup_local_APIC".to_owned()
        }
        Processor::Ap => "WARNING: at arch/x86/kernel/apic/apic.c setup_local_APIC".to_owned(),
    }
}
