//! Fixed interrupts: acceptance into IRR (SDM 10.8.4, 10.4.7.2) and the
//! delivery a CPU performs between instructions whenever it can take an
//! interrupt (IF=1, running or halted, class above PPR: SDM 10.8.3.1). A
//! held IRR bit under a software-disabled APIC is where the profiles differ
//! (`policy.rs`).

use crate::apic::{class, ESR_RECEIVE_ILLEGAL_VECTOR};
use crate::format::CpuRun;
use crate::machine::Machine;
use crate::outcome::{Blocked, DropReason, Outcome, Source, Waker};
use crate::policy::{HeldIrr, SwDisabledFixed};

/// What the CPU did about its highest pending IRR bit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Delivery {
    /// IRR is empty (or the APIC is absent).
    Nothing,
    /// A bit stays pending, and why.
    Blocked(u8, Blocked),
    /// IRR -> ISR: the handler of this vector is entered with IF=0.
    Dispatched(u8),
    /// A spurious interrupt with this (SPIV) vector: the handler is
    /// entered with IF=0, and no ISR bit is set.
    Spurious(u8),
}

impl Machine {
    /// A fixed interrupt arrives: from the I/O APIC or an MSI, a self-IPI,
    /// or an LVT entry.
    pub fn receive_fixed(
        &mut self,
        source: Source,
        vector: u8,
        level: bool,
        out: &mut Vec<Outcome>,
    ) {
        let why = if !self.apic_present() {
            Some(DropReason::HwDisabled)
        } else if !self.apic.spiv_enabled()
            && match self.policy.fixed_while_sw_disabled.choice {
                SwDisabledFixed::Drop => true,
                SwDisabledFixed::Accept => false,
                SwDisabledFixed::DropIpis => !matches!(source, Source::Irq { .. }),
            }
        {
            Some(DropReason::SwDisabled)
        } else {
            None
        };
        match why {
            Some(why) => out.push(Outcome::Dropped {
                source,
                vector,
                why,
            }),
            None => {
                if !self.apic.spiv_enabled() {
                    out.push(Outcome::AcceptedWhileSwDisabled(vector));
                }
                out.push(self.accept(source, vector, level));
            }
        }
    }

    /// Accept a fixed interrupt into IRR and set TMR from its trigger mode
    /// (SDM 10.8.4: "upon acceptance of an interrupt into the IRR, the
    /// corresponding TMR bit is cleared for edge-triggered interrupts and set
    /// for level-triggered interrupts"). The caller has already applied the
    /// enable checks. IRR holds one request per vector: a second request
    /// while the bit is set merges with it (SDM 10.8.4, two per vector
    /// counting the one in service). Vectors 0-15 are illegal (SDM 10.5.3):
    /// "received illegal vector" is recorded and nothing is accepted.
    fn accept(&mut self, source: Source, vector: u8, level: bool) -> Outcome {
        if vector < 16 {
            self.apic.record_error(ESR_RECEIVE_ILLEGAL_VECTOR);
            return Outcome::IllegalVector(vector);
        }
        if self.apic.irr.contains(vector) {
            return Outcome::Merged { source, vector };
        }
        self.apic.irr.set(vector);
        let tmr_changed = if level {
            self.apic.tmr.set(vector)
        } else {
            self.apic.tmr.clear(vector)
        };
        Outcome::Accepted {
            source,
            vector,
            tmr_changed,
        }
    }

    /// `irq {vector, level}`: a fixed interrupt from the I/O APIC or an MSI.
    pub fn irq(&mut self, vector: u8, level: bool, out: &mut Vec<Outcome>) {
        self.receive_fixed(Source::Irq { level }, vector, level, out);
    }

    /// One delivery decision, as the CPU makes it between instructions.
    /// A dispatched or spurious interrupt enters its handler with IF=0
    /// (interrupt gate, SDM 6.8.1): the caller runs the handler and IRET.
    pub fn deliver(&mut self, out: &mut Vec<Outcome>) -> Delivery {
        let Some(v) = self.apic.irr.highest() else {
            return Delivery::Nothing;
        };
        if !self.apic_present() {
            return Delivery::Nothing;
        }
        if !self.cpu.takes_maskable() {
            let why = match self.cpu.run {
                CpuRun::WaitForSipi => Blocked::WaitForSipi,
                CpuRun::Halted => Blocked::HaltedIfClear,
                CpuRun::Running => Blocked::IfClear,
            };
            return Delivery::Blocked(v, why);
        }
        let ppr = self.apic.ppr();
        let sw_disabled = !self.apic.spiv_enabled();
        if sw_disabled {
            match self.policy.held_irr.choice {
                HeldIrr::Hold => return Delivery::Blocked(v, Blocked::Policy),
                HeldIrr::Spurious if class(v) > class(ppr) => {
                    // Thomas Gleixner's observation: the CPU acknowledges,
                    // the disabled APIC answers with the spurious vector
                    // (SDM 10.9: no ISR bit, and the handler must not EOI),
                    // and the IRR bit is gone.
                    let sv = self.apic.spurious_vector();
                    self.wake(Waker::Interrupt, out);
                    self.apic.irr.clear(v);
                    self.cpu.if_flag = false;
                    out.push(Outcome::Spurious {
                        held: v,
                        vector: sv,
                    });
                    return Delivery::Spurious(sv);
                }
                HeldIrr::Spurious | HeldIrr::Deliver => {}
            }
        }
        if class(v) <= class(ppr) {
            return Delivery::Blocked(v, Blocked::Priority { ppr });
        }
        self.wake(Waker::Interrupt, out);
        self.apic.irr.clear(v);
        self.apic.isr.set(v);
        self.cpu.if_flag = false;
        out.push(Outcome::Dispatched {
            vector: v,
            ppr,
            virtual_delivery: self.policy.virtual_delivery.choice,
            sw_disabled,
        });
        Delivery::Dispatched(v)
    }
}
