//! What happened, as data. The register file, the machine and the guest
//! return these from every state change (as crosvm's `apic.rs` returns bus
//! messages from `write()`); `explain.rs` turns them into the trace's
//! events, with their text and the rule or source behind each. Nothing here
//! is English, and nothing reads outcomes back to decide what to do.

use crate::apic::{Lvt, VectorBits};
use crate::decode::TimerMode;
use crate::format::{Reg, Routine};

/// Where a fixed interrupt came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// From the I/O APIC or an MSI (`irq`), edge- or level-triggered.
    Irq {
        /// Level-triggered.
        level: bool,
    },
    /// A fixed IPI this CPU sent itself through the ICR.
    SelfIpi {
        /// Sent level-triggered (ICR bit 15), where the profile keeps it.
        level: bool,
    },
    /// The LVT timer.
    LvtTimer,
}

/// Why an incoming fixed interrupt did not set IRR.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DropReason {
    /// IA32_APIC_BASE bit 11 is clear: the APIC acts as absent (SDM 10.4.3).
    HwDisabled,
    /// SPIV bit 8 is clear and the profile drops new fixed interrupts
    /// then (`policy::SwDisabledFixed::Drop`).
    SwDisabled,
    /// The LVT entry that would send it is masked (SDM 10.5.1).
    Masked,
    /// A fixed IPI with trigger mode level and level de-assert, which the
    /// profile drops (`policy::FixedIpiFlags::LevelDeassertDropped`).
    LevelDeassert,
}

/// Why a pending IRR bit is not delivered now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Blocked {
    /// IF=0 (SDM 6.8.1).
    IfClear,
    /// Halted with IF=0: a maskable interrupt does not end HLT.
    HaltedIfClear,
    /// The CPU waits for SIPI.
    WaitForSipi,
    /// Its class is not above PPR (or VPPR under APICv).
    Priority {
        /// The PPR it was compared with.
        ppr: u8,
    },
    /// Software-disabled, and the profile holds such a bit
    /// (`policy::HeldIrr::Hold`).
    Policy,
}

/// What woke a halted CPU.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Waker {
    /// A maskable interrupt.
    Interrupt,
    /// An NMI.
    Nmi,
}

/// ICR delivery mode, bits 10:8 (SDM figure 10-12).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeliveryMode {
    /// 000.
    Fixed,
    /// 001.
    LowestPriority,
    /// 010.
    Smi,
    /// 100.
    Nmi,
    /// 101.
    Init,
    /// 110.
    StartUp,
    /// 011 and 111.
    Reserved(u8),
}

/// What v5.4's `apic_pending_intr_clear()` prints when it gives up.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StaleIrr {
    /// The `pr_warn()` line as printed.
    pub line: String,
    /// IRR as last read.
    pub irr: Vec<u8>,
}

/// IRR and ISR at one moment (what a software disable keeps, what INIT
/// clears). Boxed in an `Outcome`: in place, the two would make every
/// outcome, and so every event of a trace, larger.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IrrIsr {
    /// IRR.
    pub irr: VectorBits,
    /// ISR.
    pub isr: VectorBits,
}

/// What a guest kernel routine says it does, and what it prints.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Guest {
    /// A routine starts (its name and what it does).
    Enter(Routine),
    /// `setup_local_APIC()`'s `if (apic_enabled())`: taken or not.
    SetupClearsFirst(bool),
    /// `setup_local_APIC()` writes SPIV to enable the APIC.
    SetupEnables,
    /// `play_dead_common()` disables interrupts.
    PlayDeadCli,
    /// `hlt_play_dead()` halts in a loop.
    PlayDeadHlt,
    /// After the NMI, CPU0's `hlt_play_dead()` sees `wakeup_cpu0()` and
    /// enters `start_cpu0()`.
    Cpu0Restarts,
    /// `start_secondary()` enables interrupts at its end.
    StartSecondarySti,
    /// `ack_APIC_irq()`: the routine writes EOI.
    Ack,
    /// A routine starts, as another kernel than the seed's tree has it.
    EnterAs(Routine, crate::format::Kernel),
    /// v5.4's `setup_local_APIC()` soft-disables the APIC before anything
    /// else.
    SetupSoftDisablesFirst,
    /// v5.4's `apic_check_and_ack()`: `ack_APIC_irq()` for an ISR bit.
    AckV54,
    /// v5.4's `apic_pending_intr_clear()` gave up after 512 rounds
    /// (boxed, as rare as it is large).
    StaleIrr(Box<StaleIrr>),
    /// `apic_pending_intr_clear()` found IRR and ISR empty.
    PendingClean {
        /// Rounds read.
        rounds: usize,
        /// EOIs written.
        acked: usize,
    },
    /// `apic_pending_intr_clear()` reads the same IRR every round and
    /// nothing can move it.
    PendingStuck {
        /// IRR as read (a boxed slice, without a capacity: so `Guest` is
        /// no larger than its `String` variants).
        irr: Box<[u8]>,
        /// IF at the time.
        if_flag: bool,
        /// EOIs written (ISR bits found).
        acked: usize,
    },
    /// `WARN_ON(max_loops <= 0)` fires: the first line of the report.
    WarnOn(String),
    /// The kernel prints a warning (the text as printed).
    Warning(String),
}

/// One thing that happened (or did not, and why).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Power-up (SDM 10.4.7.1).
    PowerUp,
    /// A register was written: its value before and after, and PPR after.
    Written {
        /// The register.
        reg: Reg,
        /// Before.
        old: u64,
        /// After (what the register keeps of the written value).
        new: u64,
        /// PPR after the write.
        ppr: u8,
    },
    /// A write while the APIC is hardware-disabled does nothing.
    WriteIgnoredHwDisabled(Reg),
    /// IA32_APIC_BASE bit 10 (x2APIC) is not modelled.
    X2apicIgnored,
    /// SPIV bit 8 went 1 -> 0: these LVT entries were masked by it.
    SoftwareDisabled {
        /// The entries whose mask bit it set.
        masked: Vec<Lvt>,
    },
    /// At a software disable, IRR and ISR keep what they hold.
    HeldAtDisable(Box<IrrIsr>),
    /// SPIV bit 8 went 0 -> 1.
    SoftwareEnabled,
    /// An unmask was refused while software-disabled (SDM 10.4.7.2).
    UnmaskRefused(Lvt),
    /// SPIV bit 8 went 1 -> 0 and the LVTs were left as they were
    /// (`policy::SwDisabledLvts::Untouched`).
    SoftwareDisabledLvtsKept,
    /// An unmask was kept although the APIC is software-disabled
    /// (`policy::SwDisabledLvts::Untouched`).
    UnmaskKept(Lvt),
    /// A fixed interrupt sets IRR although the APIC is software-disabled
    /// (`policy::SwDisabledFixed::Accept`); the acceptance follows.
    AcceptedWhileSwDisabled(u8),
    /// A timer mode change disarmed the timer (SDM 10.5.4.1).
    TimerDisarmed {
        /// Mode before.
        from: TimerMode,
        /// Mode after.
        to: TimerMode,
    },
    /// IA32_APIC_BASE bit 11 went 1 -> 0: state lost, or kept
    /// (`policy::HwDisable`).
    HwDisabled {
        /// The registers were kept.
        kept: bool,
    },
    /// IA32_APIC_BASE bit 11 went 1 -> 0 and SPIV bit 8 with it; the APIC
    /// keeps working (`policy::HwDisable::ApicKeepsWorking`).
    HwDisabledApicWorks,
    /// A write set IA32_APIC_BASE bit 11, which stays 0
    /// (`policy::HwDisable::ApicKeepsWorking`).
    HwEnableIgnored,
    /// IA32_APIC_BASE bit 11 went 0 -> 1: power-up state again, or the
    /// registers as they were (`policy::HwDisable`).
    HwEnabled {
        /// The registers were kept.
        kept: bool,
    },
    /// A write to SPIV or an LVT that `policy::ReservedBits` stores
    /// differently from the SDM: reserved LVT bits kept, or defined SPIV
    /// bits (focus, EOI-broadcast suppression) dropped.
    ReservedBits {
        /// The register.
        reg: Reg,
        /// Reserved bits kept as written.
        kept: u32,
        /// Defined bits the write did not store.
        dropped: u32,
    },
    /// An LVT write set a status bit (delivery status, remote IRR): kept
    /// as written, or not (`policy::LvtStatusBits`).
    LvtStatusBits {
        /// The entry.
        lvt: Lvt,
        /// The status bits in the value written.
        written: u32,
        /// Whether the entry kept them.
        kept: bool,
    },
    /// A fixed IPI was sent with trigger mode level, which the profile
    /// ignores (`policy::FixedIpiFlags::Ignored`): it goes edge-triggered.
    FixedIpiTriggerIgnored(u8),
    /// An ICR write sent an IPI.
    IpiSent {
        /// The ICR as kept.
        icr: u64,
        /// Its delivery mode.
        mode: DeliveryMode,
        /// Its vector field.
        vector: u8,
    },
    /// The IPI also goes to other CPUs, which the model does not hold.
    IpiToOthers(u8),
    /// The self shorthand with a delivery mode other than fixed.
    SelfShorthandNotFixed {
        /// The mode.
        mode: DeliveryMode,
        /// The vector field.
        vector: u8,
    },
    /// A vector below 16 was sent (ESR bit 5 on the next ESR write).
    IllegalSendVector(u8),
    /// An INIT level de-assert IPI: no effect on this CPU.
    InitDeassert,
    /// An SMI to self: not modelled.
    SmiToSelf,
    /// A reserved delivery mode: nothing is sent.
    ReservedMode {
        /// The mode's bits.
        mode: u8,
        /// The vector field.
        vector: u8,
    },
    /// A vector below 16 arrived (ESR bit 6 on the next ESR write).
    IllegalVector(u8),
    /// A fixed interrupt was accepted into IRR.
    Accepted {
        /// From where.
        source: Source,
        /// The vector.
        vector: u8,
        /// Whether the TMR bit changed with it.
        tmr_changed: bool,
    },
    /// A fixed interrupt merged with the same vector already in IRR.
    Merged {
        /// From where.
        source: Source,
        /// The vector.
        vector: u8,
    },
    /// A fixed interrupt was dropped.
    Dropped {
        /// From where.
        source: Source,
        /// The vector.
        vector: u8,
        /// Why.
        why: DropReason,
    },
    /// EOI with ISR empty.
    EoiNone,
    /// EOI cleared an ISR bit; PPR after it.
    Eoi {
        /// The vector cleared.
        vector: u8,
        /// PPR after.
        ppr: u8,
    },
    /// EOI of a level-triggered vector: broadcast to the I/O APICs, or
    /// suppressed by SPIV bit 12.
    LevelEoi {
        /// The vector.
        vector: u8,
        /// SPIV bit 12 set.
        suppressed: bool,
    },
    /// A pending IRR bit stays pending, and why.
    Pending {
        /// The highest pending vector.
        vector: u8,
        /// Why.
        why: Blocked,
    },
    /// A halted CPU woke.
    Woken(Waker),
    /// A held IRR bit of a software-disabled APIC was delivered as a
    /// spurious interrupt (`policy::HeldIrr::Spurious`).
    Spurious {
        /// The IRR bit that went.
        held: u8,
        /// The SPIV vector delivered.
        vector: u8,
    },
    /// The spurious handler ran and returned without EOI.
    SpuriousHandled(u8),
    /// IRR -> ISR and the handler entered.
    Dispatched {
        /// The vector.
        vector: u8,
        /// PPR (or VPPR) it was compared with.
        ppr: u8,
        /// Virtual-interrupt delivery (APICv).
        virtual_delivery: bool,
        /// The APIC was software-disabled (`policy::HeldIrr::Deliver`).
        sw_disabled: bool,
    },
    /// The handler writes EOI (`auto_eoi`).
    HandlerEoi(u8),
    /// The handler returned (IRET restores IF=1).
    HandlerReturned(u8),
    /// `manual` handlers: IF=1 again, no EOI yet.
    HandlerKeepsIsr(u8),
    /// cli / sti.
    IfSet(bool),
    /// HLT, with IF at the time.
    Halted {
        /// IF.
        if_flag: bool,
    },
    /// HLT in wait-for-SIPI does nothing.
    HltIgnored,
    /// NMI taken.
    Nmi,
    /// NMI not taken in wait-for-SIPI.
    NmiIgnored,
    /// KVM's `kvm_lapic_reset()` set LVT LINT0 of the BSP to ExtINT,
    /// unmasked (after RESET or INIT).
    BspLint0ExtInt,
    /// After INIT the BSP runs the BIOS boot-strap code at the reset
    /// vector instead of waiting for SIPI (SDM 8.4.2; KVM:
    /// KVM_MP_STATE_RUNNABLE).
    InitBspRuns,
    /// INIT: the APIC reset; what IRR and ISR lost (as they were before).
    InitReset(Box<IrrIsr>),
    /// The CPU now waits for SIPI.
    WaitForSipi,
    /// A SIPI started the CPU.
    Started(u8),
    /// A SIPI was ignored: the CPU was not waiting for one.
    SipiIgnored(u8),
    /// An initial-count write in TSC-deadline mode does nothing.
    TimerInitialIgnored(u32),
    /// An initial count started (or, 0, stopped) the timer.
    TimerInitial {
        /// The count.
        value: u32,
        /// The mode.
        mode: TimerMode,
    },
    /// An IA32_TSC_DEADLINE write outside TSC-deadline mode does nothing.
    TscDeadlineIgnored(TimerMode),
    /// IA32_TSC_DEADLINE armed (or, 0, disarmed) the timer.
    TscDeadline(u64),
    /// The timer fired; a periodic timer reloads this count.
    TimerFired {
        /// The mode it fired in.
        mode: TimerMode,
        /// The reloaded count (periodic).
        reload: u32,
    },
    /// `timer_fire` with nothing armed.
    TimerNotArmed(TimerMode),
    /// A software step did not run: the CPU is halted or waits for SIPI.
    Skipped {
        /// The step's short description.
        what: String,
        /// Halted (true) or waiting for SIPI (false).
        halted: bool,
    },
    /// What a guest routine says.
    Guest(Guest),
    /// Narration from the scenario.
    Note(String),
}
