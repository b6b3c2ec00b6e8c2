//! Software writes to the APIC's registers (`write {reg, value}`): which
//! bits each register keeps (SDM 10.4-10.6), and the rules a write sets off
//! (software disable masks every LVT, an unmask is refused while disabled,
//! timer mode changes disarm the timer, an ICR write sends an IPI).

use crate::apic::{
    hex, Apic, Lvt, Reg, APIC_BASE_ENABLE, APIC_BASE_EXTD, ESR_SEND_ILLEGAL_VECTOR, LVT_MASKED,
    SPIV_APIC_ENABLED,
};
use crate::decode::TimerMode;
use crate::machine::{Log, Machine};
use crate::trace::EventKind;

impl Machine {
    /// Software writes `value` to `reg` (the value already fits the
    /// register's width: the scenario reader checks it).
    pub fn write(&mut self, reg: Reg, value: u64, log: &mut Log) {
        if reg == Reg::ApicBase {
            self.write_apic_base(value, log);
            return;
        }
        if !self.apic.hw_enabled() && reg != Reg::TscDeadline {
            log.push(
                EventKind::Write,
                None,
                format!(
                    "write to {} ignored: the APIC is hardware-disabled (IA32_APIC_BASE bit 11 = 0), so its registers are not there",
                    reg.name()
                ),
                "sdm-10.4.3",
            );
            return;
        }
        let v32 = (value & 0xffff_ffff) as u32;
        match reg {
            Reg::Id => {
                self.apic.id = v32 & 0xff00_0000;
                log.push(
                    EventKind::Write,
                    None,
                    format!("APIC ID = {} (bits 31:24)", self.apic.id >> 24),
                    "sdm-10.4.6",
                );
            }
            Reg::Tpr => {
                self.apic.tpr = v32 & 0xff;
                log.push(
                    EventKind::Write,
                    None,
                    format!(
                        "TPR = {:#04x} (class {}): PPR is now {:#04x}; only classes above {} are dispatched",
                        self.apic.tpr,
                        self.apic.tpr >> 4,
                        self.apic.ppr(),
                        self.apic.ppr() >> 4
                    ),
                    "sdm-10.8.3.1",
                );
            }
            Reg::Eoi => {
                self.apic.eoi(&mut log.events);
            }
            Reg::Ldr => {
                self.apic.ldr = v32 & 0xff00_0000;
                log.push(
                    EventKind::Write,
                    None,
                    format!("LDR = {:#010x}", self.apic.ldr),
                    "sdm-10.6.2.2",
                );
            }
            Reg::Dfr => {
                self.apic.dfr = (v32 & 0xf000_0000) | 0x0fff_ffff;
                let model = if self.apic.dfr >> 28 == 0xf {
                    "flat"
                } else {
                    "cluster"
                };
                log.push(
                    EventKind::Write,
                    None,
                    format!("DFR = {:#010x} ({model} model)", self.apic.dfr),
                    "sdm-10.6.2.2",
                );
            }
            Reg::Spiv => self.write_spiv(v32, log),
            Reg::Esr => {
                self.apic.esr = self.apic.esr_pending;
                self.apic.esr_pending = 0;
                log.push(
                    EventKind::Write,
                    None,
                    format!(
                        "ESR write: the errors found since the last write become visible, ESR = {:#04x}",
                        self.apic.esr
                    ),
                    "sdm-10.5.3",
                );
            }
            Reg::Icr => self.write_icr(value, log),
            Reg::LvtTimer
            | Reg::LvtThermal
            | Reg::LvtPmc
            | Reg::LvtLint0
            | Reg::LvtLint1
            | Reg::LvtError => {
                if let Some(lvt) = reg.lvt() {
                    self.write_lvt_reg(lvt, v32, log);
                }
            }
            Reg::TimerInitial => self.write_timer_initial(v32, log),
            Reg::TimerDivide => {
                self.apic.timer_divide = Apic::divide_write_value(v32);
                let bits = ((self.apic.timer_divide & 8) >> 1) | (self.apic.timer_divide & 3);
                let by = if bits == 7 { 1 } else { 2u32 << bits };
                log.push(
                    EventKind::Write,
                    None,
                    format!("timer divide configuration: divide by {by}"),
                    "sdm-10.5.4",
                );
            }
            Reg::TscDeadline => self.write_tsc_deadline(value, log),
            Reg::ApicBase => {}
        }
    }

    fn write_spiv(&mut self, value: u32, log: &mut Log) {
        let old = self.apic.spiv;
        let new = Apic::spiv_write_value(value);
        self.apic.spiv = new;
        let was_on = old & SPIV_APIC_ENABLED != 0;
        let on = new & SPIV_APIC_ENABLED != 0;
        log.push(
            EventKind::Write,
            None,
            format!(
                "SPIV = {new:#x}: spurious vector {}, software {}",
                hex((new & 0xff) as u8),
                if on { "enabled" } else { "disabled" }
            ),
            "sdm-10.9",
        );
        if was_on && !on {
            let masked = self.apic.mask_all_lvts();
            let names: Vec<&str> = masked.iter().map(|l| l.name()).collect();
            let text = if names.is_empty() {
                "APIC software-disabled: every LVT mask bit is forced set (all were masked already)"
                    .to_string()
            } else {
                format!(
                    "APIC software-disabled: every LVT mask bit is forced set ({} masked now)",
                    names.join(", ")
                )
            };
            log.push(EventKind::Mask, None, text, "sdm-10.4.7.2");
            let mut held = Vec::new();
            if !self.apic.irr.is_empty() {
                held.push(format!("IRR [{}]", list(&self.apic.irr.vectors())));
            }
            if !self.apic.isr.is_empty() {
                held.push(format!("ISR [{}]", list(&self.apic.isr.vectors())));
            }
            if !held.is_empty() {
                log.push(
                    EventKind::Held,
                    self.apic.irr.highest().or(self.apic.isr.highest()),
                    format!(
                        "{} held as is: software disable clears no IRR or ISR bit; they need masking or handling by the CPU",
                        held.join(" and ")
                    ),
                    "sdm-10.4.7.2",
                );
            }
        } else if !was_on && on {
            log.push(
                EventKind::Write,
                None,
                "APIC software-enabled: the LVT entries stay masked until software unmasks them",
                "sdm-10.4.7.2",
            );
        }
    }

    pub(crate) fn write_lvt_reg(&mut self, lvt: Lvt, value: u32, log: &mut Log) {
        let old = self.apic.lvt(lvt);
        let (new, refused) = self.apic.write_lvt(lvt, value);
        log.push(
            EventKind::Write,
            None,
            format!("{} = {new:#x} (was {old:#x})", lvt.name()),
            "sdm-10.5.1",
        );
        if refused {
            log.push(
                EventKind::Mask,
                None,
                format!(
                    "unmask of {} ignored: while the APIC is software-disabled every LVT mask bit stays set",
                    lvt.name()
                ),
                "sdm-10.4.7.2; linux commit 39c89dff9c36",
            );
        }
        if lvt == Lvt::Timer {
            let old_mode = TimerMode::from_lvt(old);
            let new_mode = TimerMode::from_lvt(new);
            let deadline = |m| m == TimerMode::TscDeadline;
            if deadline(old_mode) != deadline(new_mode) {
                let was_armed = self.apic.tsc_deadline != 0 || self.apic.timer_current != 0;
                self.apic.tsc_deadline = 0;
                self.apic.timer_current = 0;
                self.apic.timer_initial = 0;
                if was_armed {
                    log.push(
                        EventKind::Timer,
                        None,
                        format!(
                            "timer mode {} -> {}: the switch disarms the timer",
                            old_mode.name(),
                            new_mode.name()
                        ),
                        "sdm-10.5.4.1",
                    );
                }
            }
        }
    }

    fn write_apic_base(&mut self, value: u64, log: &mut Log) {
        let old = self.apic.apic_base;
        let new = self.apic.apic_base_write_value(value);
        if value & APIC_BASE_EXTD != 0 {
            log.push(
                EventKind::Write,
                None,
                "IA32_APIC_BASE bit 10 (x2APIC mode) ignored: this model is an xAPIC",
                "sdm-10.12.1",
            );
        }
        let was_on = old & APIC_BASE_ENABLE != 0;
        let on = new & APIC_BASE_ENABLE != 0;
        // SDM 10.4.3: with bit 11 clear the processor acts as if it had no
        // APIC and the APIC's state may be lost (the model loses it); set
        // again, the APIC comes back in its power-up state. Both keep the ID.
        let power_cycle = |apic: &mut Apic| {
            let id = apic.id;
            *apic = Apic::power_up(0);
            apic.id = id;
            apic.apic_base = new;
        };
        if was_on && !on {
            power_cycle(&mut self.apic);
            log.push(
                EventKind::Reset,
                None,
                "APIC hardware-disabled (IA32_APIC_BASE bit 11 = 0): it acts as absent and its state is lost (IRR, ISR, TMR cleared, LVTs masked)",
                "sdm-10.4.3",
            );
        } else if !was_on && on {
            power_cycle(&mut self.apic);
            log.push(
                EventKind::Reset,
                None,
                "APIC hardware-enabled again: it comes back in its power-up state, software-disabled (SPIV = 0xff)",
                "sdm-10.4.3",
            );
        } else {
            self.apic.apic_base = new;
            log.push(
                EventKind::Write,
                None,
                format!("IA32_APIC_BASE = {new:#x}"),
                "sdm-10.4.4",
            );
        }
    }

    /// An ICR write sends an IPI (SDM 10.6.1). The model holds one CPU, so
    /// only what reaches this CPU has an effect.
    fn write_icr(&mut self, value: u64, log: &mut Log) {
        self.apic.icr = Apic::icr_write_value(value);
        let low = (self.apic.icr & 0xffff_ffff) as u32;
        let vector = (low & 0xff) as u8;
        let mode = (low >> 8) & 7;
        let logical = low & (1 << 11) != 0;
        let assert = low & (1 << 14) != 0;
        let level = low & (1 << 15) != 0;
        let shorthand = (low >> 18) & 3;
        let dest = (self.apic.icr >> 56) as u32;
        let me = self.apic.id >> 24;
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
        log.push(
            EventKind::Write,
            Some(vector),
            format!(
                "ICR = {:#x}: {} IPI, vector {}",
                self.apic.icr,
                mode_name(mode),
                hex(vector)
            ),
            "sdm-10.6.1",
        );
        if to_others {
            log.push(
                EventKind::Signal,
                Some(vector),
                "the IPI also goes to other CPUs, which this model does not hold",
                "sdm-10.6.1",
            );
        }
        if !to_self {
            return;
        }
        if shorthand == 1 && mode != 0 {
            log.push(
                EventKind::Error,
                Some(vector),
                format!(
                    "the self shorthand is only valid with fixed delivery, not {}: nothing is sent",
                    mode_name(mode)
                ),
                "sdm-10.6.1",
            );
            return;
        }
        match mode {
            0 | 1 => {
                if vector < 16 {
                    self.apic.record_error(ESR_SEND_ILLEGAL_VECTOR);
                    log.push(
                        EventKind::Error,
                        Some(vector),
                        format!("{} is an illegal vector: ESR will show \"send illegal vector\" (bit 5)", hex(vector)),
                        "sdm-10.5.3",
                    );
                }
                self.receive_fixed(vector, level, "self-IPI", log);
            }
            4 => self.nmi(log),
            5 => {
                if level && !assert {
                    log.push(
                        EventKind::Signal,
                        None,
                        "INIT level de-assert: only synchronises arbitration IDs; no effect on this CPU",
                        "sdm-10.6.1",
                    );
                } else {
                    self.init(log);
                }
            }
            6 => self.sipi(vector, log),
            2 => log.push(
                EventKind::Signal,
                None,
                "SMI to self: system management mode is not modelled",
                "sdm-10.6.1",
            ),
            _ => log.push(
                EventKind::Error,
                Some(vector),
                format!("reserved delivery mode {mode}: nothing is sent"),
                "sdm-10.6.1",
            ),
        }
    }
}

fn mode_name(mode: u32) -> &'static str {
    match mode {
        0 => "fixed",
        1 => "lowest-priority",
        2 => "SMI",
        4 => "NMI",
        5 => "INIT",
        6 => "start-up",
        _ => "reserved",
    }
}

pub(crate) fn list(v: &[u8]) -> String {
    v.iter().map(|x| hex(*x)).collect::<Vec<_>>().join(" ")
}

/// Whether an LVT value is masked.
pub(crate) fn masked(value: u32) -> bool {
    value & LVT_MASKED != 0
}
