//! One CPU with its local APIC under one profile's policy: the hardware
//! side of the model. Every operation is one a CPU or its bus has (a
//! register access, cli/sti/hlt/iret, an interrupt, NMI, INIT or SIPI from
//! outside, the timer expiring), and records what happened as `Outcome`s.
//! Register writes are in `write.rs`, fixed-interrupt acceptance and
//! delivery in `delivery.rs`, the timer in `timer.rs`. The guest that
//! drives it is in `guest.rs` and `linux.rs`.

use crate::apic::APIC_BASE_BSP;
use crate::apic::{Apic, Lvt, VectorBits, APIC_IRR, APIC_ISR, APIC_TMR};
use crate::cpu::Cpu;
use crate::format::{CpuRun, Processor, Profile};
use crate::guest::read_regs;
use crate::outcome::{IrrIsr, Outcome, Waker};
use crate::policy::{BspLint0, HwDisable, Policy};
use crate::trace::{ApicvState, Events, State, Text};

/// The machine a scenario runs on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Machine {
    /// The local APIC's registers.
    pub apic: Apic,
    /// IF and the run state.
    pub cpu: Cpu,
    /// The profile's decisions.
    pub policy: Policy,
    /// Whether the CPU is the BSP or an AP.
    pub processor: Processor,
}

/// LVT LINT0 = ExtINT, unmasked: `SET_APIC_DELIVERY_MODE(0, APIC_MODE_EXTINT)`.
const LVT_EXTINT: u32 = 0x700;

impl Machine {
    /// Power-up state under a profile (SDM 10.4.7.1), for the BSP or an
    /// AP: IA32_APIC_BASE bit 8 is set on the BSP only (SDM 8.4.3). What
    /// RESET did is recorded in `out`.
    pub fn new(profile: Profile, processor: Processor, out: &mut Vec<Outcome>) -> Machine {
        let mut m = Machine {
            apic: Apic::power_up(0),
            cpu: Cpu::power_up(),
            policy: Policy::for_profile(profile),
            processor,
        };
        if processor == Processor::Ap {
            m.apic.apic_base &= !APIC_BASE_BSP;
        }
        out.push(Outcome::PowerUp);
        m.reset_bsp_lint0(true, out);
        m
    }

    /// The profile's LVT LINT0 for the BSP after RESET or INIT
    /// (`Policy::bsp_lint0`).
    fn reset_bsp_lint0(&mut self, at_reset: bool, out: &mut Vec<Outcome>) {
        let extint = match self.policy.bsp_lint0.choice {
            BspLint0::Masked => false,
            BspLint0::ExtInt => true,
            BspLint0::ExtIntAtReset => at_reset,
        };
        if self.processor == Processor::Bsp && extint {
            self.apic.set_lvt_raw(Lvt::Lint0, LVT_EXTINT);
            out.push(Outcome::BspLint0ExtInt);
        }
    }

    /// The visible state, with a step's events and warnings. Inline: the
    /// engine takes one after every step, and inlined, each field is
    /// computed where the state is written rather than passed through a
    /// call (the engine then stores the state straight into its vector,
    /// `run_words`).
    #[inline]
    pub fn state(&self, step: usize, label: Text, events: Events, warnings: Vec<String>) -> State {
        let a = &self.apic;
        State {
            step,
            label,
            irr: a.irr,
            isr: a.isr,
            tmr: a.tmr,
            tpr: a.tpr8(),
            ppr: a.ppr(),
            spiv: a.spiv,
            sw_enabled: a.apic_enabled(),
            if_flag: self.cpu.if_flag,
            cpu: self.cpu.run,
            lvt_timer: a.lvt(Lvt::Timer),
            lvt_lint0: a.lvt(Lvt::Lint0),
            lvt_lint1: a.lvt(Lvt::Lint1),
            lvt_error: a.lvt(Lvt::Error),
            lvt_pmc: a.lvt(Lvt::Pmc),
            lvt_thermal: a.lvt(Lvt::Thermal),
            apicv: self.policy.virtual_delivery.choice.then(|| ApicvState {
                rvi: a.irr.highest().unwrap_or(0),
                svi: a.isr.highest().unwrap_or(0),
            }),
            events,
            warnings,
            expect: None,
        }
    }

    /// Whether the APIC takes part: hardware-enabled, or a profile whose
    /// APIC keeps working while IA32_APIC_BASE bit 11 is clear
    /// (`HwDisable::ApicKeepsWorking`).
    pub(crate) fn apic_present(&self) -> bool {
        self.apic.hw_enabled() || self.policy.hw_disable.choice == HwDisable::ApicKeepsWorking
    }

    /// A 32-bit read of an xAPIC register by its offset, as software reads
    /// it (`apic_read()`); 0 for what the model does not hold. While the
    /// APIC is hardware-disabled it acts as absent (SDM 10.4.3): 0, or all
    /// ones where the profile keeps the registers (`Policy::hw_disable`:
    /// KVM's `apic_mmio_read()` under KVM_X86_QUIRK_LAPIC_MMIO_HOLE).
    pub fn read(&self, offset: u32) -> u32 {
        if !self.apic_present() {
            return match self.policy.hw_disable.choice {
                HwDisable::PowerCycle => 0,
                HwDisable::KeepRegisters | HwDisable::ApicKeepsWorking => 0xffff_ffff,
            };
        }
        self.apic
            .read(offset)
            .map_or(0, |v| (v & 0xffff_ffff) as u32)
    }

    /// The eight registers of IRR, ISR or TMR from `base` (`APIC_IRR`,
    /// `APIC_ISR`, `APIC_TMR`), as eight `read`s return them.
    pub fn read_bits(&self, base: u32) -> VectorBits {
        if self.apic_present() {
            match base {
                APIC_IRR => return self.apic.irr,
                APIC_ISR => return self.apic.isr,
                APIC_TMR => return self.apic.tmr,
                _ => {}
            }
        }
        read_regs(base, false, |offset| self.read(offset))
    }

    /// `cli` (SDM 6.8.1).
    pub fn cli(&mut self, out: &mut Vec<Outcome>) {
        self.cpu.if_flag = false;
        out.push(Outcome::IfSet(false));
    }

    /// `sti` (SDM 6.8.1).
    pub fn sti(&mut self, out: &mut Vec<Outcome>) {
        self.cpu.if_flag = true;
        out.push(Outcome::IfSet(true));
    }

    /// The return from a handler: IRET restores IF=1 (the interrupt gate
    /// cleared it on entry, SDM 6.8.1).
    pub fn iret(&mut self) {
        self.cpu.if_flag = true;
    }

    /// `hlt`: halt until an interrupt, NMI or INIT (SDM 6.8.1).
    pub fn hlt(&mut self, out: &mut Vec<Outcome>) {
        if self.cpu.run == CpuRun::WaitForSipi {
            out.push(Outcome::HltIgnored);
            return;
        }
        self.cpu.run = CpuRun::Halted;
        out.push(Outcome::Halted {
            if_flag: self.cpu.if_flag,
        });
    }

    pub(crate) fn wake(&mut self, by: Waker, out: &mut Vec<Outcome>) {
        if self.cpu.run == CpuRun::Halted {
            self.cpu.run = CpuRun::Running;
            out.push(Outcome::Woken(by));
        }
    }

    /// An NMI arrives. It bypasses IRR and ISR and changes no APIC register
    /// (SDM 10.8.1); a halted CPU wakes, runs the NMI handler and returns.
    /// A CPU waiting for SIPI does not take it (SDM 10.4.7.3).
    pub fn nmi(&mut self, out: &mut Vec<Outcome>) {
        if self.cpu.run == CpuRun::WaitForSipi {
            out.push(Outcome::NmiIgnored);
            return;
        }
        out.push(Outcome::Nmi);
        self.wake(Waker::Nmi, out);
    }

    /// INIT: the APIC is reset as at power-up except its ID and
    /// IA32_APIC_BASE (SDM 10.4.7.3), with IF=0 (EFLAGS = 2 after INIT).
    /// An AP then waits for SIPI; the BSP runs the BIOS boot-strap code
    /// at the reset vector (SDM 8.4.2: "each logical processor examines
    /// its BSP flag ... to determine whether it should execute the BIOS
    /// boot-strap code (if it is the BSP) or enter a wait-for-SIPI state
    /// (if it is an AP)"; KVM v5.2 `kvm_apic_accept_events()`: RUNNABLE
    /// for the BSP, INIT_RECEIVED for an AP).
    pub fn init(&mut self, out: &mut Vec<Outcome>) {
        let before = IrrIsr {
            irr: self.apic.irr,
            isr: self.apic.isr,
        };
        self.apic.init_reset();
        out.push(Outcome::InitReset(Box::new(before)));
        self.reset_bsp_lint0(false, out);
        let run = match self.processor {
            Processor::Bsp => CpuRun::Running,
            Processor::Ap => CpuRun::WaitForSipi,
        };
        self.cpu = Cpu {
            if_flag: false,
            run,
        };
        out.push(match self.processor {
            Processor::Bsp => Outcome::InitBspRuns,
            Processor::Ap => Outcome::WaitForSipi,
        });
    }

    /// SIPI: starts a CPU that waits for it, at vector * 0x1000, with IF=0;
    /// ignored otherwise (SDM 10.4.7.3).
    pub fn sipi(&mut self, vector: u8, out: &mut Vec<Outcome>) {
        if self.cpu.run != CpuRun::WaitForSipi {
            out.push(Outcome::SipiIgnored(vector));
            return;
        }
        self.cpu = Cpu {
            if_flag: false,
            run: CpuRun::Running,
        };
        out.push(Outcome::Started(vector));
    }
}
