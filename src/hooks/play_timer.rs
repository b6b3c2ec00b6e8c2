//! The play button's clock: an interval that dispatches a tick per step
//! while playing, at the chosen speed, and stops when playing stops.

use gloo_timers::callback::Interval;
use yew::prelude::*;

use crate::state::Speed;

/// Calls `on_tick` every `speed.interval_ms()` while `playing`.
#[hook]
pub fn use_play_timer(playing: bool, speed: Speed, on_tick: Callback<()>) {
    use_effect_with((playing, speed), move |&(playing, speed)| {
        let interval =
            playing.then(|| Interval::new(speed.interval_ms(), move || on_tick.emit(())));
        move || drop(interval)
    });
}
