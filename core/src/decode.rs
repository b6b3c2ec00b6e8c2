//! Decoded views of LVT and SPIV values, for display (SDM figures 10-8 and
//! 10-23).

/// The LVT timer's mode, bits 18:17 (SDM table 10-2 / figure 10-8).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TimerMode {
    /// 00: one-shot, using the initial count.
    OneShot,
    /// 01: periodic, reloading the initial count.
    Periodic,
    /// 10: TSC-deadline, using IA32_TSC_DEADLINE.
    TscDeadline,
    /// 11: reserved.
    Reserved,
}

impl TimerMode {
    /// From bits 18:17 of an LVT timer value.
    pub fn from_lvt(value: u32) -> TimerMode {
        match (value >> 17) & 3 {
            0 => TimerMode::OneShot,
            1 => TimerMode::Periodic,
            2 => TimerMode::TscDeadline,
            _ => TimerMode::Reserved,
        }
    }

    /// `one-shot`, `periodic`, `TSC-deadline`, `reserved`.
    pub fn name(self) -> &'static str {
        match self {
            TimerMode::OneShot => "one-shot",
            TimerMode::Periodic => "periodic",
            TimerMode::TscDeadline => "TSC-deadline",
            TimerMode::Reserved => "reserved",
        }
    }
}

/// An LVT entry, decoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LvtView {
    /// Bit 16.
    pub masked: bool,
    /// Bits 7:0.
    pub vector: u8,
    /// Bits 10:8 by name: `Fixed`, `SMI`, `NMI`, `INIT`, `ExtINT`, `reserved`.
    pub delivery_mode: &'static str,
    /// Bits 18:17 (meaningful for the LVT timer only).
    pub timer_mode: TimerMode,
    /// Bit 12, delivery status: send pending.
    pub pending: bool,
    /// Bit 15: level-triggered (LINT0/LINT1 only).
    pub level: bool,
    /// Bit 13: active low (LINT0/LINT1 only).
    pub active_low: bool,
    /// Bit 14: remote IRR (LINT0/LINT1 only).
    pub remote_irr: bool,
}

/// Decode an LVT value.
pub fn lvt(value: u32) -> LvtView {
    LvtView {
        masked: value & (1 << 16) != 0,
        vector: (value & 0xff) as u8,
        delivery_mode: delivery_mode_name(value),
        timer_mode: TimerMode::from_lvt(value),
        pending: value & (1 << 12) != 0,
        level: value & (1 << 15) != 0,
        active_low: value & (1 << 13) != 0,
        remote_irr: value & (1 << 14) != 0,
    }
}

fn delivery_mode_name(value: u32) -> &'static str {
    match (value >> 8) & 7 {
        0 => "Fixed",
        2 => "SMI",
        4 => "NMI",
        5 => "INIT",
        7 => "ExtINT",
        _ => "reserved",
    }
}

/// SPIV, decoded (SDM 10.9, figure 10-23).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SpivView {
    /// Bits 7:0: the spurious vector.
    pub vector: u8,
    /// Bit 8: APIC software enable.
    pub enabled: bool,
    /// Bit 9: focus processor checking disabled.
    pub focus_disabled: bool,
    /// Bit 12: EOI-broadcast suppression.
    pub eoi_broadcast_suppressed: bool,
}

/// Decode a SPIV value.
pub fn spiv(value: u32) -> SpivView {
    SpivView {
        vector: (value & 0xff) as u8,
        enabled: value & (1 << 8) != 0,
        focus_disabled: value & (1 << 9) != 0,
        eoi_broadcast_suppressed: value & (1 << 12) != 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_sdm_examples() {
        // TSC-deadline timer on LOCAL_TIMER_VECTOR, unmasked: 0x400ec.
        let v = lvt(0x0004_00ec);
        assert_eq!(
            (v.masked, v.vector, v.timer_mode),
            (false, 0xec, TimerMode::TscDeadline)
        );
        assert_eq!(v.delivery_mode, "Fixed");
        // Power-up value: only the mask.
        let v = lvt(0x0001_0000);
        assert!(v.masked);
        assert_eq!(v.timer_mode.name(), "one-shot");
        // LINT1 as NMI: 0x400.
        assert_eq!(lvt(0x400).delivery_mode, "NMI");
        assert_eq!(lvt(0x700).delivery_mode, "ExtINT");
        let s = spiv(0x11ff);
        assert!(s.enabled && s.eoi_broadcast_suppressed && !s.focus_disabled);
        assert_eq!(s.vector, 0xff);
        assert!(!spiv(0xff).enabled);
    }
}
