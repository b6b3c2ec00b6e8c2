//! Every list of names in format v1, declared once: registers, Linux
//! routines, profiles, CPU run states, handler modes, operations and the
//! state fields a checkpoint can name. `strum` gives each enum its names,
//! its list and its parser; serde reads and writes them through those same
//! names (`by_name!`), so a reader, a schema, a table or a UI that needs a
//! list asks the enum.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use strum::{EnumString, IntoStaticStr, VariantArray};

/// Implements `name()`, `from_name()`, serde and `Display` for a
/// name-carrying enum, in terms of its strum derives; `$what` names the
/// kind of thing in error messages ("unknown register ...").
macro_rules! by_name {
    ($ty:ident, $what:literal) => {
        impl $ty {
            /// The format's name for it.
            pub fn name(self) -> &'static str {
                self.into()
            }

            /// The variant with this name, if there is one.
            pub fn from_name(name: &str) -> Option<$ty> {
                name.parse().ok()
            }

            /// Every variant, in declaration order.
            pub fn variants() -> &'static [$ty] {
                <$ty as VariantArray>::VARIANTS
            }

            /// Every name, in declaration order.
            pub fn names() -> impl Iterator<Item = &'static str> {
                <$ty as VariantArray>::VARIANTS.iter().map(|v| v.name())
            }

            /// What kind of name this is, for messages: `register`, `routine`.
            pub const WHAT: &'static str = $what;

            /// The message for a name that is not one of these.
            pub fn unknown(name: &str) -> String {
                format!(
                    "unknown {} {name:?}; expected one of: {}",
                    $what,
                    $ty::names().collect::<Vec<_>>().join(", ")
                )
            }
        }

        impl std::fmt::Display for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.name())
            }
        }

        impl Serialize for $ty {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.name())
            }
        }

        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let name = std::borrow::Cow::<'de, str>::deserialize(d)?;
                $ty::from_name(&name).ok_or_else(|| serde::de::Error::custom($ty::unknown(&name)))
            }
        }
    };
}

/// A register a scenario can write (`write {reg, value}`): the xAPIC
/// registers of SDM Vol. 3A table 10-1 that software writes, and the two
/// MSRs IA32_TSC_DEADLINE and IA32_APIC_BASE.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    EnumString,
    IntoStaticStr,
    VariantArray,
)]
#[strum(serialize_all = "snake_case")]
pub enum Reg {
    /// Local APIC ID (bits 31:24).
    Id,
    /// Task-priority register.
    Tpr,
    /// End-of-interrupt register.
    Eoi,
    /// Logical destination register.
    Ldr,
    /// Destination format register.
    Dfr,
    /// Spurious-interrupt vector register.
    Spiv,
    /// Error status register.
    Esr,
    /// Interrupt command register, as one 64-bit value (destination in 63:56).
    Icr,
    /// LVT timer.
    LvtTimer,
    /// LVT thermal sensor.
    LvtThermal,
    /// LVT performance counters.
    LvtPmc,
    /// LVT LINT0.
    LvtLint0,
    /// LVT LINT1.
    LvtLint1,
    /// LVT error.
    LvtError,
    /// Timer initial count.
    TimerInitial,
    /// Timer divide configuration.
    TimerDivide,
    /// IA32_TSC_DEADLINE MSR.
    TscDeadline,
    /// IA32_APIC_BASE MSR.
    ApicBase,
}
by_name!(Reg, "register");

impl Reg {
    /// The register's size in bits: 32 for the memory-mapped registers, 64
    /// for the ICR (two halves) and the two MSRs. A value wider than this
    /// is an error, not a silent truncation.
    pub fn width_bits(self) -> u32 {
        match self {
            Reg::Icr | Reg::TscDeadline | Reg::ApicBase => 64,
            _ => 32,
        }
    }
}

/// A Linux routine a scenario can run (`linux {routine}`); `linux.rs` says
/// what each one does and which kernel it follows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumString, IntoStaticStr, VariantArray)]
#[strum(serialize_all = "snake_case")]
pub enum Routine {
    /// `clear_local_APIC()`.
    #[strum(serialize = "clear_local_APIC")]
    ClearLocalApic,
    /// `apic_soft_disable()`.
    ApicSoftDisable,
    /// `native_cpu_disable()`.
    NativeCpuDisable,
    /// `setup_local_APIC()`.
    #[strum(serialize = "setup_local_APIC")]
    SetupLocalApic,
    /// `apic_pending_intr_clear()`.
    ApicPendingIntrClear,
    /// `native_play_dead()`.
    PlayDead,
    /// `wakeup_cpu0_nmi()`, run by the boot CPU.
    WakeupCpu0Nmi,
    /// `local_irq_enable()`.
    LocalIrqEnable,
    /// `local_irq_disable()`.
    LocalIrqDisable,
    /// `start_secondary()`.
    StartSecondary,
}
by_name!(Routine, "routine");

/// One implementation's behaviour (`profile.rs` and `policy.rs` say what
/// each is and how it differs).
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    EnumString,
    IntoStaticStr,
    VariantArray,
)]
#[strum(serialize_all = "kebab-case")]
pub enum Profile {
    /// A real Intel local APIC.
    Hardware,
    /// KVM with APICv.
    KvmApicv,
    /// KVM's software emulation before the fix.
    KvmEmulated,
    /// KVM's software emulation with the fix.
    KvmEmulatedFixed,
    /// QEMU's own local APIC (`hw/intc/apic.c`: TCG, or KVM with
    /// `kernel-irqchip=off`).
    Qemu,
    /// Xen's HVM virtual local APIC (`xen/arch/x86/hvm/vlapic.c`).
    Xen,
    /// bhyve's virtual local APIC (`sys/amd64/vmm/io/vlapic.c`).
    Bhyve,
    /// VirtualBox's APIC (`src/VBox/VMM/VMMAll/APICAll.cpp`).
    Virtualbox,
}
by_name!(Profile, "profile");

/// Which kind of implementation a profile is, for pickers that group them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ProfileGroup {
    /// A real processor.
    Hardware,
    /// Linux KVM.
    Kvm,
    /// Another hypervisor or emulator.
    OtherHypervisors,
}

impl ProfileGroup {
    /// Every group, in the order a picker shows them.
    pub const ALL: [ProfileGroup; 3] = [
        ProfileGroup::Hardware,
        ProfileGroup::Kvm,
        ProfileGroup::OtherHypervisors,
    ];

    /// A heading for the group.
    pub fn title(self) -> &'static str {
        match self {
            ProfileGroup::Hardware => "Hardware",
            ProfileGroup::Kvm => "KVM",
            ProfileGroup::OtherHypervisors => "Other hypervisors",
        }
    }

    /// The profiles of the group, in `Profile::EVERY` order.
    pub fn profiles(self) -> impl Iterator<Item = Profile> {
        Profile::EVERY
            .into_iter()
            .filter(move |p| p.group() == self)
    }
}

impl Profile {
    /// The seed's four profiles, in the order the UI shows them: the
    /// page's default view and `--profile all`. `Profile::EVERY` holds
    /// every profile.
    pub const ALL: [Profile; 4] = [
        Profile::Hardware,
        Profile::KvmApicv,
        Profile::KvmEmulated,
        Profile::KvmEmulatedFixed,
    ];

    /// Every profile, in declaration order: the four of `ALL`, then the
    /// other implementations (issue 16).
    pub const EVERY: [Profile; 8] = [
        Profile::Hardware,
        Profile::KvmApicv,
        Profile::KvmEmulated,
        Profile::KvmEmulatedFixed,
        Profile::Qemu,
        Profile::Xen,
        Profile::Bhyve,
        Profile::Virtualbox,
    ];

    /// Which group a picker shows it in.
    pub fn group(self) -> ProfileGroup {
        match self {
            Profile::Hardware => ProfileGroup::Hardware,
            Profile::KvmApicv | Profile::KvmEmulated | Profile::KvmEmulatedFixed => {
                ProfileGroup::Kvm
            }
            Profile::Qemu | Profile::Xen | Profile::Bhyve | Profile::Virtualbox => {
                ProfileGroup::OtherHypervisors
            }
        }
    }

    /// The id used in scenarios, URLs and traces (the format's name).
    pub fn id(self) -> &'static str {
        self.name()
    }

    /// The profile for an id.
    pub fn from_id(id: &str) -> Option<Profile> {
        Profile::from_name(id)
    }
}

/// The guest kernel whose routines `linux {routine}` runs (`linux.rs`): a
/// parameter of a run (`engine::run_guest`, `apic-trace --guest`), not a
/// field of the scenario, so one scenario shows both halves of the story:
/// the guest change that exposed the bug, and the hypervisor that had it.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    EnumString,
    IntoStaticStr,
    VariantArray,
)]
pub enum Kernel {
    /// The seed's 2019 tree (tip WIP.x86/ipi, based on 5.2.0-rc5): CPU
    /// offline software-disables the APIC, and `setup_local_APIC()` is as
    /// LKML 2019-07-01 describes it. The default: the seed's story.
    #[default]
    #[strum(serialize = "wip-2019")]
    Wip2019,
    /// Mainline v5.2: `native_cpu_disable()` only masks the LVTs with
    /// `clear_local_APIC()`; `apic_pending_intr_clear()` ends in
    /// `WARN_ON(max_loops <= 0)`.
    #[strum(serialize = "v5.2")]
    V5_2,
    /// Mainline v5.4: software disable on offline (commit 60dcaad5736f);
    /// `setup_local_APIC()` soft-disables first and sets TPR 0x10
    /// (2640da4cccf5, 229b969b3d38); `apic_pending_intr_clear()` prints
    /// "APIC: Stale IRR" (cc8bf191378c).
    #[strum(serialize = "v5.4")]
    V5_4,
}
by_name!(Kernel, "guest kernel");

impl Kernel {
    /// A label for a picker.
    pub fn short_title(self) -> &'static str {
        match self {
            Kernel::Wip2019 => "Linux 2019 x86/ipi WIP",
            Kernel::V5_2 => "Linux v5.2",
            Kernel::V5_4 => "Linux v5.4",
        }
    }

    /// A short human name.
    pub fn title(self) -> &'static str {
        match self {
            Kernel::Wip2019 => "Linux, the 2019 x86/ipi work-in-progress tree (Thomas Gleixner's)",
            Kernel::V5_2 => "Linux v5.2 mainline (offline only masks the LVTs)",
            Kernel::V5_4 => "Linux v5.4 (software disable; \"APIC: Stale IRR\")",
        }
    }
}

/// What the CPU is doing, as far as interrupts are concerned.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumString, IntoStaticStr, VariantArray)]
#[strum(serialize_all = "snake_case")]
pub enum CpuRun {
    /// Executing instructions.
    Running,
    /// Stopped in HLT; an interrupt, NMI or INIT ends it (SDM 6.8.1).
    Halted,
    /// After INIT: only a SIPI starts it (SDM 10.4.7.3, 8.4.4).
    WaitForSipi,
}
by_name!(CpuRun, "CPU state");

impl CpuRun {
    /// The contract's spelling: `running`, `halted`, `wait_for_sipi`.
    pub fn as_str(self) -> &'static str {
        self.name()
    }
}

/// How the guest's interrupt handlers behave.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, EnumString, IntoStaticStr, VariantArray,
)]
#[strum(serialize_all = "snake_case")]
pub enum Handlers {
    /// The handler runs and writes EOI (a spurious handler writes none).
    #[default]
    AutoEoi,
    /// The handler runs and returns without EOI: the vector stays in ISR
    /// until an explicit `eoi` step.
    Manual,
}
by_name!(Handlers, "handler mode");

/// Which processor the scenario's CPU is (the top-level `processor` field,
/// default `bsp`). It decides what INIT does (SDM Vol. 3A 8.4.2: after the
/// MP protocol, an INIT makes each processor examine the BSP flag of
/// IA32_APIC_BASE and "execute the BIOS boot-strap code (if it is the BSP)
/// or enter a wait-for-SIPI state (if it is an AP)"; KVM v5.2
/// `kvm_apic_accept_events()`: a BSP becomes KVM_MP_STATE_RUNNABLE, an AP
/// KVM_MP_STATE_INIT_RECEIVED) and, under KVM, LVT LINT0 after RESET and
/// INIT (`kvm_lapic_reset()`, `KVM_X86_QUIRK_LINT0_REENABLED`).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, EnumString, IntoStaticStr, VariantArray,
)]
#[strum(serialize_all = "snake_case")]
pub enum Processor {
    /// The bootstrap processor (Linux's CPU0; KVM's vcpu 0 unless
    /// KVM_SET_BOOT_CPU_ID says otherwise): IA32_APIC_BASE bit 8 set.
    #[default]
    Bsp,
    /// An application processor: IA32_APIC_BASE bit 8 clear.
    Ap,
}
by_name!(Processor, "processor");

/// The operation of a step (its `do` field).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, EnumString, IntoStaticStr, VariantArray)]
#[strum(serialize_all = "snake_case")]
pub enum OpName {
    /// `write {reg, value}`.
    Write,
    /// `cli`.
    Cli,
    /// `sti`.
    Sti,
    /// `hlt`.
    Hlt,
    /// `irq {vector, level?}`.
    Irq,
    /// `self_ipi {vector}`.
    SelfIpi,
    /// `nmi`.
    Nmi,
    /// `init`.
    Init,
    /// `sipi {vector}`.
    Sipi,
    /// `timer_fire`.
    TimerFire,
    /// `eoi`.
    Eoi,
    /// `linux {routine}`.
    Linux,
    /// `expect {...}`.
    Expect,
    /// `note {text}`.
    Note,
}
by_name!(OpName, "operation");

/// A field of the visible state that a checkpoint can name and that two
/// states are compared on (the trace contract's names). `warn` is whether
/// the guest has printed a warning at any step so far.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    EnumString,
    IntoStaticStr,
    VariantArray,
)]
#[strum(serialize_all = "snake_case")]
pub enum Field {
    /// Interrupt request register.
    Irr,
    /// In-service register.
    Isr,
    /// Trigger mode register.
    Tmr,
    /// Task-priority register.
    Tpr,
    /// Processor-priority register.
    Ppr,
    /// Spurious-interrupt vector register.
    Spiv,
    /// KVM's `apic_enabled()`: hardware-enabled and software-enabled.
    SwEnabled,
    /// EFLAGS.IF.
    #[strum(serialize = "if")]
    If,
    /// Running, halted or waiting for SIPI.
    Cpu,
    /// LVT timer.
    LvtTimer,
    /// LVT LINT0.
    LvtLint0,
    /// LVT LINT1.
    LvtLint1,
    /// LVT error.
    LvtError,
    /// LVT PMC.
    LvtPmc,
    /// LVT thermal.
    LvtThermal,
    /// The guest has printed a warning at this step or before.
    Warn,
}
by_name!(Field, "field");

/// The shape of a field's value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A set of vectors, written as an array.
    Vectors,
    /// An 8-bit register.
    U8,
    /// A 32-bit register.
    U32,
    /// true or false.
    Bool,
    /// A `CpuRun` name.
    Cpu,
}

impl Field {
    /// The shape of its value.
    pub fn kind(self) -> Kind {
        match self {
            Field::Irr | Field::Isr | Field::Tmr => Kind::Vectors,
            Field::Tpr | Field::Ppr => Kind::U8,
            Field::SwEnabled | Field::If | Field::Warn => Kind::Bool,
            Field::Cpu => Kind::Cpu,
            Field::Spiv
            | Field::LvtTimer
            | Field::LvtLint0
            | Field::LvtLint1
            | Field::LvtError
            | Field::LvtPmc
            | Field::LvtThermal => Kind::U32,
        }
    }

    /// Every field, in the order they are shown and checked.
    pub fn all() -> &'static [Field] {
        <Field as VariantArray>::VARIANTS
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The names are the ones the README documents for format v1.
    #[test]
    fn names_as_documented() {
        let regs: Vec<_> = Reg::names().collect();
        assert_eq!(
            regs.join(" "),
            "id tpr eoi ldr dfr spiv esr icr lvt_timer lvt_thermal lvt_pmc lvt_lint0 lvt_lint1 lvt_error timer_initial timer_divide tsc_deadline apic_base"
        );
        let ops: Vec<_> = OpName::names().collect();
        assert_eq!(
            ops.join(" "),
            "write cli sti hlt irq self_ipi nmi init sipi timer_fire eoi linux expect note"
        );
        let profiles: Vec<_> = Profile::names().collect();
        assert_eq!(
            profiles,
            [
                "hardware",
                "kvm-apicv",
                "kvm-emulated",
                "kvm-emulated-fixed",
                "qemu",
                "xen",
                "bhyve",
                "virtualbox"
            ]
        );
        // EVERY is the declaration order (strum's VARIANTS); ALL its first
        // four, the page's default view.
        assert_eq!(&Profile::EVERY[..], <Profile as VariantArray>::VARIANTS);
        assert_eq!(Profile::EVERY[..4], Profile::ALL);
        let grouped: Vec<Vec<&str>> = ProfileGroup::ALL
            .iter()
            .map(|g| g.profiles().map(Profile::id).collect())
            .collect();
        assert_eq!(
            grouped,
            [
                vec!["hardware"],
                vec!["kvm-apicv", "kvm-emulated", "kvm-emulated-fixed"],
                vec!["qemu", "xen", "bhyve", "virtualbox"],
            ]
        );
        let processors: Vec<_> = Processor::names().collect();
        assert_eq!(processors, ["bsp", "ap"]);
        assert_eq!(Processor::default(), Processor::Bsp);
        let cpu: Vec<_> = CpuRun::names().collect();
        assert_eq!(cpu, ["running", "halted", "wait_for_sipi"]);
        assert_eq!(Routine::ClearLocalApic.name(), "clear_local_APIC");
        assert_eq!(Routine::SetupLocalApic.name(), "setup_local_APIC");
        assert_eq!(Routine::WakeupCpu0Nmi.name(), "wakeup_cpu0_nmi");
        let fields: Vec<_> = Field::names().collect();
        assert_eq!(
            fields.join(" "),
            "irr isr tmr tpr ppr spiv sw_enabled if cpu lvt_timer lvt_lint0 lvt_lint1 lvt_error lvt_pmc lvt_thermal warn"
        );
    }

    #[test]
    fn names_round_trip_and_unknown_names_are_listed() {
        for r in Reg::VARIANTS {
            assert_eq!(Reg::from_name(r.name()), Some(*r));
        }
        assert_eq!(Reg::from_name("SPIV"), None);
        assert_eq!(Reg::from_name("spi"), None);
        let m = Routine::unknown("setup_local_apic");
        assert!(
            m.starts_with(
                "unknown routine \"setup_local_apic\"; expected one of: clear_local_APIC, "
            ),
            "{m}"
        );
    }
}
