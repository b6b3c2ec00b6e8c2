//! NMI, INIT and SIPI (SDM 10.4.7.3, 10.8.1) and the CPU instructions that
//! change IF or halt (SDM 6.8.1). None of these go through IRR or ISR.

use crate::apic::hex;
use crate::cpu::Cpu;
use crate::machine::{Log, Machine};
use crate::trace::{CpuRun, EventKind};
use crate::write::list;

impl Machine {
    pub(crate) fn cli(&mut self, log: &mut Log) {
        self.cpu.if_flag = false;
        log.push(
            EventKind::Cpu,
            None,
            "IF=0: maskable interrupts stay pending in IRR until IF=1",
            "sdm-6.8.1",
        );
    }

    pub(crate) fn sti(&mut self, log: &mut Log) {
        self.cpu.if_flag = true;
        log.push(
            EventKind::Cpu,
            None,
            "IF=1: the CPU takes maskable interrupts again",
            "sdm-6.8.1",
        );
    }

    pub(crate) fn hlt(&mut self, log: &mut Log) {
        if self.cpu.run == CpuRun::WaitForSipi {
            log.push(
                EventKind::Cpu,
                None,
                "hlt has no effect: the CPU is waiting for SIPI and runs no instruction",
                "sdm-10.4.7.3",
            );
            return;
        }
        self.cpu.run = CpuRun::Halted;
        let text = if self.cpu.if_flag {
            "HLT: the CPU halts until an interrupt, NMI or INIT"
        } else {
            "HLT with IF=0: only an NMI, SMI or INIT can end it"
        };
        log.push(EventKind::Cpu, None, text, "sdm-6.8.1");
    }

    /// An NMI arrives. It bypasses IRR/ISR and changes no APIC register;
    /// a halted CPU wakes, runs the NMI handler and returns.
    pub(crate) fn nmi(&mut self, log: &mut Log) {
        if self.cpu.run == CpuRun::WaitForSipi {
            log.push(
                EventKind::Signal,
                None,
                "NMI not taken: the CPU is waiting for SIPI",
                "sdm-10.4.7.3",
            );
            return;
        }
        log.push(
            EventKind::Signal,
            Some(2),
            "NMI accepted: it goes to the CPU directly, bypassing IRR and ISR, and changes no APIC register",
            "sdm-10.8.1",
        );
        if self.cpu.run == CpuRun::Halted {
            self.cpu.run = CpuRun::Running;
            log.push(
                EventKind::Cpu,
                Some(2),
                "the NMI wakes the CPU from HLT; the NMI handler runs and returns",
                "sdm-6.8.1",
            );
        }
    }

    /// INIT: the APIC is reset as at power-up except its ID (SDM 10.4.7.3),
    /// and the CPU waits for SIPI with IF=0 (EFLAGS = 2 after INIT).
    pub(crate) fn init(&mut self, log: &mut Log) {
        let irr = self.apic.irr.vectors();
        let isr = self.apic.isr.vectors();
        self.apic.init_reset();
        let mut text = "INIT: the APIC is reset as at power-up except its ID: IRR, ISR, TMR cleared, SPIV = 0xff (software-disabled), every LVT masked".to_string();
        if !irr.is_empty() || !isr.is_empty() {
            text.push_str(&format!(
                " (IRR [{}] and ISR [{}] are gone)",
                list(&irr),
                list(&isr)
            ));
        }
        let rule = if self.policy.profile == crate::Profile::Hardware {
            "sdm-10.4.7.3"
        } else {
            "sdm-10.4.7.3; kvm: kvm_lapic_reset(init_event=true)"
        };
        log.push(EventKind::Reset, None, text, rule);
        self.cpu = Cpu {
            if_flag: false,
            run: CpuRun::WaitForSipi,
        };
        log.push(
            EventKind::Cpu,
            None,
            "the CPU waits for a start-up IPI (IF=0)",
            "sdm-10.4.7.3",
        );
    }

    /// SIPI: starts a CPU that waits for it, at vector * 0x1000; ignored
    /// otherwise.
    pub(crate) fn sipi(&mut self, vector: u8, log: &mut Log) {
        if self.cpu.run != CpuRun::WaitForSipi {
            log.push(
                EventKind::Signal,
                Some(vector),
                format!(
                    "start-up IPI {} ignored: the CPU is not waiting for SIPI",
                    hex(vector)
                ),
                "sdm-10.4.7.3",
            );
            return;
        }
        self.cpu = Cpu {
            if_flag: false,
            run: CpuRun::Running,
        };
        log.push(
            EventKind::Signal,
            Some(vector),
            format!(
                "start-up IPI: the CPU starts running at {:#x} with IF=0",
                u32::from(vector) << 12
            ),
            "sdm-10.4.7.3",
        );
    }
}
