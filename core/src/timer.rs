//! The local APIC timer (SDM 10.5.4): one-shot and periodic modes count the
//! initial count down (this model does not pass time, so the count only
//! moves when a `timer_fire` step says it expires), TSC-deadline mode fires
//! when the TSC reaches IA32_TSC_DEADLINE and then disarms itself
//! (SDM 10.5.4.1).

use crate::apic::{hex, Lvt};
use crate::decode::TimerMode;
use crate::machine::{Log, Machine};
use crate::trace::EventKind;
use crate::write::masked;

impl Machine {
    fn timer_mode(&self) -> TimerMode {
        TimerMode::from_lvt(self.apic.lvt(Lvt::Timer))
    }

    pub(crate) fn write_timer_initial(&mut self, value: u32, log: &mut Log) {
        let mode = self.timer_mode();
        if mode == TimerMode::TscDeadline {
            log.push(
                EventKind::Timer,
                None,
                format!("initial count {value:#x} ignored: in TSC-deadline mode writes to the initial-count register are ignored"),
                "sdm-10.5.4.1",
            );
            return;
        }
        self.apic.timer_initial = value;
        self.apic.timer_current = value;
        let text = if value == 0 {
            "initial count 0: the timer stops".to_string()
        } else {
            format!(
                "initial count {value:#x}: the {} timer starts counting down",
                mode.name()
            )
        };
        log.push(EventKind::Timer, None, text, "sdm-10.5.4");
    }

    pub(crate) fn write_tsc_deadline(&mut self, value: u64, log: &mut Log) {
        if self.timer_mode() != TimerMode::TscDeadline || !self.apic.hw_enabled() {
            log.push(
                EventKind::Timer,
                None,
                format!(
                    "IA32_TSC_DEADLINE write ignored: the LVT timer is in {} mode, not TSC-deadline",
                    self.timer_mode().name()
                ),
                "sdm-10.5.4.1",
            );
            return;
        }
        self.apic.tsc_deadline = value;
        let text = if value == 0 {
            "IA32_TSC_DEADLINE = 0: the timer is disarmed".to_string()
        } else {
            format!("IA32_TSC_DEADLINE = {value:#x}: the timer is armed")
        };
        log.push(EventKind::Timer, None, text, "sdm-10.5.4.1");
    }

    /// `timer_fire`: whatever is armed expires now.
    pub(crate) fn timer_fire(&mut self, log: &mut Log) {
        let lvt = self.apic.lvt(Lvt::Timer);
        let mode = TimerMode::from_lvt(lvt);
        let fired = match mode {
            TimerMode::TscDeadline if self.apic.tsc_deadline != 0 => {
                self.apic.tsc_deadline = 0;
                log.push(
                    EventKind::Timer,
                    None,
                    "the TSC reaches IA32_TSC_DEADLINE: the timer fires and disarms itself (IA32_TSC_DEADLINE reads 0)",
                    "sdm-10.5.4.1",
                );
                true
            }
            TimerMode::OneShot if self.apic.timer_current != 0 => {
                self.apic.timer_current = 0;
                log.push(
                    EventKind::Timer,
                    None,
                    "one-shot count reaches 0: the timer fires and stays at 0",
                    "sdm-10.5.4",
                );
                true
            }
            TimerMode::Periodic if self.apic.timer_initial != 0 => {
                self.apic.timer_current = self.apic.timer_initial;
                log.push(
                    EventKind::Timer,
                    None,
                    format!(
                        "periodic count reaches 0: the timer fires and reloads {:#x}",
                        self.apic.timer_initial
                    ),
                    "sdm-10.5.4",
                );
                true
            }
            _ => false,
        };
        if !fired {
            log.push(
                EventKind::Timer,
                None,
                format!("nothing expires: the {} timer is not armed", mode.name()),
                "sdm-10.5.4",
            );
            return;
        }
        let vector = (lvt & 0xff) as u8;
        if masked(lvt) {
            log.push(
                EventKind::Drop,
                Some(vector),
                format!(
                    "the LVT timer is masked: no interrupt is sent for {}",
                    hex(vector)
                ),
                "sdm-10.5.1",
            );
            return;
        }
        self.receive_fixed(vector, false, "LVT timer", log);
    }
}
