//! Software writes to the APIC's registers (`write {reg, value}`): which
//! bits each register keeps (SDM 10.4-10.6), and the rules a write sets off
//! (software disable masks every LVT, an unmask is refused while disabled,
//! a timer mode change disarms the timer, an ICR write sends an IPI).

use crate::apic::{
    lvt_of, offset, Apic, Lvt, APIC_BASE_ENABLE, APIC_BASE_EXTD, ESR_SEND_ILLEGAL_VECTOR,
    LVT_MASKED, SPIV_APIC_ENABLED, SPIV_EOI_BROADCAST_SUPPRESSION,
};
use crate::decode::TimerMode;
use crate::format::Reg;
use crate::machine::Machine;
use crate::outcome::{DeliveryMode, DropReason, IrrIsr, Outcome, Source};
use crate::policy::{FixedIpiFlags, HwDisable, LvtStatusBits, ReservedBits, SwDisabledLvts};

/// The APIC ID KVM gives the APIC when it is hardware-enabled again
/// (`kvm_apic_set_xapic_id(apic, vcpu->vcpu_id)`): the model's one CPU is
/// vCPU 0, whose power-up APIC ID is 0.
const VCPU_ID: u32 = 0;

impl Machine {
    /// Software writes `value` to `reg` (the value fits the register's
    /// width: the scenario reader checks it).
    pub fn write(&mut self, reg: Reg, value: u64, out: &mut Vec<Outcome>) {
        if reg == Reg::ApicBase {
            self.write_apic_base(value, out);
            return;
        }
        // SDM 10.4.3: with IA32_APIC_BASE bit 11 clear the APIC's registers
        // are not there; IA32_TSC_DEADLINE is an MSR of the core and stays.
        if !self.apic_present() && reg != Reg::TscDeadline {
            out.push(Outcome::WriteIgnoredHwDisabled(reg));
            return;
        }
        let v32 = (value & 0xffff_ffff) as u32;
        // The registers with their own rules, which read what they need
        // (the others' value before the write is read below, for the event).
        if let Some(lvt) = lvt_of(reg) {
            return self.write_lvt(lvt, v32, out);
        }
        match reg {
            Reg::Eoi => return self.eoi(out),
            Reg::Spiv => return self.write_spiv(v32, out),
            Reg::Icr => return self.write_icr(value, out),
            Reg::TimerInitial => return self.write_timer_initial(v32, out),
            Reg::TscDeadline => return self.write_tsc_deadline(value, out),
            _ => {}
        }
        let old = self.apic.read(offset(reg)).unwrap_or(0);
        match reg {
            // SDM 10.4.6: the ID is bits 31:24.
            Reg::Id => self.apic.id = v32 & 0xff00_0000,
            // SDM 10.8.3.1: TPR bits 7:0.
            Reg::Tpr => self.apic.tpr = v32 & 0xff,
            // SDM 10.6.2.2: the logical ID is LDR bits 31:24.
            Reg::Ldr => self.apic.ldr = v32 & 0xff00_0000,
            // SDM 10.6.2.2: DFR bits 27:0 are reserved and read as 1s.
            Reg::Dfr => self.apic.dfr = (v32 & 0xf000_0000) | 0x0fff_ffff,
            // SDM 10.5.3: a write latches the errors found since the last one.
            Reg::Esr => {
                self.apic.esr = self.apic.esr_pending;
                self.apic.esr_pending = 0;
            }
            Reg::TimerDivide => self.apic.timer_divide = Apic::divide_write_value(v32),
            // Written above.
            Reg::ApicBase
            | Reg::Eoi
            | Reg::Spiv
            | Reg::Icr
            | Reg::TimerInitial
            | Reg::TscDeadline
            | Reg::LvtTimer
            | Reg::LvtThermal
            | Reg::LvtPmc
            | Reg::LvtLint0
            | Reg::LvtLint1
            | Reg::LvtError => return,
        }
        self.written(reg, old, out);
    }

    fn written(&self, reg: Reg, old: u64, out: &mut Vec<Outcome>) {
        out.push(Outcome::Written {
            reg,
            old,
            new: self.apic.read(offset(reg)).unwrap_or(0),
            ppr: self.apic.ppr(),
        });
    }

    /// EOI (SDM 10.8.5): clear the highest ISR bit; for a level-triggered
    /// vector also broadcast EOI to the I/O APICs unless SPIV bit 12
    /// suppresses it.
    pub(crate) fn eoi(&mut self, out: &mut Vec<Outcome>) {
        let Some(vector) = self.apic.isr.highest() else {
            out.push(Outcome::EoiNone);
            return;
        };
        self.apic.isr.clear(vector);
        out.push(Outcome::Eoi {
            vector,
            ppr: self.apic.ppr(),
        });
        if self.apic.tmr.contains(vector) {
            out.push(Outcome::LevelEoi {
                vector,
                suppressed: self.apic.spiv & SPIV_EOI_BROADCAST_SUPPRESSION != 0,
            });
        }
    }

    /// SPIV (SDM 10.9). Clearing bit 8 software-disables the APIC: every
    /// LVT mask bit is set, and IRR and ISR keep what they hold (SDM
    /// 10.4.7.2).
    fn write_spiv(&mut self, value: u32, out: &mut Vec<Outcome>) {
        let old = self.apic.spiv;
        let qemu = self.policy.reserved_bits.choice == ReservedBits::QemuStored;
        self.apic.spiv = Apic::spiv_write_value(value, qemu);
        self.written(Reg::Spiv, u64::from(old), out);
        let dropped = Apic::spiv_write_value(value, false) & !self.apic.spiv;
        if dropped != 0 {
            out.push(Outcome::ReservedBits {
                reg: Reg::Spiv,
                kept: 0,
                dropped,
            });
        }
        let was_on = old & SPIV_APIC_ENABLED != 0;
        let on = self.apic.spiv & SPIV_APIC_ENABLED != 0;
        if was_on && !on {
            // Policy::sw_disabled_lvts: QEMU leaves the LVTs alone.
            match self.policy.sw_disabled_lvts.choice {
                SwDisabledLvts::Forced => {
                    let masked = self.apic.mask_all_lvts();
                    out.push(Outcome::SoftwareDisabled { masked });
                }
                SwDisabledLvts::Untouched => out.push(Outcome::SoftwareDisabledLvtsKept),
            }
            if !self.apic.irr.is_empty() || !self.apic.isr.is_empty() {
                out.push(Outcome::HeldAtDisable(Box::new(IrrIsr {
                    irr: self.apic.irr,
                    isr: self.apic.isr,
                })));
            }
        } else if !was_on && on {
            out.push(Outcome::SoftwareEnabled);
        }
    }

    /// An LVT write keeps the entry's writable bits; while software-disabled
    /// the mask stays set (SDM 10.4.7.2). A change between TSC-deadline and
    /// the count modes disarms the timer (SDM 10.5.4.1).
    pub(crate) fn write_lvt(&mut self, lvt: Lvt, value: u32, out: &mut Vec<Outcome>) {
        let old = self.apic.lvt(lvt);
        let kept = self.policy.lvt_status_bits.choice == LvtStatusBits::Writable;
        let forced = self.policy.sw_disabled_lvts.choice == SwDisabledLvts::Forced;
        let every_bit = self.policy.reserved_bits.choice == ReservedBits::QemuStored;
        let (new, refused) = self.apic.write_lvt(lvt, value, kept, forced, every_bit);
        out.push(Outcome::Written {
            reg: lvt.reg(),
            old: u64::from(old),
            new: u64::from(new),
            ppr: self.apic.ppr(),
        });
        let written = value & lvt.status_bits();
        if written != 0 {
            out.push(Outcome::LvtStatusBits { lvt, written, kept });
        }
        let reserved = value & !Apic::lvt_defined_bits(lvt);
        if every_bit && reserved != 0 {
            out.push(Outcome::ReservedBits {
                reg: lvt.reg(),
                kept: reserved,
                dropped: 0,
            });
        }
        if refused {
            out.push(Outcome::UnmaskRefused(lvt));
        } else if !forced && !self.apic.spiv_enabled() && new & LVT_MASKED == 0 {
            out.push(Outcome::UnmaskKept(lvt));
        }
        if lvt == Lvt::Timer {
            let from = TimerMode::from_lvt(old);
            let to = TimerMode::from_lvt(new);
            let deadline = |m| m == TimerMode::TscDeadline;
            if deadline(from) != deadline(to) {
                let was_armed = self.apic.tsc_deadline != 0 || self.apic.timer_current != 0;
                self.apic.tsc_deadline = 0;
                self.apic.timer_current = 0;
                self.apic.timer_initial = 0;
                if was_armed {
                    out.push(Outcome::TimerDisarmed { from, to });
                }
            }
        }
    }

    /// IA32_APIC_BASE (SDM 10.4.4). With bit 11 clear the processor acts
    /// as if it had no APIC and the APIC's state may be lost (SDM 10.4.3).
    /// What happens to the registers is `Policy::hw_disable`: lost, the APIC
    /// coming back in its power-up state with its ID (hardware), or kept,
    /// with the ID set to the vCPU's id on enable (KVM).
    fn write_apic_base(&mut self, value: u64, out: &mut Vec<Outcome>) {
        let old = self.apic.apic_base;
        let mut new = self.apic.apic_base_write_value(value);
        if value & APIC_BASE_EXTD != 0 {
            out.push(Outcome::X2apicIgnored);
        }
        if self.policy.hw_disable.choice == HwDisable::ApicKeepsWorking {
            // QEMU's apic_set_base(): the enable bit is taken from the old
            // value and only ever cleared; clearing it clears SPIV bit 8.
            new = (new & !APIC_BASE_ENABLE) | (old & value & APIC_BASE_ENABLE);
            if old & APIC_BASE_ENABLE == 0 && value & APIC_BASE_ENABLE != 0 {
                out.push(Outcome::HwEnableIgnored);
            }
            if old & !new & APIC_BASE_ENABLE != 0 {
                self.apic.spiv &= !SPIV_APIC_ENABLED;
                self.apic.apic_base = new;
                out.push(Outcome::HwDisabledApicWorks);
                return;
            }
            self.apic.apic_base = new;
            self.written(Reg::ApicBase, old, out);
            return;
        }
        let was_on = old & APIC_BASE_ENABLE != 0;
        let on = new & APIC_BASE_ENABLE != 0;
        if was_on != on {
            let kept = self.policy.hw_disable.choice == HwDisable::KeepRegisters;
            if kept {
                if on {
                    self.apic.id = VCPU_ID << 24;
                }
            } else {
                let id = self.apic.id;
                self.apic = Apic::power_up(0);
                self.apic.id = id;
            }
            self.apic.apic_base = new;
            out.push(if on {
                Outcome::HwEnabled { kept }
            } else {
                Outcome::HwDisabled { kept }
            });
        } else {
            self.apic.apic_base = new;
            self.written(Reg::ApicBase, old, out);
        }
    }

    /// An ICR write sends an IPI (SDM 10.6.1). The model holds one CPU, so
    /// only what reaches this CPU has an effect.
    fn write_icr(&mut self, value: u64, out: &mut Vec<Outcome>) {
        self.apic.icr = Apic::icr_write_value(value);
        let low = (self.apic.icr & 0xffff_ffff) as u32;
        let vector = (low & 0xff) as u8;
        let mode = match ((low >> 8) & 7) as u8 {
            0 => DeliveryMode::Fixed,
            1 => DeliveryMode::LowestPriority,
            2 => DeliveryMode::Smi,
            4 => DeliveryMode::Nmi,
            5 => DeliveryMode::Init,
            6 => DeliveryMode::StartUp,
            m => DeliveryMode::Reserved(m),
        };
        let logical = low & (1 << 11) != 0;
        let assert = low & (1 << 14) != 0;
        let level = low & (1 << 15) != 0;
        let shorthand = (low >> 18) & 3;
        let dest = (self.apic.icr >> 56) as u32;
        let me = self.apic.id >> 24;
        // SDM 10.6.1 table 10-3: the shorthand decides first; without one,
        // physical mode matches the APIC ID (0xff broadcasts) and logical
        // flat mode matches any LDR bit.
        let (to_self, to_others) = match shorthand {
            1 => (true, false),
            2 => (true, true),
            3 => (false, true),
            _ if logical => {
                let mine = (self.apic.ldr >> 24) & 0xff;
                (mine & dest != 0, dest & !mine != 0)
            }
            _ => (dest == me || dest == 0xff, dest != me),
        };
        out.push(Outcome::IpiSent {
            icr: self.apic.icr,
            mode,
            vector,
        });
        if to_others {
            out.push(Outcome::IpiToOthers(vector));
        }
        if !to_self {
            return;
        }
        if shorthand == 1 && mode != DeliveryMode::Fixed {
            out.push(Outcome::SelfShorthandNotFixed { mode, vector });
            return;
        }
        match mode {
            DeliveryMode::Fixed | DeliveryMode::LowestPriority => {
                if vector < 16 {
                    self.apic.record_error(ESR_SEND_ILLEGAL_VECTOR);
                    out.push(Outcome::IllegalSendVector(vector));
                }
                // Policy::fixed_ipi_flags: trigger mode and level.
                match self.policy.fixed_ipi_flags.choice {
                    FixedIpiFlags::Ignored => {
                        if level {
                            out.push(Outcome::FixedIpiTriggerIgnored(vector));
                        }
                        self.receive_fixed(Source::SelfIpi { level: false }, vector, false, out);
                    }
                    FixedIpiFlags::LevelDeassertDropped if level && !assert => {
                        out.push(Outcome::Dropped {
                            source: Source::SelfIpi { level },
                            vector,
                            why: DropReason::LevelDeassert,
                        });
                    }
                    FixedIpiFlags::LevelDeassertDropped | FixedIpiFlags::TriggerModeKept => {
                        self.receive_fixed(Source::SelfIpi { level }, vector, level, out);
                    }
                    FixedIpiFlags::EdgeDeassertDropped if level && !assert => {
                        out.push(Outcome::Dropped {
                            source: Source::SelfIpi { level },
                            vector,
                            why: DropReason::LevelDeassert,
                        });
                    }
                    FixedIpiFlags::EdgeDeassertDropped => {
                        if level {
                            out.push(Outcome::FixedIpiTriggerIgnored(vector));
                        }
                        self.receive_fixed(Source::SelfIpi { level: false }, vector, false, out);
                    }
                }
            }
            DeliveryMode::Nmi => self.nmi(out),
            DeliveryMode::Init if level && !assert => out.push(Outcome::InitDeassert),
            DeliveryMode::Init => self.init(out),
            DeliveryMode::StartUp => self.sipi(vector, out),
            DeliveryMode::Smi => out.push(Outcome::SmiToSelf),
            DeliveryMode::Reserved(mode) => out.push(Outcome::ReservedMode { mode, vector }),
        }
    }
}
