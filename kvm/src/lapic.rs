//! The xAPIC register page as KVM_GET_LAPIC returns it, decoded.
//!
//! Offsets are those of Intel SDM vol. 3A, table 10-1 ("Local APIC Register
//! Address Map"); KVM keeps the page in that layout (`struct
//! kvm_lapic_state`, 1 KiB, one 32-bit register every 16 bytes).

use std::fmt;

/// Register offsets (SDM table 10-1).
pub mod reg {
    /// Local APIC ID.
    pub const ID: u16 = 0x020;
    /// Local APIC version.
    pub const VERSION: u16 = 0x030;
    /// Task priority register.
    pub const TPR: u16 = 0x080;
    /// Arbitration priority register.
    pub const APR: u16 = 0x090;
    /// Processor priority register (read only).
    pub const PPR: u16 = 0x0a0;
    /// End of interrupt (write only).
    pub const EOI: u16 = 0x0b0;
    /// Remote read.
    pub const RRD: u16 = 0x0c0;
    /// Logical destination register.
    pub const LDR: u16 = 0x0d0;
    /// Destination format register.
    pub const DFR: u16 = 0x0e0;
    /// Spurious interrupt vector register.
    pub const SPIV: u16 = 0x0f0;
    /// In-service register, bits 0..31 (eight registers 16 bytes apart).
    pub const ISR: u16 = 0x100;
    /// Trigger mode register, bits 0..31.
    pub const TMR: u16 = 0x180;
    /// Interrupt request register, bits 0..31.
    pub const IRR: u16 = 0x200;
    /// Error status register.
    pub const ESR: u16 = 0x280;
    /// LVT corrected machine check interrupt.
    pub const LVT_CMCI: u16 = 0x2f0;
    /// Interrupt command register, low half.
    pub const ICR_LOW: u16 = 0x300;
    /// Interrupt command register, high half.
    pub const ICR_HIGH: u16 = 0x310;
    /// LVT timer.
    pub const LVT_TIMER: u16 = 0x320;
    /// LVT thermal sensor.
    pub const LVT_THERMAL: u16 = 0x330;
    /// LVT performance monitoring counters.
    pub const LVT_PMC: u16 = 0x340;
    /// LVT LINT0.
    pub const LVT_LINT0: u16 = 0x350;
    /// LVT LINT1.
    pub const LVT_LINT1: u16 = 0x360;
    /// LVT error.
    pub const LVT_ERROR: u16 = 0x370;
    /// Timer initial count.
    pub const TIMER_INITIAL: u16 = 0x380;
    /// Timer current count (read only).
    pub const TIMER_CURRENT: u16 = 0x390;
    /// Timer divide configuration.
    pub const TIMER_DIVIDE: u16 = 0x3e0;
}

/// MSR indices the runner uses.
pub mod msr {
    /// IA32_APIC_BASE (SDM 10.4.4).
    pub const APIC_BASE: u32 = 0x1b;
    /// IA32_TSC_DEADLINE (SDM 10.5.4.1).
    pub const TSC_DEADLINE: u32 = 0x6e0;
}

/// A copy of the 1 KiB xAPIC register page.
#[derive(Clone, PartialEq, Eq)]
pub struct Lapic {
    page: Vec<u8>,
}

impl Lapic {
    /// Wraps the bytes of `kvm_lapic_state.regs`.
    pub fn from_page(regs: &[std::os::raw::c_char]) -> Self {
        Self {
            page: regs.iter().map(|&b| b as u8).collect(),
        }
    }

    /// Wraps a register page read some other way (the QEMU guest's report).
    pub fn from_bytes(page: Vec<u8>) -> Self {
        Self { page }
    }

    /// The raw 1 KiB page.
    pub fn page(&self) -> &[u8] {
        &self.page
    }

    /// The 32-bit register at `offset` (0 when outside the page).
    pub fn get(&self, offset: u16) -> u32 {
        let at = usize::from(offset);
        self.page
            .get(at..at + 4)
            .and_then(|b| <[u8; 4]>::try_from(b).ok())
            .map_or(0, u32::from_le_bytes)
    }

    /// The set vectors of a 256-bit register (ISR, TMR or IRR), ascending.
    pub fn vectors(&self, base: u16) -> Vec<u8> {
        let mut out = Vec::new();
        for i in 0..8u16 {
            let word = self.get(base + 0x10 * i);
            for bit in 0..32u16 {
                if word & (1 << bit) != 0 {
                    out.push((i * 32 + bit) as u8);
                }
            }
        }
        out
    }

    /// Whether `vector` is set in the 256-bit register at `base`.
    pub fn bit(&self, base: u16, vector: u8) -> bool {
        let v = u16::from(vector);
        self.get(base + 0x10 * (v / 32)) & (1 << (v % 32)) != 0
    }

    /// IRR vectors, ascending.
    pub fn irr(&self) -> Vec<u8> {
        self.vectors(reg::IRR)
    }

    /// ISR vectors, ascending.
    pub fn isr(&self) -> Vec<u8> {
        self.vectors(reg::ISR)
    }

    /// TMR vectors, ascending.
    pub fn tmr(&self) -> Vec<u8> {
        self.vectors(reg::TMR)
    }

    /// Task priority (bits 7:0).
    pub fn tpr(&self) -> u32 {
        self.get(reg::TPR) & 0xff
    }

    /// Processor priority (bits 7:0) as KVM stored it.
    pub fn ppr(&self) -> u32 {
        self.get(reg::PPR) & 0xff
    }

    /// The spurious interrupt vector register.
    pub fn spiv(&self) -> u32 {
        self.get(reg::SPIV)
    }

    /// SPIV bit 8: APIC software enable (SDM 10.4.7.2).
    pub fn sw_enabled(&self) -> bool {
        self.spiv() & 0x100 != 0
    }

    /// The APIC ID (xAPIC: bits 31:24 of the ID register).
    pub fn id(&self) -> u32 {
        self.get(reg::ID) >> 24
    }

    /// The LVT timer register.
    pub fn lvt_timer(&self) -> u32 {
        self.get(reg::LVT_TIMER)
    }

    /// The LVT thermal register.
    pub fn lvt_thermal(&self) -> u32 {
        self.get(reg::LVT_THERMAL)
    }

    /// The LVT performance counter register.
    pub fn lvt_pmc(&self) -> u32 {
        self.get(reg::LVT_PMC)
    }

    /// The LVT LINT0 register.
    pub fn lvt_lint0(&self) -> u32 {
        self.get(reg::LVT_LINT0)
    }

    /// The LVT LINT1 register.
    pub fn lvt_lint1(&self) -> u32 {
        self.get(reg::LVT_LINT1)
    }

    /// The LVT error register.
    pub fn lvt_error(&self) -> u32 {
        self.get(reg::LVT_ERROR)
    }

    /// The LVT CMCI register.
    pub fn lvt_cmci(&self) -> u32 {
        self.get(reg::LVT_CMCI)
    }

    /// The number of LVT entries the version register announces
    /// (bits 23:16 hold the count minus one).
    pub fn max_lvt(&self) -> u32 {
        ((self.get(reg::VERSION) >> 16) & 0xff) + 1
    }

    /// The highest vector set in the 256-bit register at `base`.
    pub fn highest(&self, base: u16) -> Option<u8> {
        self.vectors(base).last().copied()
    }

    /// PPR as the SDM (10.8.3.1) defines it from TPR and the highest ISR
    /// vector, for comparison with the stored value.
    pub fn ppr_from_sdm(&self) -> u32 {
        let tpr = self.tpr();
        let isrv = self.highest(reg::ISR).map_or(0, u32::from);
        if (tpr & 0xf0) >= (isrv & 0xf0) {
            tpr
        } else {
            isrv & 0xf0
        }
    }
}

fn list(v: &[u8]) -> String {
    let parts: Vec<String> = v.iter().map(|x| format!("{x:#04x}")).collect();
    format!("[{}]", parts.join(" "))
}

impl fmt::Debug for Lapic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "irr={} isr={} tmr={} tpr={:#x} ppr={:#x} spiv={:#x} timer={:#x} lint0={:#x} lint1={:#x} error={:#x} pmc={:#x} thermal={:#x} tmict={:#x} tmcct={:#x} esr={:#x} icr={:#x}",
            list(&self.irr()),
            list(&self.isr()),
            list(&self.tmr()),
            self.tpr(),
            self.ppr(),
            self.spiv(),
            self.lvt_timer(),
            self.lvt_lint0(),
            self.lvt_lint1(),
            self.lvt_error(),
            self.lvt_pmc(),
            self.lvt_thermal(),
            self.get(reg::TIMER_INITIAL),
            self.get(reg::TIMER_CURRENT),
            self.get(reg::ESR),
            self.get(reg::ICR_LOW),
        )
    }
}
