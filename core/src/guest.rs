//! The guest's side: the operations a CPU's software has (`GuestCpu`), and
//! the model's implementation of them on a `Machine`. Guest code (the
//! steps of a scenario, the Linux routines of `linux.rs`, the interrupt
//! handlers) drives the hardware only through this trait, so the same
//! routine runs on the model and on a real CPU (the host-KVM runner
//! implements the trait on a real vCPU).

use crate::apic::VectorBits;
use crate::delivery::Delivery;
use crate::format::{CpuRun, Handlers, Processor, Reg};
use crate::machine::Machine;
use crate::outcome::{Blocked, Guest, Outcome};

/// The 256 bits of IRR, ISR or TMR at `base` (`APIC_IRR`, `APIC_ISR`,
/// `APIC_TMR`) from eight 32-bit reads of its registers, 0x10 apart, made
/// from the highest (`from_highest`) or from the lowest.
pub(crate) fn read_regs(
    base: u32,
    from_highest: bool,
    mut read: impl FnMut(u32) -> u32,
) -> VectorBits {
    let mut regs = [0u32; 8];
    let slots = (0u32..8).zip(regs.iter_mut());
    if from_highest {
        for (i, r) in slots.rev() {
            *r = read(base + 0x10 * i);
        }
    } else {
        for (i, r) in slots {
            *r = read(base + 0x10 * i);
        }
    }
    VectorBits::from_regs(regs)
}

/// What the software of one CPU can do to its local APIC and itself.
pub trait GuestCpu {
    /// `apic_read()`: a 32-bit read of the xAPIC register at `offset`.
    fn read(&mut self, offset: u32) -> u32;
    /// The 256 bits of IRR, ISR or TMR (`base`: `APIC_IRR`, `APIC_ISR`,
    /// `APIC_TMR`) as eight `read`s of their registers, from the highest
    /// (`from_highest`: v5.2's `apic_pending_intr_clear()`) or from the
    /// lowest (v5.4's `apic_check_and_ack()`). A CPU whose reads change
    /// nothing may return the bits without them.
    fn read_bits(&mut self, base: u32, from_highest: bool) -> VectorBits {
        read_regs(base, from_highest, |offset| self.read(offset))
    }
    /// `apic_write()` or `wrmsr`: write a register.
    fn write(&mut self, reg: Reg, value: u64);
    /// `cli`.
    fn cli(&mut self);
    /// `sti`.
    fn sti(&mut self);
    /// `hlt`.
    fn hlt(&mut self);
    /// Another CPU sends this one an NMI (the boot CPU's `wakeup_cpu0_nmi()`).
    fn nmi_from_another_cpu(&mut self);
    /// Whether this CPU runs (not halted, not waiting for SIPI).
    fn running(&self) -> bool;
    /// EFLAGS.IF.
    fn if_flag(&self) -> bool;
    /// Whether this CPU is the BSP or an AP.
    fn processor(&self) -> Processor;
    /// What the guest says it does, or prints.
    fn say(&mut self, what: Guest);
}

/// At most this many deliveries between two instructions: each one removes
/// an IRR bit and nothing adds one, so 256 would do; the bound says so.
const MAX_DELIVERIES: usize = 512;

/// The model's CPU: every operation goes to the machine, and between two
/// operations the CPU takes whatever interrupt it can, as hardware does
/// between instructions, running the guest's handler for it.
pub struct OnMachine<'a> {
    /// The machine.
    pub machine: &'a mut Machine,
    /// How the guest's handlers behave.
    pub handlers: Handlers,
    /// What happened, in order.
    pub out: &'a mut Vec<Outcome>,
}

impl OnMachine<'_> {
    /// Take every interrupt the CPU can take now, running its handler;
    /// returns the pending bit that stays, and why, if one does. Inline,
    /// for its first test: after most operations nothing is pending.
    #[inline]
    pub fn settle(&mut self) -> Option<(u8, Blocked)> {
        if self.machine.apic.irr.is_empty() {
            // `deliver` would find nothing (its first test): no call.
            return None;
        }
        self.take_pending()
    }

    /// `settle` with IRR set: deliver until nothing more can be taken.
    fn take_pending(&mut self) -> Option<(u8, Blocked)> {
        for _ in 0..MAX_DELIVERIES {
            match self.machine.deliver(self.out) {
                Delivery::Nothing => return None,
                Delivery::Blocked(v, why) => return Some((v, why)),
                Delivery::Spurious(sv) => {
                    // SDM 10.9: the spurious handler returns without EOI.
                    self.out.push(Outcome::SpuriousHandled(sv));
                    self.machine.iret();
                }
                Delivery::Dispatched(v) => self.handle(v),
            }
        }
        None
    }

    /// The guest's handler for a dispatched vector.
    fn handle(&mut self, v: u8) {
        match self.handlers {
            Handlers::AutoEoi => {
                self.out.push(Outcome::HandlerEoi(v));
                self.machine.write(Reg::Eoi, 0, self.out);
                self.out.push(Outcome::HandlerReturned(v));
            }
            Handlers::Manual => self.out.push(Outcome::HandlerKeepsIsr(v)),
        }
        self.machine.iret();
    }
}

impl GuestCpu for OnMachine<'_> {
    fn read(&mut self, offset: u32) -> u32 {
        // No settle: a read (`Machine::read` takes `&self`) changes none
        // of what decides a delivery (IRR, ISR, TPR, SPIV, IF: SDM 10.8.3,
        // 10.8.4), and every operation that changes the machine settles
        // after it. So the CPU has taken what it could, and what is held
        // stays held for the same reason: a settle here would find nothing.
        self.machine.read(offset)
    }

    fn read_bits(&mut self, base: u32, _from_highest: bool) -> VectorBits {
        // Reads change nothing (see `read`), so their order does not
        // matter: the eight registers at once.
        self.machine.read_bits(base)
    }

    fn write(&mut self, reg: Reg, value: u64) {
        self.machine.write(reg, value, self.out);
        self.settle();
    }

    fn cli(&mut self) {
        self.machine.cli(self.out);
        self.settle();
    }

    fn sti(&mut self) {
        self.machine.sti(self.out);
        self.settle();
    }

    fn hlt(&mut self) {
        self.machine.hlt(self.out);
        self.settle();
    }

    fn nmi_from_another_cpu(&mut self) {
        self.machine.nmi(self.out);
        self.settle();
    }

    fn running(&self) -> bool {
        self.machine.cpu.run == CpuRun::Running
    }

    fn if_flag(&self) -> bool {
        self.machine.cpu.if_flag
    }

    fn processor(&self) -> Processor {
        self.machine.processor
    }

    fn say(&mut self, what: Guest) {
        self.out.push(Outcome::Guest(what));
    }
}
