//! The app's one reducer (yew's `examples/function_todomvc` pattern): every
//! change of what the screen shows is an `Action`, and `reduce` is a pure
//! function of the old state and the action. Effects (URL, timer, keys,
//! theme) live in `hooks/` and only dispatch actions.

use std::rc::Rc;

use apic_core::Profile;
use yew::{AttrValue, Reducible};

use crate::data::ScenarioData;
use crate::marks::{marks, StepMarks};
use crate::url::{self, Parsed, UrlState, Value};

/// Loads a scenario by id (the built-ins in the app; hand-made data in tests).
pub type Loader = fn(&str) -> Result<ScenarioData, String>;

/// Playback speed of the play button.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Speed {
    /// One step every 2.4 s.
    Half,
    /// One step every 1.2 s.
    #[default]
    One,
    /// One step every 0.6 s.
    Two,
    /// One step every 0.3 s.
    Four,
}

impl Speed {
    /// Every speed, slowest first.
    pub const ALL: [Speed; 4] = [Speed::Half, Speed::One, Speed::Two, Speed::Four];

    /// Milliseconds between two steps.
    pub fn interval_ms(self) -> u32 {
        match self {
            Speed::Half => 2400,
            Speed::One => 1200,
            Speed::Two => 600,
            Speed::Four => 300,
        }
    }

    /// As shown in the speed control.
    pub fn label(self) -> &'static str {
        match self {
            Speed::Half => "0.5×",
            Speed::One => "1×",
            Speed::Two => "2×",
            Speed::Four => "4×",
        }
    }

    /// A stable token for the `<select>` value.
    pub fn token(self) -> &'static str {
        match self {
            Speed::Half => "0.5",
            Speed::One => "1",
            Speed::Two => "2",
            Speed::Four => "4",
        }
    }

    /// The speed for a token.
    pub fn from_token(token: &str) -> Option<Speed> {
        Speed::ALL.into_iter().find(|s| s.token() == token)
    }
}

/// Colour theme; `System` follows `prefers-color-scheme`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Theme {
    /// Follow the system.
    #[default]
    System,
    /// Light.
    Light,
    /// Dark.
    Dark,
}

impl Theme {
    /// The stored token.
    pub fn token(self) -> &'static str {
        match self {
            Theme::System => "system",
            Theme::Light => "light",
            Theme::Dark => "dark",
        }
    }

    /// The theme for a stored token.
    pub fn from_token(token: &str) -> Option<Theme> {
        [Theme::System, Theme::Light, Theme::Dark]
            .into_iter()
            .find(|t| t.token() == token)
    }

    /// Whether it is dark, given what the system prefers.
    pub fn is_dark(self, system_dark: bool) -> bool {
        match self {
            Theme::System => system_dark,
            Theme::Light => false,
            Theme::Dark => true,
        }
    }
}

/// Everything that changes what the screen shows.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// One step forward (no-op at the end).
    Next,
    /// One step back (no-op at the start).
    Prev,
    /// To the initial state.
    First,
    /// To the last state.
    Last,
    /// To state k (no-op when out of range).
    Goto(usize),
    /// Start or stop playing.
    TogglePlay,
    /// The play timer fired: one step, stopping at the end.
    Tick,
    /// Change the playback speed.
    SetSpeed(Speed),
    /// Show or hide a profile's pane (the last one shown stays).
    ToggleProfile(Profile),
    /// Choose a built-in scenario.
    SelectScenario(String),
    /// The location hash changed (a link was followed or edited).
    ApplyHash(String),
    /// Presenter mode on or off.
    TogglePresent,
    /// Help overlay on or off.
    ToggleHelp,
    /// Close the help overlay.
    CloseHelp,
    /// Switch between light and dark.
    ToggleTheme {
        /// Whether the system currently prefers dark.
        system_dark: bool,
    },
    /// Hide the alert messages.
    DismissAlerts,
    /// Say something in the status line (`None` clears it).
    Status(Option<AttrValue>),
}

/// What the screen shows.
#[derive(Clone, Debug)]
pub struct AppState {
    /// How scenarios are loaded.
    pub loader: Loader,
    /// The scenario a link without `s` shows.
    pub default_scenario: AttrValue,
    /// The current scenario and its runs.
    pub data: Rc<ScenarioData>,
    /// Timeline markers for the chosen profiles.
    pub marks: Rc<[StepMarks]>,
    /// The state shown (0 = initial).
    pub step: usize,
    /// The profiles shown, in `Profile::ALL` order; never empty.
    pub profiles: Vec<Profile>,
    /// Whether the play timer runs.
    pub playing: bool,
    /// Playback speed.
    pub speed: Speed,
    /// Compact embedded widget.
    pub embed: bool,
    /// Presenter mode.
    pub present: bool,
    /// Help overlay open.
    pub help: bool,
    /// Colour theme.
    pub theme: Theme,
    /// Problems with the link or a request, shown in `role="alert"`.
    pub alerts: Vec<AttrValue>,
    /// A short status message (`role="status"`).
    pub status: Option<AttrValue>,
}

impl AppState {
    /// The state a page load starts in: defaults, then whatever of `hash`
    /// is usable, with a message for the rest.
    pub fn new(hash: &str, theme: Theme, loader: Loader, default_scenario: &str) -> AppState {
        let mut alerts = Vec::new();
        let data = match loader(default_scenario) {
            Ok(data) => data,
            Err(e) => {
                alerts.push(AttrValue::from(format!(
                    "The default scenario cannot be shown: {e}."
                )));
                empty_data()
            }
        };
        let base = AppState {
            loader,
            default_scenario: AttrValue::from(default_scenario.to_owned()),
            data: Rc::new(data),
            marks: Rc::from(Vec::new()),
            step: 0,
            profiles: Profile::ALL.to_vec(),
            playing: false,
            speed: Speed::default(),
            embed: false,
            present: false,
            help: false,
            theme,
            alerts,
            status: None,
        };
        let mut alerts = base.alerts.clone();
        let mut state = base.apply_url(url::parse(hash));
        alerts.append(&mut state.alerts);
        state.alerts = alerts;
        state
    }

    /// The index of the last state.
    pub fn last(&self) -> usize {
        self.data.last()
    }

    /// The view the URL should name.
    pub fn url_state(&self) -> UrlState {
        UrlState {
            scenario: self.data.id.to_string(),
            profiles: self.profiles.clone(),
            step: self.step,
            embed: self.embed,
            present: self.present,
        }
    }

    /// Whether `profile`'s pane is shown.
    pub fn shows(&self, profile: Profile) -> bool {
        self.profiles.contains(&profile)
    }

    /// What a screen reader hears after a step.
    pub fn announcement(&self) -> String {
        let label = self
            .data
            .steps
            .get(self.step)
            .map(|s| s.label.to_string())
            .unwrap_or_default();
        let mut text = format!("Step {} of {}: {}.", self.step, self.last(), label);
        for p in &self.profiles {
            if let Some(view) = self.data.run(*p).and_then(|r| r.at(self.step)) {
                for w in &view.state.warnings {
                    text.push_str(&format!(" {} warns: {}.", p.title(), w));
                }
            }
        }
        text
    }

    /// Applies a parsed link on top of this state: a given value replaces
    /// the current one, a missing one resets to the default, an invalid one
    /// keeps the current one (and `parsed.errors` says why).
    fn apply_url(&self, parsed: Parsed) -> AppState {
        let mut next = self.clone();
        next.alerts = parsed.errors.into_iter().map(AttrValue::from).collect();
        next.playing = false;
        let wanted = match parsed.scenario {
            Value::Given(id) => Some(id),
            Value::Missing => Some(self.default_scenario.to_string()),
            Value::Invalid => None,
        };
        if let Some(id) = wanted {
            if id != next.data.id.as_str() {
                match (self.loader)(&id) {
                    Ok(data) => {
                        next.data = Rc::new(data);
                        next.step = 0;
                    }
                    Err(e) => next.alerts.push(AttrValue::from(format!(
                        "Cannot show the link's scenario: {e}; showing \"{}\" instead.",
                        next.data.id
                    ))),
                }
            }
        }
        match parsed.profiles {
            Value::Given(ps) => {
                next.profiles = Profile::ALL
                    .into_iter()
                    .filter(|p| ps.contains(p))
                    .collect()
            }
            Value::Missing => next.profiles = Profile::ALL.to_vec(),
            Value::Invalid => {}
        }
        let last = next.last();
        match parsed.step {
            Value::Given(k) if k <= last => next.step = k,
            Value::Given(k) => {
                next.step = next.step.min(last);
                next.alerts.push(AttrValue::from(format!(
                    "Step {k} does not exist in \"{}\" (its steps are 0 to {last}); showing step {}.",
                    next.data.id, next.step
                )));
            }
            Value::Missing => next.step = 0,
            Value::Invalid => next.step = next.step.min(last),
        }
        if let Some(embed) = flag(parsed.embed, self.embed) {
            next.embed = embed;
        }
        if let Some(present) = flag(parsed.present, self.present) {
            next.present = present;
        }
        next.refresh_marks();
        next
    }

    fn refresh_marks(&mut self) {
        self.marks = Rc::from(marks(&self.data, &self.profiles));
    }

    fn with_step(&self, step: usize) -> AppState {
        AppState {
            step,
            ..self.clone()
        }
    }
}

/// A flag's new value: given, default (off) when missing, current when invalid.
fn flag(value: Value<bool>, current: bool) -> Option<bool> {
    match value {
        Value::Given(v) => Some(v),
        Value::Missing => Some(false),
        Value::Invalid => Some(current),
    }
}

/// A scenario with nothing to show, for when even the default cannot load.
pub fn empty_data() -> ScenarioData {
    ScenarioData {
        id: AttrValue::Static("none"),
        title: AttrValue::Static("No scenario"),
        summary: AttrValue::Static("No scenario could be loaded."),
        steps: Rc::from(Vec::new()),
        runs: Vec::new(),
    }
}

impl Reducible for AppState {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let last = self.last();
        let next = match action {
            Action::Next if self.step < last => AppState {
                playing: false,
                ..self.with_step(self.step + 1)
            },
            Action::Prev if self.step > 0 => AppState {
                playing: false,
                ..self.with_step(self.step - 1)
            },
            Action::First if self.step != 0 || self.playing => AppState {
                playing: false,
                ..self.with_step(0)
            },
            Action::Last if self.step != last || self.playing => AppState {
                playing: false,
                ..self.with_step(last)
            },
            Action::Goto(k) if k <= last && (k != self.step || self.playing) => AppState {
                playing: false,
                ..self.with_step(k)
            },
            Action::TogglePlay if self.playing => AppState {
                playing: false,
                ..(*self).clone()
            },
            // Play at the end starts over, as a player does.
            Action::TogglePlay if last > 0 => AppState {
                playing: true,
                ..self.with_step(if self.step >= last { 0 } else { self.step })
            },
            Action::Tick if self.playing => {
                let step = (self.step + 1).min(last);
                AppState {
                    playing: step < last,
                    ..self.with_step(step)
                }
            }
            Action::SetSpeed(speed) if speed != self.speed => AppState {
                speed,
                ..(*self).clone()
            },
            Action::ToggleProfile(p) => {
                let mut next = (*self).clone();
                if self.shows(p) {
                    if self.profiles.len() > 1 {
                        next.profiles.retain(|q| *q != p);
                        next.status = Some(AttrValue::from(format!("{} hidden.", p.title())));
                    } else {
                        next.status =
                            Some(AttrValue::Static("At least one profile stays on screen."));
                    }
                } else {
                    next.profiles = Profile::ALL
                        .into_iter()
                        .filter(|q| *q == p || self.shows(*q))
                        .collect();
                    next.status = Some(AttrValue::from(format!("{} shown.", p.title())));
                }
                next.refresh_marks();
                next
            }
            Action::SelectScenario(id) if id != self.data.id.as_str() => {
                let mut next = (*self).clone();
                match (self.loader)(&id) {
                    Ok(data) => {
                        next.data = Rc::new(data);
                        next.step = 0;
                        next.playing = false;
                        next.refresh_marks();
                    }
                    Err(e) => next
                        .alerts
                        .push(AttrValue::from(format!("Cannot show that scenario: {e}."))),
                }
                next
            }
            Action::ApplyHash(hash) => {
                // Our own replaceState never fires hashchange, but a link to
                // the view already shown must not reset playback or alerts.
                if hash.trim_start_matches('#') == url::encode(&self.url_state()) {
                    return self;
                }
                self.apply_url(url::parse(&hash))
            }
            Action::TogglePresent => AppState {
                present: !self.present,
                ..(*self).clone()
            },
            Action::ToggleHelp => AppState {
                help: !self.help,
                ..(*self).clone()
            },
            Action::CloseHelp if self.help => AppState {
                help: false,
                ..(*self).clone()
            },
            Action::ToggleTheme { system_dark } => AppState {
                theme: if self.theme.is_dark(system_dark) {
                    Theme::Light
                } else {
                    Theme::Dark
                },
                ..(*self).clone()
            },
            Action::DismissAlerts if !self.alerts.is_empty() => AppState {
                alerts: Vec::new(),
                ..(*self).clone()
            },
            Action::Status(status) if status != self.status => AppState {
                status,
                ..(*self).clone()
            },
            // Everything else (a step past either end, closing what is
            // closed, ...) changes nothing, and returning `self` tells yew
            // not to render again.
            _ => return self,
        };
        Rc::new(next)
    }
}
