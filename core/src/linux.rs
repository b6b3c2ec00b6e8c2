//! The guest kernel routines a scenario can run with `linux {routine}`,
//! expanded into the register operations the Linux source performs
//! (arch/x86/kernel/apic/apic.c and arch/x86/kernel/smpboot.c, v5.2 and the
//! 2019 work-in-progress tree of the seed, see each routine).

/// A Linux routine.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Routine {
    /// `clear_local_APIC()`: mask every LVT, clear ESR; IRR/ISR/TPR untouched.
    ClearLocalApic,
    /// `apic_soft_disable()`: `clear_local_APIC()` then clear SPIV bit 8.
    ApicSoftDisable,
    /// `native_cpu_disable()`: in the seed's tree, `apic_soft_disable()`.
    NativeCpuDisable,
    /// `setup_local_APIC()` in the seed's flavour.
    SetupLocalApic,
    /// `apic_pending_intr_clear()` (5.4 wording, commit cc8bf191378c).
    ApicPendingIntrClear,
    /// `native_play_dead()`: `play_dead_common()` (IF=0), then the hlt loop.
    PlayDead,
    /// `wakeup_cpu0_nmi()`: another CPU sends CPU0 an NMI to wake it.
    WakeupCpu0Nmi,
    /// `local_irq_enable()`: sti.
    LocalIrqEnable,
    /// `local_irq_disable()`: cli.
    LocalIrqDisable,
    /// `start_secondary()`, the parts that touch the APIC: `smp_callin()` ->
    /// `apic_ap_setup()` -> `setup_local_APIC()`, then `local_irq_enable()`.
    StartSecondary,
}

impl Routine {
    /// Every routine.
    pub const ALL: [Routine; 10] = [
        Routine::ClearLocalApic,
        Routine::ApicSoftDisable,
        Routine::NativeCpuDisable,
        Routine::SetupLocalApic,
        Routine::ApicPendingIntrClear,
        Routine::PlayDead,
        Routine::WakeupCpu0Nmi,
        Routine::LocalIrqEnable,
        Routine::LocalIrqDisable,
        Routine::StartSecondary,
    ];

    /// The kernel function's name.
    pub fn name(self) -> &'static str {
        match self {
            Routine::ClearLocalApic => "clear_local_APIC",
            Routine::ApicSoftDisable => "apic_soft_disable",
            Routine::NativeCpuDisable => "native_cpu_disable",
            Routine::SetupLocalApic => "setup_local_APIC",
            Routine::ApicPendingIntrClear => "apic_pending_intr_clear",
            Routine::PlayDead => "play_dead",
            Routine::WakeupCpu0Nmi => "wakeup_cpu0_nmi",
            Routine::LocalIrqEnable => "local_irq_enable",
            Routine::LocalIrqDisable => "local_irq_disable",
            Routine::StartSecondary => "start_secondary",
        }
    }

    /// The routine for a name.
    pub fn from_name(name: &str) -> Option<Routine> {
        Routine::ALL.into_iter().find(|r| r.name() == name)
    }

    /// Whether another CPU performs it (so it happens even while this CPU
    /// is halted or waiting for SIPI): only `wakeup_cpu0_nmi`.
    pub fn is_external(self) -> bool {
        self == Routine::WakeupCpu0Nmi
    }
}

use crate::apic::{Lvt, Reg, LVT_MASKED, SPIV_APIC_ENABLED, SPIV_FOCUS_DISABLED};
use crate::machine::{Log, Machine};
use crate::trace::{CpuRun, EventKind};
use crate::write::list;

/// `ERROR_APIC_VECTOR` (arch/x86/include/asm/irq_vectors.h).
const ERROR_APIC_VECTOR: u32 = 0xfe;
/// `SPURIOUS_APIC_VECTOR`.
const SPURIOUS_APIC_VECTOR: u32 = 0xff;
/// `apic_pending_intr_clear()`'s bound since commit cc8bf191378c:
/// "512 loops are way oversized and give the APIC a chance to obey".
const PENDING_CLEAR_LOOPS: usize = 512;

impl Machine {
    /// Run a guest routine.
    pub(crate) fn run_routine(&mut self, routine: Routine, log: &mut Log) {
        match routine {
            Routine::ClearLocalApic => self.clear_local_apic(log),
            Routine::ApicSoftDisable => self.apic_soft_disable(log),
            Routine::NativeCpuDisable => {
                log.push(
                    EventKind::Guest,
                    None,
                    "native_cpu_disable(): software-disable the local APIC so that IPI broadcasts no longer reach this CPU (it still takes INIT, NMI, SMI and SIPI)",
                    "linux: native_cpu_disable() (commit 60dcaad5736f, merged for 5.4)",
                );
                self.apic_soft_disable(log);
            }
            Routine::SetupLocalApic => self.setup_local_apic(log),
            Routine::ApicPendingIntrClear => self.apic_pending_intr_clear(log),
            Routine::PlayDead => {
                log.push(
                    EventKind::Guest,
                    None,
                    "native_play_dead() -> play_dead_common(): local_irq_disable()",
                    "linux: play_dead_common()",
                );
                self.cli(log);
                log.push(
                    EventKind::Guest,
                    None,
                    "mwait_play_dead() / hlt_play_dead(): halt in a loop; after each wakeup CPU0 checks wakeup_cpu0()",
                    "linux: hlt_play_dead()",
                );
                self.hlt(log);
            }
            Routine::WakeupCpu0Nmi => {
                log.push(
                    EventKind::Guest,
                    None,
                    "do_boot_cpu() -> wakeup_cpu0_nmi(): the boot CPU wakes CPU0 with an NMI IPI, not INIT, so nothing in CPU0's APIC is reset",
                    "linux: wakeup_cpu0_nmi() (arch/x86/kernel/smpboot.c; removed in 2023)",
                );
                self.nmi(log);
                if self.cpu.run == CpuRun::Running {
                    log.push(
                        EventKind::Guest,
                        None,
                        "hlt_play_dead(): wakeup_cpu0() is true, so start_cpu0() enters start_secondary() with IF=0",
                        "linux: hlt_play_dead(), start_cpu0()",
                    );
                }
            }
            Routine::LocalIrqEnable => {
                log.push(
                    EventKind::Guest,
                    None,
                    "local_irq_enable(): sti",
                    "linux: local_irq_enable()",
                );
                self.sti(log);
            }
            Routine::LocalIrqDisable => {
                log.push(
                    EventKind::Guest,
                    None,
                    "local_irq_disable(): cli",
                    "linux: local_irq_disable()",
                );
                self.cli(log);
            }
            Routine::StartSecondary => {
                log.push(
                    EventKind::Guest,
                    None,
                    "start_secondary(): smp_callin() -> apic_ap_setup() -> setup_local_APIC(), later local_irq_enable()",
                    "linux: start_secondary() (arch/x86/kernel/smpboot.c)",
                );
                self.setup_local_apic(log);
                log.push(
                    EventKind::Guest,
                    None,
                    "local_irq_enable(): sti",
                    "linux: start_secondary()",
                );
                self.sti(log);
            }
        }
    }

    /// `clear_local_APIC()` (arch/x86/kernel/apic/apic.c, v5.2): mask
    /// LVTERR first (with a non-zero vector, masking an entry with vector 0
    /// can raise an APIC error), then OR the mask into the other entries,
    /// then write plain "masked" to timer, LINT0, LINT1, error and PMC
    /// (thermal keeps its value, masked), then clear ESR. IRR, ISR and TPR
    /// are left alone.
    fn clear_local_apic(&mut self, log: &mut Log) {
        log.push(
            EventKind::Guest,
            None,
            "clear_local_APIC(): mask every LVT entry and clear ESR; IRR, ISR and TPR are left alone",
            "linux: clear_local_APIC()",
        );
        let before: Vec<(Lvt, u32)> = Lvt::ALL.iter().map(|l| (*l, self.apic.lvt(*l))).collect();
        let mut scratch = Log::default();
        let m = u64::from(LVT_MASKED);
        self.write(
            Reg::LvtError,
            u64::from(ERROR_APIC_VECTOR) | m,
            &mut scratch,
        );
        for (reg, lvt) in [
            (Reg::LvtTimer, Lvt::Timer),
            (Reg::LvtLint0, Lvt::Lint0),
            (Reg::LvtLint1, Lvt::Lint1),
            (Reg::LvtPmc, Lvt::Pmc),
            (Reg::LvtThermal, Lvt::Thermal),
        ] {
            let v = u64::from(self.apic.lvt(lvt)) | m;
            self.write(reg, v, &mut scratch);
        }
        for reg in [
            Reg::LvtTimer,
            Reg::LvtLint0,
            Reg::LvtLint1,
            Reg::LvtError,
            Reg::LvtPmc,
        ] {
            self.write(reg, m, &mut scratch);
        }
        self.write(Reg::Esr, 0, &mut scratch);
        // Keep what a rule did (timer disarmed, ...); summarise the writes.
        log.events.extend(
            scratch
                .events
                .into_iter()
                .filter(|e| e.kind != EventKind::Write),
        );
        let changed: Vec<String> = before
            .iter()
            .filter(|(l, v)| self.apic.lvt(*l) != *v)
            .map(|(l, v)| format!("{} {v:#x} -> {:#x}", l.name(), self.apic.lvt(*l)))
            .collect();
        if !changed.is_empty() {
            log.push(
                EventKind::Mask,
                None,
                format!("LVT entries written: {}", changed.join(", ")),
                "linux: clear_local_APIC()",
            );
        }
    }

    /// `apic_soft_disable()` (commit 60dcaad5736f): `clear_local_APIC()`,
    /// then SPIV &= ~APIC_SPIV_APIC_ENABLED.
    fn apic_soft_disable(&mut self, log: &mut Log) {
        log.push(
            EventKind::Guest,
            None,
            "apic_soft_disable(): clear_local_APIC(), then clear SPIV bit 8 (APIC_SPIV_APIC_ENABLED)",
            "linux: apic_soft_disable()",
        );
        self.clear_local_apic(log);
        let spiv = u64::from(self.apic.spiv & !SPIV_APIC_ENABLED);
        self.write(Reg::Spiv, spiv, log);
    }

    /// `setup_local_APIC()` as in the seed's work-in-progress tree:
    /// TPR = 0 (v5.2: `value &= ~APIC_TPRI_MASK`), `if (apic_enabled())
    /// apic_pending_intr_clear();`, enable the APIC with SPURIOUS_APIC_VECTOR
    /// (focus checking on, as x86-64 Linux does), then
    /// `apic_pending_intr_clear()`. The LDR, LINT0/LINT1 and ESR set-up that
    /// follow in the kernel do not touch IRR/ISR and are not modelled.
    fn setup_local_apic(&mut self, log: &mut Log) {
        log.push(
            EventKind::Guest,
            None,
            "setup_local_APIC(): TPR = 0, clear stale bits if the APIC is enabled, enable it, clear stale bits",
            "linux: setup_local_APIC() (seed's tree, LKML 2019-07-01)",
        );
        let tpr = u64::from(self.apic.tpr & !0xff);
        self.write(Reg::Tpr, tpr, log);
        if self.apic.sw_enabled() {
            log.push(
                EventKind::Guest,
                None,
                "if (apic_enabled()) apic_pending_intr_clear(): the APIC is enabled, so stale bits are cleared first",
                "linux: setup_local_APIC() (seed's tree)",
            );
            self.apic_pending_intr_clear(log);
        } else {
            log.push(
                EventKind::Guest,
                None,
                "if (apic_enabled()) apic_pending_intr_clear(): not taken, the APIC is software-disabled",
                "linux: setup_local_APIC() (seed's tree)",
            );
        }
        let mut spiv = self.apic.spiv & !0xff;
        spiv |= SPIV_APIC_ENABLED;
        spiv &= !SPIV_FOCUS_DISABLED;
        spiv |= SPURIOUS_APIC_VECTOR;
        log.push(
            EventKind::Guest,
            None,
            "enable the APIC: SPIV = APIC_SPIV_APIC_ENABLED | SPURIOUS_APIC_VECTOR",
            "linux: setup_local_APIC()",
        );
        self.write(Reg::Spiv, u64::from(spiv), log);
        self.apic_pending_intr_clear(log);
    }

    /// `apic_pending_intr_clear()` as reworked by commit cc8bf191378c
    /// (merged for 5.4): up to 512 rounds of `apic_check_and_ack()` (read
    /// IRR and ISR; if ISR is not empty, EOI once per set bit and go again;
    /// else go again while IRR is not empty), then
    /// `pr_warn("APIC: Stale IRR: %256pb ISR: %256pb\n", ...)` with the
    /// last values read. That is the wording used here; v5.2 had a
    /// `WARN_ON(max_loops <= 0)` with a TSC-based bound instead.
    fn apic_pending_intr_clear(&mut self, log: &mut Log) {
        log.push(
            EventKind::Guest,
            None,
            "apic_pending_intr_clear(): read IRR and ISR, EOI once per ISR bit, repeat while either is non-empty (at most 512 rounds)",
            "linux: apic_pending_intr_clear() (commit cc8bf191378c)",
        );
        let mut last = (self.apic.irr, self.apic.isr);
        let mut acked = 0usize;
        for round in 1..=PENDING_CLEAR_LOOPS {
            let irr = self.apic.irr;
            let isr = self.apic.isr;
            last = (irr, isr);
            if !isr.is_empty() {
                for _ in isr.vectors() {
                    let mut events = Vec::new();
                    self.apic.eoi(&mut events);
                    for mut e in events {
                        e.text = format!("ack_APIC_irq(): {}", e.text);
                        log.events.push(e);
                    }
                    acked += 1;
                }
                if self.cpu.takes_maskable() {
                    self.settle(log);
                }
                continue;
            }
            if irr.is_empty() {
                let text = if acked == 0 {
                    "IRR and ISR are empty: nothing to clear".to_string()
                } else {
                    format!("IRR and ISR are empty after {round} rounds and {acked} EOIs")
                };
                log.push(
                    EventKind::Guest,
                    None,
                    text,
                    "linux: apic_pending_intr_clear()",
                );
                return;
            }
            // ISR empty, IRR not: another round, unless nothing can change.
            let before = self.apic.clone();
            if self.cpu.takes_maskable() {
                self.settle(log);
            }
            if self.apic == before {
                log.push(
                    EventKind::Guest,
                    irr.highest(),
                    format!(
                        "IRR still holds [{}] and nothing moves it to ISR (EOI alone never does, and IF={}): every remaining round reads the same, up to round 512",
                        list(&irr.vectors()),
                        u8::from(self.cpu.if_flag)
                    ),
                    "linux: apic_pending_intr_clear(); sdm-10.8.5",
                );
                break;
            }
        }
        let text = format!(
            "APIC: Stale IRR: {} ISR: {}",
            last.0.kernel_bitmap(),
            last.1.kernel_bitmap()
        );
        log.push(
            EventKind::Warning,
            last.0.highest(),
            format!("the guest kernel warns: {text}"),
            "linux: apic_pending_intr_clear() pr_warn (5.4 wording, commit cc8bf191378c)",
        );
        log.warnings.push(text);
        self.warned = true;
    }
}
