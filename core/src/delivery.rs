//! Fixed interrupts: acceptance into IRR (SDM 10.8.4, 10.4.7.2) and the
//! delivery that happens by itself after each step while the CPU can take
//! an interrupt (IF=1, running or halted, class above PPR: SDM 10.8.3.1).
//! A held IRR bit under a software-disabled APIC is where the profiles
//! differ (`policy.rs`).

use crate::apic::{class, hex};
use crate::machine::{Log, Machine};
use crate::policy::HeldIrr;
use crate::scenario::Handlers;
use crate::trace::{CpuRun, EventKind};

/// At most this many deliveries in one settle: each one removes an IRR bit
/// and nothing adds one, so 256 would do; the bound makes that explicit.
const MAX_DELIVERIES: usize = 512;

impl Machine {
    /// A fixed (or lowest-priority) interrupt arrives: from the I/O APIC or
    /// an MSI, a self-IPI, or an LVT entry. Returns whether IRR took it.
    pub fn receive_fixed(&mut self, vector: u8, level: bool, source: &str, log: &mut Log) -> bool {
        if !self.apic.hw_enabled() {
            log.push(
                EventKind::Drop,
                Some(vector),
                format!("{source} {} dropped: the APIC is hardware-disabled (IA32_APIC_BASE bit 11 = 0) and acts as absent", hex(vector)),
                "sdm-10.4.3",
            );
            return false;
        }
        if !self.apic.spiv_enabled() && !self.policy.accept_while_sw_disabled {
            log.push(
                EventKind::Drop,
                Some(vector),
                format!(
                    "{source} {} dropped: the APIC is software-disabled (SPIV bit 8 = 0), so a new fixed interrupt does not set IRR",
                    hex(vector)
                ),
                self.policy.drop_rule(),
            );
            return false;
        }
        let before = self.apic.irr.test(vector);
        let mut events = Vec::new();
        self.apic.accept(vector, level, &mut events);
        for mut e in events {
            if e.kind == EventKind::Accept {
                e.text = format!("{source}: {}", e.text);
            }
            log.events.push(e);
        }
        !before && self.apic.irr.test(vector)
    }

    /// Deliver whatever the CPU can take now, as hardware does between
    /// instructions; explain a pending bit that stays pending.
    pub fn settle(&mut self, log: &mut Log) {
        let accepted_now = log.events.iter().any(|e| e.kind == EventKind::Accept);
        for _ in 0..MAX_DELIVERIES {
            let Some(v) = self.apic.irr.highest() else {
                return;
            };
            if !self.apic.hw_enabled() {
                return;
            }
            if !self.cpu.takes_maskable() {
                if accepted_now {
                    let why = if self.cpu.run == CpuRun::WaitForSipi {
                        "the CPU is waiting for SIPI".to_string()
                    } else if self.cpu.run == CpuRun::Halted {
                        "IF=0, and a maskable interrupt does not end HLT while IF=0".to_string()
                    } else {
                        "IF=0: the CPU does not take maskable interrupts".to_string()
                    };
                    log.push(
                        EventKind::Held,
                        Some(v),
                        format!("{} stays pending in IRR: {why}", hex(v)),
                        "sdm-6.8.1",
                    );
                }
                return;
            }
            let ppr = self.apic.ppr();
            if !self.apic.spiv_enabled() {
                match self.policy.held_irr {
                    HeldIrr::Hold => {
                        log.push(
                            EventKind::Held,
                            Some(v),
                            format!(
                                "IRR bit {} held although IF=1: the emulated APIC is software-disabled and offers no interrupt to the CPU",
                                hex(v)
                            ),
                            self.policy.held_irr_rule(),
                        );
                        return;
                    }
                    HeldIrr::Spurious => {
                        if class(v) <= class(ppr) {
                            self.held_by_ppr(v, ppr, log);
                            return;
                        }
                        self.deliver_spurious(v, log);
                        continue;
                    }
                    HeldIrr::Deliver => {}
                }
            }
            if class(v) <= class(ppr) {
                self.held_by_ppr(v, ppr, log);
                return;
            }
            self.dispatch(v, ppr, log);
        }
    }

    fn held_by_ppr(&self, v: u8, ppr: u8, log: &mut Log) {
        let ppr_name = if self.policy.virtual_delivery {
            "VPPR"
        } else {
            "PPR"
        };
        log.push(
            EventKind::Held,
            Some(v),
            format!(
                "{} stays pending: its priority class {} is not above {ppr_name} {:#04x} (class {})",
                hex(v),
                class(v),
                ppr,
                class(ppr)
            ),
            if self.policy.virtual_delivery { "sdm-29.2.1" } else { "sdm-10.8.3.1" },
        );
    }

    fn wake_if_halted(&mut self, what: &str, log: &mut Log) {
        if self.cpu.run == CpuRun::Halted {
            self.cpu.run = CpuRun::Running;
            log.push(
                EventKind::Cpu,
                None,
                format!("{what} wakes the CPU from HLT"),
                "sdm-6.8.1",
            );
        }
    }

    /// Hardware's observed behaviour for a held bit: the CPU acknowledges,
    /// the disabled APIC answers with the spurious vector (SDM 10.9: no ISR
    /// bit, and the handler must not EOI), and the IRR bit is gone.
    fn deliver_spurious(&mut self, v: u8, log: &mut Log) {
        let sv = self.apic.spurious_vector();
        self.wake_if_halted("the interrupt", log);
        self.apic.irr.clear(v);
        log.push(
            EventKind::Spurious,
            Some(sv),
            format!(
                "IF=1 and IRR bit {} is pending while the APIC is software-disabled: it is delivered as a spurious interrupt, vector {} (SPIV); IRR bit {} cleared, no ISR bit set",
                hex(v),
                hex(sv),
                hex(v)
            ),
            self.policy.held_irr_rule(),
        );
        log.push(
            EventKind::Cpu,
            Some(sv),
            format!(
                "the spurious handler for {} runs with IF=0 (interrupt gate) and returns without EOI; IRET restores IF=1",
                hex(sv)
            ),
            "sdm-10.9",
        );
    }

    /// IRR -> ISR, the handler runs (IF=0 through the interrupt gate), and
    /// returns: with `auto_eoi` after writing EOI, with `manual` without.
    fn dispatch(&mut self, v: u8, ppr: u8, log: &mut Log) {
        let sw_disabled = !self.apic.spiv_enabled();
        self.wake_if_halted("the interrupt", log);
        self.apic.irr.clear(v);
        self.apic.isr.set(v);
        if self.policy.virtual_delivery {
            log.push(
                EventKind::Dispatch,
                Some(v),
                format!(
                    "virtual-interrupt delivery: RVI {} is in a class above VPPR {:#04x} and IF=1, so the CPU moves it VIRR -> VISR, sets SVI = {} and recomputes RVI; the interrupt gate clears IF while the handler runs",
                    hex(v),
                    ppr,
                    hex(v)
                ),
                if sw_disabled { self.policy.held_irr_rule() } else { "sdm-29.2.2" },
            );
        } else {
            log.push(
                EventKind::Dispatch,
                Some(v),
                format!(
                    "{} dispatched: its class {} is above PPR {:#04x} and IF=1, so IRR -> ISR and the handler is entered; the interrupt gate clears IF while it runs",
                    hex(v),
                    class(v),
                    ppr
                ),
                if sw_disabled { self.policy.held_irr_rule() } else { "sdm-10.8.4" },
            );
        }
        if sw_disabled {
            if let Some(e) = log.events.last_mut() {
                e.text.push_str(
                    " (the APIC is software-disabled, but a bit that was already in IRR is still delivered normally)",
                );
            }
        }
        match self.handlers {
            Handlers::AutoEoi => {
                let mut events = Vec::new();
                self.apic.eoi(&mut events);
                for mut e in events {
                    e.text = format!("the handler writes EOI: {}", e.text);
                    log.events.push(e);
                }
                log.push(
                    EventKind::Cpu,
                    Some(v),
                    format!("the handler for {} returns: IRET restores IF=1", hex(v)),
                    "sdm-6.8.1",
                );
            }
            Handlers::Manual => {
                log.push(
                    EventKind::Cpu,
                    Some(v),
                    format!(
                        "manual handlers: the handler for {} turns interrupts back on (IF=1) and has not written EOI yet, so {} stays in ISR until an eoi step",
                        hex(v),
                        hex(v)
                    ),
                    "sdm-10.8.5",
                );
            }
        }
    }
}
