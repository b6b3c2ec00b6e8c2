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
}

impl Routine {
    /// Every routine.
    pub const ALL: [Routine; 9] = [
        Routine::ClearLocalApic,
        Routine::ApicSoftDisable,
        Routine::NativeCpuDisable,
        Routine::SetupLocalApic,
        Routine::ApicPendingIntrClear,
        Routine::PlayDead,
        Routine::WakeupCpu0Nmi,
        Routine::LocalIrqEnable,
        Routine::LocalIrqDisable,
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
        }
    }

    /// The routine for a name.
    pub fn from_name(name: &str) -> Option<Routine> {
        Routine::ALL.into_iter().find(|r| r.name() == name)
    }
}
