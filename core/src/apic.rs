//! The local APIC's register file (xAPIC layout, Intel SDM Vol. 3A chapter
//! 10, table 10-1) and the register-level rules: power-up and INIT reset,
//! what each write keeps (reserved and read-only bits), acceptance into IRR
//! with TMR, PPR, and EOI. Plain data and rules: the machine (`write.rs`,
//! `delivery.rs`) says what happened as `Outcome`s. CPU-side behaviour (IF, halt, dispatch) lives in `machine.rs` and
//! `delivery.rs`; implementation differences in `policy.rs`.
//!
//! The shape follows crosvm's `devices/src/irqchip/apic.rs`: named register
//! offsets, a `VectorReg` for the three 256-bit registers, and doc comments
//! that quote the SDM rule they implement.

use crate::format::Reg;

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
/// LINT0/LINT1 bit 14: remote IRR, read only.
pub const LVT_REMOTE_IRR: u32 = 1 << 14;
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
/// SPIV bits QEMU stores: `s->spurious_vec = val & 0x1ff`.
const SPIV_QEMU_STORED: u32 = 0x0000_01ff;
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

/// The xAPIC MMIO offset of a register, or the MSR number for the two MSRs.
pub fn offset(reg: Reg) -> u32 {
    match reg {
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

/// The LVT entry a register is, if it is one.
pub fn lvt_of(reg: Reg) -> Option<Lvt> {
    match reg {
        Reg::LvtTimer => Some(Lvt::Timer),
        Reg::LvtThermal => Some(Lvt::Thermal),
        Reg::LvtPmc => Some(Lvt::Pmc),
        Reg::LvtLint0 => Some(Lvt::Lint0),
        Reg::LvtLint1 => Some(Lvt::Lint1),
        Reg::LvtError => Some(Lvt::Error),
        _ => None,
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

    /// The name used in traces (`lvt_timer`, ...): its register's name.
    pub fn name(self) -> &'static str {
        self.reg().name()
    }

    /// The register that holds it.
    pub fn reg(self) -> Reg {
        match self {
            Lvt::Timer => Reg::LvtTimer,
            Lvt::Thermal => Reg::LvtThermal,
            Lvt::Pmc => Reg::LvtPmc,
            Lvt::Lint0 => Reg::LvtLint0,
            Lvt::Lint1 => Reg::LvtLint1,
            Lvt::Error => Reg::LvtError,
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

    /// Its read-only status bits: delivery status, and for LINT0/LINT1
    /// also remote IRR (SDM 10.5.1, figure 10-8).
    pub fn status_bits(self) -> u32 {
        match self {
            Lvt::Lint0 | Lvt::Lint1 => LVT_DELIVERY_STATUS | LVT_REMOTE_IRR,
            _ => LVT_DELIVERY_STATUS,
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
/// page shows (register i holds vectors 32*i .. 32*i+31). A trace's IRR,
/// ISR and TMR are these too: 32 bytes in place, no allocation per state.
/// Read, written and printed as the list of set vectors, ascending (the
/// trace's JSON contract: `"irr": [236]`).
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct VectorBits {
    regs: [u32; 8],
}

impl std::fmt::Debug for VectorBits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl serde::Serialize for VectorBits {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

impl<'de> serde::Deserialize<'de> for VectorBits {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<VectorBits, D::Error> {
        // Any list of vectors (0..=255, in any order, repeats allowed) is a
        // set; a value over 255 is refused by `u8` itself.
        Ok(Vec::<u8>::deserialize(d)?.into_iter().collect())
    }
}

impl FromIterator<u8> for VectorBits {
    fn from_iter<I: IntoIterator<Item = u8>>(vectors: I) -> VectorBits {
        let mut bits = VectorBits::default();
        for v in vectors {
            bits.set(v);
        }
        bits
    }
}

impl From<&[u8]> for VectorBits {
    fn from(vectors: &[u8]) -> VectorBits {
        vectors.iter().copied().collect()
    }
}

/// A set equals the list of exactly its vectors, ascending: a list with
/// no repeats whose own set is this one, compared register by register
/// (cheaper than counting the bits of both, for a checkpoint's few vectors).
impl PartialEq<[u8]> for VectorBits {
    fn eq(&self, other: &[u8]) -> bool {
        other.windows(2).all(|w| w.first() < w.last())
            && *self == other.iter().copied().collect::<VectorBits>()
    }
}

impl PartialEq<Vec<u8>> for VectorBits {
    fn eq(&self, other: &Vec<u8>) -> bool {
        *self == **other
    }
}

impl<const N: usize> PartialEq<[u8; N]> for VectorBits {
    fn eq(&self, other: &[u8; N]) -> bool {
        *self == other[..]
    }
}

impl VectorBits {
    /// Whether `vector`'s bit is set.
    pub fn contains(&self, vector: u8) -> bool {
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
        let [a, b, c, d, e, f, g, h] = self.regs;
        a | b | c | d | e | f | g | h == 0
    }

    /// The highest set vector, as the APIC's priority logic sees it.
    /// Read as four 64-bit words (a base vector and the two registers
    /// that hold it), highest first, with one leading-zero count in the
    /// first non-zero one: delivery (of IRR) and PPR (of ISR) ask this
    /// after every operation and for every state, mostly of an empty set.
    pub fn highest(&self) -> Option<u8> {
        let [a, b, c, d, e, f, g, h] = self.regs;
        let words: [(u32, u32, u32); 4] = [(192, g, h), (128, e, f), (64, c, d), (0, a, b)];
        for (base, low, high) in words {
            let word = u64::from(high) << 32 | u64::from(low);
            if word != 0 {
                return u8::try_from(base + 63 - word.leading_zeros()).ok();
            }
        }
        None
    }

    /// How many bits are set.
    pub fn len(&self) -> usize {
        self.regs.iter().map(|r| r.count_ones() as usize).sum()
    }

    /// The set vectors, ascending.
    pub fn iter(&self) -> Vectors {
        Vectors {
            regs: self.regs,
            at: 0,
        }
    }

    /// The set vectors, ascending.
    pub fn vectors(&self) -> Vec<u8> {
        self.iter().collect()
    }

    /// The bits as eight 32-bit registers, register i holding vectors
    /// 32*i .. 32*i+31 (as software reads them at base + 0x10*i).
    pub fn from_regs(regs: [u32; 8]) -> VectorBits {
        VectorBits { regs }
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

/// The vectors of a `VectorBits`, ascending (`VectorBits::iter`).
#[derive(Clone, Debug)]
pub struct Vectors {
    regs: [u32; 8],
    /// The register being read: 0..8.
    at: u8,
}

impl Iterator for Vectors {
    type Item = u8;

    fn next(&mut self) -> Option<u8> {
        while let Some(r) = self.regs.get_mut(usize::from(self.at)) {
            if *r != 0 {
                // trailing_zeros() < 32 and at < 8: at * 32 + bit <= 255.
                let bit = r.trailing_zeros() as u8;
                *r &= *r - 1;
                return Some(self.at * 32 + bit);
            }
            self.at += 1;
        }
        None
    }
}

fn split(vector: u8) -> (usize, u32) {
    (usize::from(vector / 32), 1u32 << (vector % 32))
}

/// The priority class of a vector: bits 7:4 (SDM 10.8.3).
pub fn class(vector: u8) -> u8 {
    vector >> 4
}

pub use crate::format::hex;

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

    /// Hardware-enabled (IA32_APIC_BASE bit 11) and software-enabled (SPIV
    /// bit 8): what KVM calls `apic_enabled()` (arch/x86/kvm/lapic.h) and
    /// the trace calls `sw_enabled`.
    pub fn apic_enabled(&self) -> bool {
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
    /// kept as they were (the status bits too, unless `status_writable`:
    /// `policy::LvtStatusBits`), and while the APIC is software-disabled the
    /// mask bit stays set (SDM 10.4.7.2: "attempts to reset the mask bits
    /// ... are ignored"). Returns the new value and whether an unmask was
    /// refused.
    pub(crate) fn write_lvt(
        &mut self,
        lvt: Lvt,
        value: u32,
        status_writable: bool,
        mask_while_disabled: bool,
        every_bit: bool,
    ) -> (u32, bool) {
        let mut writable = lvt.writable();
        if status_writable {
            writable |= lvt.status_bits();
        }
        if every_bit {
            writable = u32::MAX;
        }
        let old = self.lvt(lvt);
        let mut new = (old & !writable) | (value & writable);
        let mut refused = false;
        if mask_while_disabled && !self.spiv_enabled() && new & LVT_MASKED == 0 {
            new |= LVT_MASKED;
            refused = true;
        }
        self.set_lvt_raw(lvt, new);
        (new, refused)
    }

    /// Keep the writable bits of a SPIV value (`qemu`: the bits QEMU
    /// stores, 8:0).
    pub(crate) fn spiv_write_value(value: u32, qemu: bool) -> u32 {
        value
            & if qemu {
                SPIV_QEMU_STORED
            } else {
                SPIV_WRITABLE
            }
    }

    /// The bits of an LVT entry a write can change under the SDM (its
    /// fields, and the status bits).
    pub(crate) fn lvt_defined_bits(lvt: Lvt) -> u32 {
        lvt.writable() | lvt.status_bits()
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
        assert!(!a.apic_enabled());
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

    // A trace's IRR is a list of vectors, ascending (README.md, "The
    // trace"): read in any order with repeats, written sorted, once each.
    // Vectors 0, 31, 32 and 255 are the edges of the first, second and
    // last 32-bit registers (SDM 10.8.4: IRR bit n is vector n).
    #[test]
    fn a_set_of_vectors_reads_and_writes_as_its_ascending_list() {
        let b: VectorBits = serde_json::from_str("[255, 32, 0, 31, 32, 236]").unwrap();
        assert_eq!(b, [0, 31, 32, 236, 255]);
        assert_eq!(b.len(), 5);
        assert!(b.contains(236) && !b.contains(235));
        assert_eq!(serde_json::to_string(&b).unwrap(), "[0,31,32,236,255]");
        assert_eq!(format!("{b:?}"), "[0, 31, 32, 236, 255]");
        assert_eq!(b.reg(0), 0x8000_0001);
        assert_eq!(b.reg(1), 1);
        assert_eq!(b.reg(7), 0x8000_1000);
        assert!(serde_json::from_str::<VectorBits>("[256]").is_err());
        assert_ne!(b, vec![0, 31, 32, 236]);
        assert_eq!(VectorBits::default(), Vec::<u8>::new());
    }

    #[test]
    fn irr_register_view() {
        let mut a = Apic::power_up(0);
        a.irr.set(0xec);
        assert_eq!(a.read(APIC_IRR + 0x70), Some(0x1000));
        assert_eq!(a.read(APIC_IRR), Some(0));
    }
}
