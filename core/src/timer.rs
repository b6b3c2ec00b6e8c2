//! The local APIC timer (SDM 10.5.4): one-shot and periodic modes count the
//! initial count down (this model does not pass time, so the count only
//! moves when a `timer_fire` step says it expires), TSC-deadline mode fires
//! when the TSC reaches IA32_TSC_DEADLINE and then disarms itself
//! (SDM 10.5.4.1).

use crate::apic::{Lvt, LVT_MASKED};
use crate::decode::TimerMode;
use crate::machine::Machine;
use crate::outcome::{DropReason, Outcome, Source};

impl Machine {
    fn timer_mode(&self) -> TimerMode {
        TimerMode::from_lvt(self.apic.lvt(Lvt::Timer))
    }

    /// The initial-count register: starts (or, with 0, stops) the count;
    /// ignored in TSC-deadline mode (SDM 10.5.4.1).
    pub(crate) fn write_timer_initial(&mut self, value: u32, out: &mut Vec<Outcome>) {
        let mode = self.timer_mode();
        if mode == TimerMode::TscDeadline {
            out.push(Outcome::TimerInitialIgnored(value));
            return;
        }
        self.apic.timer_initial = value;
        self.apic.timer_current = value;
        out.push(Outcome::TimerInitial { value, mode });
    }

    /// IA32_TSC_DEADLINE: arms (or, with 0, disarms) the timer in
    /// TSC-deadline mode; ignored in the other modes (SDM 10.5.4.1).
    pub(crate) fn write_tsc_deadline(&mut self, value: u64, out: &mut Vec<Outcome>) {
        let mode = self.timer_mode();
        if mode != TimerMode::TscDeadline || !self.apic.hw_enabled() {
            out.push(Outcome::TscDeadlineIgnored(mode));
            return;
        }
        self.apic.tsc_deadline = value;
        out.push(Outcome::TscDeadline(value));
    }

    /// `timer_fire`: whatever is armed expires now, and the LVT timer
    /// sends its vector unless masked (SDM 10.5.1).
    pub fn timer_fire(&mut self, out: &mut Vec<Outcome>) {
        let lvt = self.apic.lvt(Lvt::Timer);
        let mode = TimerMode::from_lvt(lvt);
        let reload = match mode {
            TimerMode::TscDeadline if self.apic.tsc_deadline != 0 => {
                self.apic.tsc_deadline = 0;
                Some(0)
            }
            TimerMode::OneShot if self.apic.timer_current != 0 => {
                self.apic.timer_current = 0;
                Some(0)
            }
            TimerMode::Periodic if self.apic.timer_initial != 0 => {
                self.apic.timer_current = self.apic.timer_initial;
                Some(self.apic.timer_initial)
            }
            _ => None,
        };
        let Some(reload) = reload else {
            out.push(Outcome::TimerNotArmed(mode));
            return;
        };
        out.push(Outcome::TimerFired { mode, reload });
        let vector = (lvt & 0xff) as u8;
        if lvt & LVT_MASKED != 0 {
            out.push(Outcome::Dropped {
                source: Source::LvtTimer,
                vector,
                why: DropReason::Masked,
            });
            return;
        }
        self.receive_fixed(Source::LvtTimer, vector, false, out);
    }
}
