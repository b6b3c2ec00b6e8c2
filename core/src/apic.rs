//! The local APIC's register file (xAPIC layout, Intel SDM Vol. 3A chapter
//! 10, table 10-1) and the register-level rules: power-up and INIT reset,
//! what each write keeps (reserved and read-only bits), acceptance into IRR
//! with TMR, PPR, and EOI. CPU-side behaviour (IF, halt, dispatch) lives in
//! `cpu.rs` and `engine.rs`; implementation differences in `policy.rs`.
//!
//! The shape follows crosvm's `devices/src/irqchip/apic.rs`: named register
//! offsets, a `VectorReg` for the three 256-bit registers, and doc comments
//! that quote the SDM rule they implement.

use crate::trace::{Event, EventKind};

/// Local APIC ID register (SDM table 10-1, offset 0x20).
pub const APIC_ID: u32 = 0x20;
/// Local APIC version register (read only).
pub const APIC_VERSION: u32 = 0x30;
/// Task-priority register.
pub const APIC_TPR: u32 = 0x80;
/// Processor-priority register (read only, SDM 10.8.3.1).
pub const APIC_PPR: u32 = 0xa0;
/// EOI register (write only, SDM 10.8.5).
pub const APIC_EOI: u32 = 0xb0;
/// Logical destination register.
pub const APIC_LDR: u32 = 0xd0;
/// Destination format register.
pub const APIC_DFR: u32 = 0xe0;
/// Spurious-interrupt vector register (SDM 10.9).
pub const APIC_SPIV: u32 = 0xf0;
/// First of the eight ISR registers (0x100-0x170).
pub const APIC_ISR: u32 = 0x100;
/// First of the eight TMR registers (0x180-0x1f0).
pub const APIC_TMR: u32 = 0x180;
/// First of the eight IRR registers (0x200-0x270).
pub const APIC_IRR: u32 = 0x200;
/// Error status register (SDM 10.5.3).
pub const APIC_ESR: u32 = 0x280;
/// Interrupt command register, low half (a write sends the IPI).
pub const APIC_ICR_LOW: u32 = 0x300;
/// Interrupt command register, high half (destination).
pub const APIC_ICR_HIGH: u32 = 0x310;
/// LVT timer register.
pub const APIC_LVT_TIMER: u32 = 0x320;
/// LVT thermal sensor register.
pub const APIC_LVT_THERMAL: u32 = 0x330;
/// LVT performance monitoring counters register.
pub const APIC_LVT_PMC: u32 = 0x340;
/// LVT LINT0 register.
pub const APIC_LVT_LINT0: u32 = 0x350;
/// LVT LINT1 register.
pub const APIC_LVT_LINT1: u32 = 0x360;
/// LVT error register.
pub const APIC_LVT_ERROR: u32 = 0x370;
/// Timer initial count register.
pub const APIC_TIMER_INITIAL: u32 = 0x380;
/// Timer current count register (read only).
pub const APIC_TIMER_CURRENT: u32 = 0x390;
/// Timer divide configuration register.
pub const APIC_TIMER_DIVIDE: u32 = 0x3e0;
/// IA32_APIC_BASE MSR number (SDM 10.4.4).
pub const MSR_IA32_APIC_BASE: u32 = 0x1b;
/// IA32_TSC_DEADLINE MSR number (SDM 10.5.4.1).
pub const MSR_IA32_TSC_DEADLINE: u32 = 0x6e0;

/// SPIV bit 8: APIC software enable.
pub const SPIV_APIC_ENABLED: u32 = 1 << 8;
/// SPIV bit 9: focus processor checking disabled.
pub const SPIV_FOCUS_DISABLED: u32 = 1 << 9;
/// SPIV bit 12: EOI-broadcast suppression.
pub const SPIV_EOI_BROADCAST_SUPPRESSION: u32 = 1 << 12;
/// LVT bit 16: mask.
pub const LVT_MASKED: u32 = 1 << 16;
/// LVT / ICR bit 12: delivery status (send pending), read only.
pub const LVT_DELIVERY_STATUS: u32 = 1 << 12;
/// IA32_APIC_BASE bit 8: bootstrap processor (read only).
pub const APIC_BASE_BSP: u64 = 1 << 8;
/// IA32_APIC_BASE bit 10: x2APIC mode (not modelled: this is an xAPIC).
pub const APIC_BASE_EXTD: u64 = 1 << 10;
/// IA32_APIC_BASE bit 11: APIC global (hardware) enable.
pub const APIC_BASE_ENABLE: u64 = 1 << 11;
/// The default APIC base address, 0xfee00000 (SDM 10.4.1).
pub const APIC_BASE_DEFAULT_ADDR: u64 = 0xfee0_0000;

/// Writable bits of the LVT timer: vector, mask, timer mode (SDM figure 10-8).
const LVT_TIMER_WRITABLE: u32 = 0x0007_00ff;
/// Writable bits of LINT0/LINT1: vector, delivery mode, polarity, trigger, mask.
const LVT_LINT_WRITABLE: u32 = 0x0001_a7ff;
/// Writable bits of the LVT error register: vector and mask.
const LVT_ERROR_WRITABLE: u32 = 0x0001_00ff;
/// Writable bits of thermal/PMC: vector, delivery mode, mask.
const LVT_THERMAL_PMC_WRITABLE: u32 = 0x0001_07ff;
/// Writable SPIV bits: vector 7:0, enable 8, focus 9, EOI suppression 12.
const SPIV_WRITABLE: u32 = 0x0000_13ff;
/// Writable bits of the divide configuration: 0, 1 and 3 (SDM figure 10-10).
const TIMER_DIVIDE_WRITABLE: u32 = 0x0000_000b;
/// Writable ICR low bits: vector, delivery mode, destination mode, level,
/// trigger, shorthand (delivery status 12 is read only; SDM figure 10-12).
const ICR_LOW_WRITABLE: u32 = 0x000c_cfff;
/// IA32_APIC_BASE bits this model keeps: enable and the base address
/// (bits 12-35 for a 36-bit physical address width).
const APIC_BASE_WRITABLE: u64 = APIC_BASE_ENABLE | 0x0000_000f_ffff_f000;

/// The ESR's "received illegal vector" bit (SDM 10.5.3, bit 6).
pub const ESR_RECEIVE_ILLEGAL_VECTOR: u32 = 1 << 6;
/// The ESR's "send illegal vector" bit (SDM 10.5.3, bit 5).
pub const ESR_SEND_ILLEGAL_VECTOR: u32 = 1 << 5;

/// The version register's value (SDM 10.4.8): an integrated APIC (version
/// 0x14), six LVT entries (max LVT 5), and bit 24 set: EOI-broadcast
/// suppression is supported, so SPIV bit 12 is writable.
pub const APIC_VERSION_VALUE: u32 = 0x0105_0014;

/// A register a scenario can write (`write {reg, value}`). Names follow the
/// SDM and the scenario format (DESIGN.md).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
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

impl Reg {
    /// Every writable register, in scenario-format order.
    pub const ALL: [Reg; 18] = [
        Reg::Id,
        Reg::Tpr,
        Reg::Eoi,
        Reg::Ldr,
        Reg::Dfr,
        Reg::Spiv,
        Reg::Esr,
        Reg::Icr,
        Reg::LvtTimer,
        Reg::LvtThermal,
        Reg::LvtPmc,
        Reg::LvtLint0,
        Reg::LvtLint1,
        Reg::LvtError,
        Reg::TimerInitial,
        Reg::TimerDivide,
        Reg::TscDeadline,
        Reg::ApicBase,
    ];

    /// The scenario-format name (`spiv`, `lvt_timer`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Reg::Id => "id",
            Reg::Tpr => "tpr",
            Reg::Eoi => "eoi",
            Reg::Ldr => "ldr",
            Reg::Dfr => "dfr",
            Reg::Spiv => "spiv",
            Reg::Esr => "esr",
            Reg::Icr => "icr",
            Reg::LvtTimer => "lvt_timer",
            Reg::LvtThermal => "lvt_thermal",
            Reg::LvtPmc => "lvt_pmc",
            Reg::LvtLint0 => "lvt_lint0",
            Reg::LvtLint1 => "lvt_lint1",
            Reg::LvtError => "lvt_error",
            Reg::TimerInitial => "timer_initial",
            Reg::TimerDivide => "timer_divide",
            Reg::TscDeadline => "tsc_deadline",
            Reg::ApicBase => "apic_base",
        }
    }

    /// The register for a scenario-format name.
    pub fn from_name(name: &str) -> Option<Reg> {
        Reg::ALL.into_iter().find(|r| r.name() == name)
    }

    /// The register's size in bits: 32 for the memory-mapped registers, 64
    /// for the ICR (two halves) and the two MSRs. A scenario value wider
    /// than this is an error, not a silent truncation.
    pub fn width_bits(self) -> u32 {
        match self {
            Reg::Icr | Reg::TscDeadline | Reg::ApicBase => 64,
            _ => 32,
        }
    }

    /// The xAPIC MMIO offset, or the MSR number for the two MSRs.
    pub fn address(self) -> u32 {
        match self {
            Reg::Id => APIC_ID,
            Reg::Tpr => APIC_TPR,
            Reg::Eoi => APIC_EOI,
            Reg::Ldr => APIC_LDR,
            Reg::Dfr => APIC_DFR,
            Reg::Spiv => APIC_SPIV,
            Reg::Esr => APIC_ESR,
            Reg::Icr => APIC_ICR_LOW,
            Reg::LvtTimer => APIC_LVT_TIMER,
            Reg::LvtThermal => APIC_LVT_THERMAL,
            Reg::LvtPmc => APIC_LVT_PMC,
            Reg::LvtLint0 => APIC_LVT_LINT0,
            Reg::LvtLint1 => APIC_LVT_LINT1,
            Reg::LvtError => APIC_LVT_ERROR,
            Reg::TimerInitial => APIC_TIMER_INITIAL,
            Reg::TimerDivide => APIC_TIMER_DIVIDE,
            Reg::TscDeadline => MSR_IA32_TSC_DEADLINE,
            Reg::ApicBase => MSR_IA32_APIC_BASE,
        }
    }

    /// The LVT entry this register is, if it is one.
    pub fn lvt(self) -> Option<Lvt> {
        match self {
            Reg::LvtTimer => Some(Lvt::Timer),
            Reg::LvtThermal => Some(Lvt::Thermal),
            Reg::LvtPmc => Some(Lvt::Pmc),
            Reg::LvtLint0 => Some(Lvt::Lint0),
            Reg::LvtLint1 => Some(Lvt::Lint1),
            Reg::LvtError => Some(Lvt::Error),
            _ => None,
        }
    }
}

/// One of the six local vector table entries (SDM 10.5.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Lvt {
    /// LVT timer.
    Timer,
    /// LVT thermal sensor.
    Thermal,
    /// LVT performance counters.
    Pmc,
    /// LVT LINT0.
    Lint0,
    /// LVT LINT1.
    Lint1,
    /// LVT error.
    Error,
}

impl Lvt {
    /// All six, in register order.
    pub const ALL: [Lvt; 6] = [
        Lvt::Timer,
        Lvt::Thermal,
        Lvt::Pmc,
        Lvt::Lint0,
        Lvt::Lint1,
        Lvt::Error,
    ];

    /// The name used in traces (`lvt_timer`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Lvt::Timer => "lvt_timer",
            Lvt::Thermal => "lvt_thermal",
            Lvt::Pmc => "lvt_pmc",
            Lvt::Lint0 => "lvt_lint0",
            Lvt::Lint1 => "lvt_lint1",
            Lvt::Error => "lvt_error",
        }
    }

    fn index(self) -> usize {
        match self {
            Lvt::Timer => 0,
            Lvt::Thermal => 1,
            Lvt::Pmc => 2,
            Lvt::Lint0 => 3,
            Lvt::Lint1 => 4,
            Lvt::Error => 5,
        }
    }

    /// Bits software can write; the rest are reserved or read only.
    fn writable(self) -> u32 {
        match self {
            Lvt::Timer => LVT_TIMER_WRITABLE,
            Lvt::Lint0 | Lvt::Lint1 => LVT_LINT_WRITABLE,
            Lvt::Error => LVT_ERROR_WRITABLE,
            Lvt::Thermal | Lvt::Pmc => LVT_THERMAL_PMC_WRITABLE,
        }
    }
}

/// The three 256-bit vector registers (crosvm's `VectorReg`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum VectorReg {
    /// Interrupt request register: accepted, not yet dispatched.
    Irr,
    /// In-service register: dispatched, not yet EOI'd.
    Isr,
    /// Trigger mode register: set for level-triggered acceptances.
    Tmr,
}

impl VectorReg {
    /// The first of its eight 32-bit registers in the xAPIC page.
    pub fn base(self) -> u32 {
        match self {
            VectorReg::Irr => APIC_IRR,
            VectorReg::Isr => APIC_ISR,
            VectorReg::Tmr => APIC_TMR,
        }
    }

    /// `irr`, `isr`, `tmr`.
    pub fn name(self) -> &'static str {
        match self {
            VectorReg::Irr => "irr",
            VectorReg::Isr => "isr",
            VectorReg::Tmr => "tmr",
        }
    }
}

/// 256 bits, one per vector, stored as the eight 32-bit registers the xAPIC
/// page shows (register i holds vectors 32*i .. 32*i+31).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct VectorBits {
    regs: [u32; 8],
}

impl VectorBits {
    /// Whether `vector`'s bit is set.
    pub fn test(&self, vector: u8) -> bool {
        let (i, bit) = split(vector);
        self.regs.get(i).is_some_and(|r| r & bit != 0)
    }

    /// Set `vector`'s bit; returns whether it was clear before.
    pub fn set(&mut self, vector: u8) -> bool {
        let (i, bit) = split(vector);
        match self.regs.get_mut(i) {
            Some(r) => {
                let was_clear = *r & bit == 0;
                *r |= bit;
                was_clear
            }
            None => false,
        }
    }

    /// Clear `vector`'s bit; returns whether it was set before.
    pub fn clear(&mut self, vector: u8) -> bool {
        let (i, bit) = split(vector);
        match self.regs.get_mut(i) {
            Some(r) => {
                let was_set = *r & bit != 0;
                *r &= !bit;
                was_set
            }
            None => false,
        }
    }

    /// Clear every bit.
    pub fn clear_all(&mut self) {
        self.regs = [0; 8];
    }

    /// No bit set.
    pub fn is_empty(&self) -> bool {
        self.regs.iter().all(|r| *r == 0)
    }

    /// The highest set vector, as the APIC's priority logic sees it.
    pub fn highest(&self) -> Option<u8> {
        self.regs
            .iter()
            .enumerate()
            .rev()
            .find(|(_, r)| **r != 0)
            .and_then(|(i, r)| u8::try_from(i * 32 + (31 - r.leading_zeros() as usize)).ok())
    }

    /// The set vectors, ascending.
    pub fn vectors(&self) -> Vec<u8> {
        let mut out = Vec::new();
        for (i, r) in self.regs.iter().enumerate() {
            let mut bits = *r;
            while bits != 0 {
                let b = bits.trailing_zeros() as usize;
                if let Ok(v) = u8::try_from(i * 32 + b) {
                    out.push(v);
                }
                bits &= bits - 1;
            }
        }
        out
    }

    /// The 32-bit register `i` (0..8), as read at base + 0x10*i.
    pub fn reg(&self, i: usize) -> u32 {
        self.regs.get(i).copied().unwrap_or(0)
    }

    /// The bitmap as the kernel's `%256pb` prints it: eight 32-bit words in
    /// hex, most significant first, separated by commas (lib/vsprintf.c
    /// `bitmap_string()`).
    pub fn kernel_bitmap(&self) -> String {
        self.regs
            .iter()
            .rev()
            .map(|r| format!("{r:08x}"))
            .collect::<Vec<_>>()
            .join(",")
    }
}

fn split(vector: u8) -> (usize, u32) {
    (usize::from(vector / 32), 1u32 << (vector % 32))
}

/// The priority class of a vector: bits 7:4 (SDM 10.8.3).
pub fn class(vector: u8) -> u8 {
    vector >> 4
}

/// Hex as the trace and the kernel show vectors: `0xec`.
pub fn hex(vector: u8) -> String {
    format!("{vector:#04x}")
}

/// The register file of one local APIC.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Apic {
    /// ID register (bits 31:24 hold the ID).
    pub id: u32,
    /// Task-priority register.
    pub tpr: u32,
    /// Logical destination register.
    pub ldr: u32,
    /// Destination format register.
    pub dfr: u32,
    /// Spurious-interrupt vector register.
    pub spiv: u32,
    /// ESR as last latched by a write to it.
    pub esr: u32,
    /// Errors detected since the last ESR write (SDM 10.5.3: they become
    /// visible in ESR on the next write to it).
    pub esr_pending: u32,
    /// Interrupt command register (high half in 63:32).
    pub icr: u64,
    lvt: [u32; 6],
    /// Timer initial count.
    pub timer_initial: u32,
    /// Timer current count (counts down; here it only moves on `timer_fire`).
    pub timer_current: u32,
    /// Timer divide configuration.
    pub timer_divide: u32,
    /// IA32_TSC_DEADLINE (0 = disarmed).
    pub tsc_deadline: u64,
    /// IA32_APIC_BASE.
    pub apic_base: u64,
    /// Interrupt request register.
    pub irr: VectorBits,
    /// In-service register.
    pub isr: VectorBits,
    /// Trigger mode register.
    pub tmr: VectorBits,
}

impl Default for Apic {
    fn default() -> Self {
        Apic::power_up(0)
    }
}

impl Apic {
    /// The power-up / RESET state (SDM 10.4.7.1): IRR, ISR, TMR, ICR, LDR,
    /// TPR, timer counts and divide are 0; DFR is all 1s; every LVT is 0
    /// except its mask bit; SPIV is 0xFF (software-disabled); the APIC is
    /// hardware-enabled at the default base, as the BSP.
    pub fn power_up(id: u8) -> Apic {
        Apic {
            id: u32::from(id) << 24,
            tpr: 0,
            ldr: 0,
            dfr: 0xffff_ffff,
            spiv: 0xff,
            esr: 0,
            esr_pending: 0,
            icr: 0,
            lvt: [LVT_MASKED; 6],
            timer_initial: 0,
            timer_current: 0,
            timer_divide: 0,
            tsc_deadline: 0,
            apic_base: APIC_BASE_DEFAULT_ADDR | APIC_BASE_ENABLE | APIC_BASE_BSP,
            irr: VectorBits::default(),
            isr: VectorBits::default(),
            tmr: VectorBits::default(),
        }
    }

    /// The INIT state (SDM 10.4.7.3): as power-up, except that the APIC ID
    /// and IA32_APIC_BASE are kept.
    pub fn init_reset(&mut self) {
        let id = self.id;
        let base = self.apic_base;
        *self = Apic::power_up(0);
        self.id = id;
        self.apic_base = base;
    }

    /// IA32_APIC_BASE bit 11: the APIC is globally enabled (SDM 10.4.3).
    pub fn hw_enabled(&self) -> bool {
        self.apic_base & APIC_BASE_ENABLE != 0
    }

    /// SPIV bit 8 (SDM 10.4.7.2).
    pub fn spiv_enabled(&self) -> bool {
        self.spiv & SPIV_APIC_ENABLED != 0
    }

    /// Hardware and software enabled: KVM's `apic_enabled()`.
    pub fn sw_enabled(&self) -> bool {
        self.hw_enabled() && self.spiv_enabled()
    }

    /// The spurious vector, SPIV bits 7:0.
    pub fn spurious_vector(&self) -> u8 {
        (self.spiv & 0xff) as u8
    }

    /// TPR bits 7:0.
    pub fn tpr8(&self) -> u8 {
        (self.tpr & 0xff) as u8
    }

    /// PPR (SDM 10.8.3.1): if TPR[7:4] >= ISRV[7:4] then PPR = TPR[7:0],
    /// else PPR[7:4] = ISRV[7:4] and PPR[3:0] = 0. ISRV is the highest
    /// in-service vector (0 if none).
    pub fn ppr(&self) -> u8 {
        let tpr = self.tpr8();
        let isrv = self.isr.highest().unwrap_or(0);
        if class(tpr) >= class(isrv) {
            tpr
        } else {
            isrv & 0xf0
        }
    }

    /// An LVT entry's value.
    pub fn lvt(&self, lvt: Lvt) -> u32 {
        self.lvt.get(lvt.index()).copied().unwrap_or(LVT_MASKED)
    }

    /// Set an LVT entry, keeping only writable bits plus the given read-only
    /// bits (callers apply the software-disable rule first).
    pub(crate) fn set_lvt_raw(&mut self, lvt: Lvt, value: u32) {
        if let Some(slot) = self.lvt.get_mut(lvt.index()) {
            *slot = value;
        }
    }

    /// Write an LVT entry as software does: reserved and read-only bits are
    /// kept as they were, and while the APIC is software-disabled the mask
    /// bit stays set (SDM 10.4.7.2: "attempts to reset the mask bits ... are
    /// ignored"). Returns the new value and whether an unmask was refused.
    pub(crate) fn write_lvt(&mut self, lvt: Lvt, value: u32) -> (u32, bool) {
        let writable = lvt.writable();
        let old = self.lvt(lvt);
        let mut new = (old & !writable) | (value & writable);
        let mut refused = false;
        if !self.spiv_enabled() && new & LVT_MASKED == 0 {
            new |= LVT_MASKED;
            refused = true;
        }
        self.set_lvt_raw(lvt, new);
        (new, refused)
    }

    /// Keep the writable bits of a SPIV value.
    pub(crate) fn spiv_write_value(value: u32) -> u32 {
        value & SPIV_WRITABLE
    }

    /// Keep the writable bits of a divide configuration value.
    pub(crate) fn divide_write_value(value: u32) -> u32 {
        value & TIMER_DIVIDE_WRITABLE
    }

    /// Keep the writable bits of an ICR value (both halves; in the high half
    /// only the destination field, bits 63:56).
    pub(crate) fn icr_write_value(value: u64) -> u64 {
        (value & 0xff00_0000_0000_0000) | (value & u64::from(ICR_LOW_WRITABLE))
    }

    /// Keep the modelled bits of an IA32_APIC_BASE value; BSP stays as it was.
    pub(crate) fn apic_base_write_value(&self, value: u64) -> u64 {
        (value & APIC_BASE_WRITABLE) | (self.apic_base & APIC_BASE_BSP)
    }

    /// Mask every LVT entry (SDM 10.4.7.2: clearing SPIV bit 8 sets every
    /// LVT mask bit). Returns the entries that changed.
    pub(crate) fn mask_all_lvts(&mut self) -> Vec<Lvt> {
        let mut changed = Vec::new();
        for lvt in Lvt::ALL {
            let v = self.lvt(lvt);
            if v & LVT_MASKED == 0 {
                self.set_lvt_raw(lvt, v | LVT_MASKED);
                changed.push(lvt);
            }
        }
        changed
    }

    /// Record an error for the next ESR write (SDM 10.5.3).
    pub(crate) fn record_error(&mut self, bit: u32) {
        self.esr_pending |= bit;
    }

    /// The 32-bit view of a register as software would read it, by its
    /// xAPIC offset (or MSR number for the two MSRs). None for offsets that
    /// this model does not hold.
    pub fn read(&self, offset: u32) -> Option<u64> {
        let v = match offset {
            APIC_ID => u64::from(self.id),
            APIC_VERSION => u64::from(APIC_VERSION_VALUE),
            APIC_TPR => u64::from(self.tpr),
            APIC_PPR => u64::from(self.ppr()),
            APIC_LDR => u64::from(self.ldr),
            APIC_DFR => u64::from(self.dfr),
            APIC_SPIV => u64::from(self.spiv),
            APIC_ESR => u64::from(self.esr),
            APIC_ICR_LOW => self.icr & 0xffff_ffff,
            APIC_ICR_HIGH => self.icr >> 32,
            APIC_LVT_TIMER => u64::from(self.lvt(Lvt::Timer)),
            APIC_LVT_THERMAL => u64::from(self.lvt(Lvt::Thermal)),
            APIC_LVT_PMC => u64::from(self.lvt(Lvt::Pmc)),
            APIC_LVT_LINT0 => u64::from(self.lvt(Lvt::Lint0)),
            APIC_LVT_LINT1 => u64::from(self.lvt(Lvt::Lint1)),
            APIC_LVT_ERROR => u64::from(self.lvt(Lvt::Error)),
            APIC_TIMER_INITIAL => u64::from(self.timer_initial),
            APIC_TIMER_CURRENT => u64::from(self.timer_current),
            APIC_TIMER_DIVIDE => u64::from(self.timer_divide),
            MSR_IA32_TSC_DEADLINE => self.tsc_deadline,
            MSR_IA32_APIC_BASE => self.apic_base,
            o if (APIC_ISR..APIC_ISR + 0x80).contains(&o) && o % 0x10 == 0 => {
                u64::from(self.isr.reg(((o - APIC_ISR) / 0x10) as usize))
            }
            o if (APIC_TMR..APIC_TMR + 0x80).contains(&o) && o % 0x10 == 0 => {
                u64::from(self.tmr.reg(((o - APIC_TMR) / 0x10) as usize))
            }
            o if (APIC_IRR..APIC_IRR + 0x80).contains(&o) && o % 0x10 == 0 => {
                u64::from(self.irr.reg(((o - APIC_IRR) / 0x10) as usize))
            }
            _ => return None,
        };
        Some(v)
    }

    /// Accept a fixed interrupt into IRR and set TMR from its trigger mode
    /// (SDM 10.8.4: "upon acceptance of an interrupt into the IRR, the
    /// corresponding TMR bit is cleared for edge-triggered interrupts and set
    /// for level-triggered interrupts"). The caller has already applied the
    /// enable checks. IRR holds one request per vector: a second request
    /// while the bit is set merges with it (SDM 10.8.4, two per vector
    /// counting the one in service).
    pub(crate) fn accept(&mut self, vector: u8, level: bool, out: &mut Vec<Event>) {
        if vector < 16 {
            // SDM 10.5.3: vectors 0-15 are illegal; the APIC sets "received
            // illegal vector" and does not accept the interrupt.
            self.record_error(ESR_RECEIVE_ILLEGAL_VECTOR);
            out.push(Event {
                kind: EventKind::Error,
                vector: Some(vector),
                text: format!(
                    "{} is an illegal vector (0-15): not accepted; ESR will show \"receive illegal vector\" (bit 6) on its next write",
                    hex(vector)
                ),
                rule: "sdm-10.5.3".into(),
            });
            return;
        }
        if self.irr.test(vector) {
            out.push(Event {
                kind: EventKind::Drop,
                vector: Some(vector),
                text: format!(
                    "{} is already pending in IRR: the new request merges with it (one IRR and one ISR bit per vector)",
                    hex(vector)
                ),
                rule: "sdm-10.8.4".into(),
            });
            return;
        }
        self.irr.set(vector);
        let tmr_changed = if level {
            self.tmr.set(vector)
        } else {
            self.tmr.clear(vector)
        };
        let trig = if level { "level" } else { "edge" };
        let mut text = format!("{} accepted into IRR ({trig}-triggered", hex(vector));
        if tmr_changed {
            text.push_str(if level {
                ", TMR bit set"
            } else {
                ", TMR bit cleared"
            });
        } else {
            text.push_str(if level {
                ", TMR bit stays set"
            } else {
                ", TMR bit stays clear"
            });
        }
        text.push(')');
        if vector < 32 {
            text.push_str("; vectors 16-31 are reserved for exceptions");
        }
        out.push(Event {
            kind: EventKind::Accept,
            vector: Some(vector),
            text,
            rule: "sdm-10.8.4".into(),
        });
    }

    /// EOI (SDM 10.8.5): clear the highest ISR bit; for a level-triggered
    /// vector also broadcast EOI to the I/O APICs unless SPIV bit 12
    /// suppresses it. Returns the vector cleared, if any.
    pub(crate) fn eoi(&mut self, out: &mut Vec<Event>) -> Option<u8> {
        let Some(v) = self.isr.highest() else {
            out.push(Event {
                kind: EventKind::Eoi,
                vector: None,
                text: "EOI with ISR empty: no effect".into(),
                rule: "sdm-10.8.5".into(),
            });
            return None;
        };
        self.isr.clear(v);
        out.push(Event {
            kind: EventKind::Eoi,
            vector: Some(v),
            text: format!(
                "EOI clears the highest in-service vector, {}; PPR is now {:#04x}",
                hex(v),
                self.ppr()
            ),
            rule: "sdm-10.8.5".into(),
        });
        if self.tmr.test(v) {
            if self.spiv & SPIV_EOI_BROADCAST_SUPPRESSION != 0 {
                out.push(Event {
                    kind: EventKind::Eoi,
                    vector: Some(v),
                    text: format!(
                        "{} is level-triggered (TMR set) but SPIV bit 12 suppresses the EOI broadcast: software must EOI the I/O APIC itself",
                        hex(v)
                    ),
                    rule: "sdm-10.8.5".into(),
                });
            } else {
                out.push(Event {
                    kind: EventKind::Eoi,
                    vector: Some(v),
                    text: format!(
                        "{} is level-triggered (TMR set): EOI is broadcast to the I/O APICs, which clear Remote IRR for it",
                        hex(v)
                    ),
                    rule: "sdm-10.8.5".into(),
                });
            }
        }
        Some(v)
    }
}

#[cfg(test)]
mod tests {
    #![allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::panic
    )]
    use super::*;

    #[test]
    fn power_up_matches_sdm_10_4_7_1() {
        let a = Apic::power_up(0);
        assert_eq!(a.spiv, 0xff);
        assert_eq!(a.dfr, 0xffff_ffff);
        for lvt in Lvt::ALL {
            assert_eq!(a.lvt(lvt), 0x0001_0000, "{}", lvt.name());
        }
        assert!(a.irr.is_empty() && a.isr.is_empty() && a.tmr.is_empty());
        assert!(!a.sw_enabled());
    }

    #[test]
    fn ppr_formula_examples() {
        let mut a = Apic::power_up(0);
        a.tpr = 0x25;
        assert_eq!(a.ppr(), 0x25);
        a.isr.set(0x31);
        assert_eq!(a.ppr(), 0x30);
        a.isr.set(0x20);
        assert_eq!(a.ppr(), 0x30);
        a.tpr = 0x3f;
        assert_eq!(a.ppr(), 0x3f);
    }

    #[test]
    fn kernel_bitmap_of_0xec() {
        let mut b = VectorBits::default();
        b.set(0xec);
        // Bit 236 is bit 12 of word 7 (224..255), printed first.
        assert_eq!(
            b.kernel_bitmap(),
            "00001000,00000000,00000000,00000000,00000000,00000000,00000000,00000000"
        );
        assert_eq!(b.highest(), Some(0xec));
        assert_eq!(b.vectors(), vec![0xec]);
    }

    #[test]
    fn irr_register_view() {
        let mut a = Apic::power_up(0);
        a.irr.set(0xec);
        assert_eq!(a.read(APIC_IRR + 0x70), Some(0x1000));
        assert_eq!(a.read(APIC_IRR), Some(0));
    }
}
