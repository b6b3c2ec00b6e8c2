//! The CPU as far as interrupts are concerned: the interrupt flag and
//! whether it runs, halts or waits for SIPI (SDM Vol. 3A 6.8.1, 8.4, 10.4.7.3).

use crate::format::CpuRun;

/// The CPU's interrupt-relevant state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cpu {
    /// EFLAGS.IF: maskable interrupts are taken only when set (SDM 6.8.1).
    pub if_flag: bool,
    /// Running, halted or waiting for SIPI.
    pub run: CpuRun,
}

impl Cpu {
    /// After RESET (or INIT): EFLAGS = 2, so IF = 0. The scenario's CPU
    /// starts running (it is the CPU whose APIC the scenario follows).
    pub fn power_up() -> Cpu {
        Cpu {
            if_flag: false,
            run: CpuRun::Running,
        }
    }

    /// Whether a maskable interrupt can be taken now: IF=1 and not in
    /// wait-for-SIPI (a halted CPU is woken by it).
    pub fn takes_maskable(&self) -> bool {
        self.if_flag && self.run != CpuRun::WaitForSipi
    }
}
