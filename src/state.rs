//! The app's one reducer (yew's `examples/function_todomvc` pattern): every
//! change of what the screen shows is an `Action`, and `reduce` is a pure
//! function of the old state and the action. Effects (URL, timer, keys,
//! theme) live in `hooks/` and only dispatch actions.

use std::rc::Rc;

use apic_core::format::{Field, FormatError, Kernel, Scenario};
use apic_core::Profile;
use yew::{AttrValue, Reducible};

use crate::data::ScenarioData;
use crate::edit::{self, StepEdit};
use crate::marks::{marks, StepMarks};
use crate::predict::{self, Guess, Outcome, Progress};
use crate::url::{self, Parsed, UrlState, Value};

/// Loads a scenario by id, run with a guest kernel's routines (the
/// built-ins in the app; hand-made data in tests).
pub type Loader = fn(&str, Kernel) -> Result<ScenarioData, String>;

/// Playback speed of the play button.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Speed {
    /// One step every 6 s.
    Half,
    /// One step every 3 s: time to read a three-line narration.
    #[default]
    One,
    /// One step every 1.5 s.
    Two,
    /// One step every 0.75 s.
    Four,
}

impl Speed {
    /// Every speed, slowest first.
    pub const ALL: [Speed; 4] = [Speed::Half, Speed::One, Speed::Two, Speed::Four];

    /// Milliseconds between two steps.
    pub fn interval_ms(self) -> u32 {
        match self {
            Speed::Half => 6000,
            Speed::One => 3000,
            Speed::Two => 1500,
            Speed::Four => 750,
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
    /// To the next step the timeline marks (profiles diverge, the guest
    /// warns, a checkpoint fails); no-op when none follows.
    NextMark,
    /// To the previous marked step; no-op when none comes before.
    PrevMark,
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
    /// Run the scenario's `linux` steps with another guest kernel's
    /// routines, keeping the step.
    SetGuest(Kernel),
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
    /// A link's `c` was read (the code it came from, and the outcome).
    LinkRead(
        AttrValue,
        Result<Rc<Scenario>, Rc<FormatError>>,
        Option<AttrValue>,
    ),
    /// A scenario from a file (or a restored draft) was read: it becomes
    /// the draft, and is shown.
    Opened(Rc<Scenario>, AttrValue),
    /// The stored draft was read back after a reload (scenario, its text).
    DraftRestored(Rc<Scenario>, AttrValue),
    /// "Edit a copy" of the scenario shown.
    Fork,
    /// Open the editor in a mode, or close it (`None`).
    Editor(Option<EditMode>),
    /// The text mode's content changed.
    EditText(AttrValue),
    /// The reader answered for the text of revision `rev`.
    TextRead(u64, Result<Rc<Scenario>, Rc<FormatError>>),
    /// A structured edit (forks the built-in shown first, for a what-if).
    Edit(StepEdit),
    /// A what-if from the timeline: a step of this op after (true) or
    /// before the current one.
    WhatIf(apic_core::format::OpName, bool),
    /// Delete the current step (what-if).
    DeleteCurrent,
    /// Undo the last edit of the draft.
    Undo,
    /// Redo what was undone.
    Redo,
    /// Throw the draft away (explicit).
    DiscardDraft,
    /// Show the draft again (after looking at a built-in).
    ShowDraft,
    /// Swap the draft with the one set aside by a link or a file.
    SwapAside,
    /// Throw away the draft set aside.
    DropAside,
    /// The `c` value of the draft's version `version`.
    Shared(u64, AttrValue),
    /// Something in the editor or a file went wrong (shown as an alert).
    Problem(AttrValue),
    /// A prediction of one field at the current checkpoint (for every
    /// pane when predictions go together).
    Predict(Profile, Field, Guess),
    /// One prediction for every pane (true), or one per pane.
    PredictTogether(bool),
    /// Check the predictions at the current checkpoint.
    Check,
    /// Show the answer of the checkpoint that hides the current step.
    Reveal,
    /// Hide the current checkpoint's answer again, for another try.
    Rehide,
    /// Forget every result of this scenario's checkpoints.
    ResetProgress,
    /// Stored results were read for a scenario (its id, the letters).
    ProgressRestored(AttrValue, AttrValue),
}

/// The editor's two views of the draft, kept in step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EditMode {
    /// The list of steps with their fields.
    Steps,
    /// The JSON text (format v1).
    Text,
}

/// A scenario of one's own: what the editor holds and the page shows.
#[derive(Clone, Debug, PartialEq)]
pub struct Draft {
    /// The text mode's content: every character typed, valid or not.
    pub text: AttrValue,
    /// The last valid scenario (what the panes show).
    pub scenario: Rc<Scenario>,
    /// Why `text` is not valid (the panes are then stale).
    pub error: Option<Rc<FormatError>>,
    /// Whether `text` waits for the reader.
    pub reading: bool,
    /// Bumps on every edit of the text; a late answer is dropped.
    pub rev: u64,
    /// Bumps whenever `scenario` changes.
    pub version: u64,
}

impl Draft {
    /// A draft of a valid scenario and its text.
    pub fn of(scenario: Rc<Scenario>, text: AttrValue) -> Draft {
        Draft {
            text,
            scenario,
            error: None,
            reading: false,
            rev: 0,
            version: 0,
        }
    }

    /// Whether the panes show an older version than the text.
    pub fn stale(&self) -> bool {
        self.error.is_some() || self.reading
    }
}

/// Most edits kept for undo.
const UNDO_DEPTH: usize = 200;

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
    /// The profiles shown, in `Profile::EVERY` order; never empty.
    pub profiles: Vec<Profile>,
    /// The guest kernel whose routines the scenario's `linux` steps run.
    pub guest: Kernel,
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
    /// The user's draft (kept until discarded, shown or not).
    pub draft: Option<Rc<Draft>>,
    /// Whether the page shows the draft (else a built-in).
    pub on_draft: bool,
    /// The editor's mode, `None` when closed.
    pub editor: Option<EditMode>,
    /// Drafts to go back to (most recent last), and to go forward to.
    pub undo: Rc<Vec<Rc<Draft>>>,
    /// See `undo`.
    pub redo: Rc<Vec<Rc<Draft>>>,
    /// The `c` value of the draft (its version, the value).
    pub share: Option<(u64, AttrValue)>,
    /// A link's `c` waiting for the reader, with the step the link asks for.
    pub link: Option<(AttrValue, Value<usize>)>,
    /// A draft a link or a file replaced, kept until the user decides.
    pub aside: Option<Rc<Draft>>,
    /// The reader's predictions and results at the scenario's checkpoints.
    pub progress: Rc<Progress>,
}

impl AppState {
    /// The state a page load starts in: defaults, then whatever of `hash`
    /// is usable, with a message for the rest.
    pub fn new(hash: &str, theme: Theme, loader: Loader, default_scenario: &str) -> AppState {
        let mut alerts = Vec::new();
        let data = match loader(default_scenario, Kernel::default()) {
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
            guest: Kernel::default(),
            playing: false,
            speed: Speed::default(),
            embed: false,
            present: false,
            help: false,
            theme,
            alerts,
            status: None,
            draft: None,
            on_draft: false,
            editor: None,
            undo: Rc::new(Vec::new()),
            redo: Rc::new(Vec::new()),
            share: None,
            link: None,
            aside: None,
            progress: Rc::new(Progress::default()),
        };
        let mut alerts = base.alerts.clone();
        let mut state = base.apply_url(url::parse(hash));
        alerts.append(&mut state.alerts);
        state.alerts = alerts;
        state.progress = Rc::new(Progress::new(&state.data));
        state
    }

    /// Whether the timeline marks step k: the profiles on screen diverge,
    /// a guest warns, or a checkpoint fails there.
    fn marked(&self, k: usize) -> bool {
        // Where an open checkpoint hides the answer, a divergence, a
        // warning or a failed check is no mark: `n` would give it away
        // (the timeline hides those markers there too,
        // `prediction::timeline_marks`).
        let hidden = !self.embed && self.progress.pending(k).is_some();
        self.marks
            .get(k)
            .is_some_and(|m| !hidden && (m.diverge || m.warning || m.expect == Some(false)))
    }

    /// The first marked step after the current one.
    fn marked_after(&self) -> Option<usize> {
        (self.step + 1..self.marks.len()).find(|k| self.marked(*k))
    }

    /// The last marked step before the current one.
    fn marked_before(&self) -> Option<usize> {
        (0..self.step).rev().find(|k| self.marked(*k))
    }

    /// The index of the last state.
    pub fn last(&self) -> usize {
        self.data.last()
    }

    /// The view the URL should name.
    pub fn url_state(&self) -> UrlState {
        let custom = match (&self.link, &self.share) {
            // A link still being read keeps its own `c` in the address bar.
            (Some((code, _)), _) => Some(code.to_string()),
            // Only the code of the version shown: an older one would name
            // another scenario.
            (None, Some((v, code))) if self.shown_draft().is_some_and(|d| d.version == *v) => {
                Some(code.to_string())
            }
            _ => None,
        };
        // ... and its own step.
        let step = match &self.link {
            Some((_, Value::Given(k))) => *k,
            _ => self.step,
        };
        UrlState {
            scenario: self.data.id.to_string(),
            profiles: self.profiles.clone(),
            step,
            guest: self.guest,
            embed: self.embed,
            present: self.present,
            custom,
        }
    }

    /// The scenario shown, when it is the draft.
    pub fn shown_draft(&self) -> Option<&Rc<Draft>> {
        self.draft.as_ref().filter(|_| self.on_draft)
    }

    /// Shows `scenario`'s traces, keeping the step when it still exists.
    fn show(&mut self, scenario: &Scenario) {
        self.data = Rc::new(trace(scenario, self.guest));
        self.step = self.step.min(self.last());
        self.playing = false;
        self.refresh_marks();
    }

    /// Makes `draft` the draft and shows it; a different draft it replaces
    /// is set aside, never dropped.
    fn adopt(&mut self, draft: Draft) {
        if let Some(old) = self.draft.take() {
            if old.scenario != draft.scenario || old.text != draft.text {
                self.status = Some(AttrValue::from(format!(
                    "Your earlier draft \"{}\" is kept aside: switch back to it or discard it in the editor.",
                    old.scenario.title
                )));
                self.aside = Some(old);
            }
        }
        let scenario = draft.scenario.clone();
        self.draft = Some(Rc::new(draft));
        self.on_draft = true;
        self.undo = Rc::new(Vec::new());
        self.redo = Rc::new(Vec::new());
        self.share = None;
        self.show(&scenario);
    }

    /// The draft after a change, with the one before it on the undo stack.
    fn commit(&mut self, next: Draft) {
        if let Some(old) = self.draft.take() {
            let mut undo = (*self.undo).clone();
            undo.push(old);
            if undo.len() > UNDO_DEPTH {
                undo.remove(0);
            }
            self.undo = Rc::new(undo);
            self.redo = Rc::new(Vec::new());
        }
        self.set_draft(next);
    }

    fn set_draft(&mut self, next: Draft) {
        let changed = self
            .draft
            .as_ref()
            .is_none_or(|d| d.scenario != next.scenario)
            || !self.on_draft;
        let scenario = next.scenario.clone();
        self.draft = Some(Rc::new(next));
        self.on_draft = true;
        if changed {
            self.show(&scenario);
        }
    }

    /// The draft to edit: the draft shown, else a fork of what is shown.
    fn editable(&mut self) -> Option<Draft> {
        if let Some(d) = self.shown_draft() {
            return Some((**d).clone());
        }
        let base = crate::library::scenario(self.data.id.as_str()).ok()?;
        let copy = edit::fork(&base);
        let text = AttrValue::from(apic_core::format::to_json(&copy));
        let step = self.step;
        self.adopt(Draft::of(Rc::new(copy), text));
        self.step = step.min(self.last());
        self.draft.as_ref().map(|d| (**d).clone())
    }

    /// Applies a structured edit to the draft (forking first if needed);
    /// returns whether it applied.
    fn edit(&mut self, e: &StepEdit) -> bool {
        let Some(mut d) = self.editable() else {
            return false;
        };
        let Some(next) = edit::apply(&d.scenario, e) else {
            return false;
        };
        d.text = AttrValue::from(apic_core::format::to_json(&next));
        d.scenario = Rc::new(next);
        d.error = None;
        d.reading = false;
        d.rev += 1;
        d.version += 1;
        self.commit(d);
        true
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
                if self.hidden(*p).contains(&Field::Warn) {
                    continue;
                }
                for w in &view.state.warnings {
                    text.push_str(&format!(" {} warns: {}.", p.title(), w));
                }
            }
        }
        if let Some(more) = self.checkpoint_text() {
            text.push(' ');
            text.push_str(&more);
        }
        text
    }

    /// The fields `profile`'s pane hides at the current step.
    pub fn hidden(&self, profile: Profile) -> Vec<Field> {
        if !PLAY || self.embed {
            // An embed illustrates a page: it shows every state.
            return Vec::new();
        }
        self.progress.hidden(self.step, profile)
    }

    /// What the checkpoint bar and a screen reader say about the current
    /// step's checkpoint, if it is in one's stretch or on one.
    pub fn checkpoint_text(&self) -> Option<String> {
        if !PLAY || self.embed {
            return None;
        }
        let pr = &self.progress;
        if let Some((i, c)) = pr.at(self.step) {
            let title = predict::name(&self.data, c);
            return Some(match pr.outcomes.get(i)? {
                Outcome::Open => format!(
                    "Checkpoint {} of {}, {title}: predict {}, then Check (c), or Reveal (r).",
                    i + 1,
                    pr.checkpoints.len(),
                    predict::field_list(&c.fields)
                ),
                Outcome::Checked { marks, .. } if !marks.is_empty() => {
                    predict::verdict(&title, marks)
                }
                Outcome::Checked { right, .. } => format!(
                    "{title}: predicted {} earlier.",
                    if *right { "right" } else { "wrong" }
                ),
                Outcome::Revealed => format!("{title}: revealed without a prediction."),
                Outcome::Skipped => format!("{title}: stepped past without a prediction."),
            });
        }
        let (_, c) = pr.pending(self.step)?;
        Some(format!(
            "{} hidden until {} (step {}).",
            predict::field_list(&c.fields),
            predict::name(&self.data, c),
            c.step
        ))
    }

    /// After a transition: a new scenario starts its own progress; a step
    /// forward past open checkpoints skips them and says so; playback
    /// stops on an open checkpoint.
    fn follow_progress(mut self, before: &AppState) -> AppState {
        if !PLAY {
            return self;
        }
        let same = self.data.id == before.progress.id
            && self.data.checkpoints == before.progress.checkpoints;
        if !same {
            self.progress = Rc::new(Progress::new(&self.data));
            return self;
        }
        if self.step > before.step && !self.embed {
            let mut progress = (*self.progress).clone();
            let skipped = progress.step_past(before.step, self.step);
            if !skipped.is_empty() {
                let names: Vec<String> = skipped
                    .iter()
                    .filter_map(|i| progress.checkpoints.get(*i))
                    .map(|c| predict::name(&self.data, c))
                    .collect();
                self.status = Some(AttrValue::from(format!(
                    "Stepped past {} without a prediction: it does not count as right, and its answer is shown.",
                    names.join(", ")
                )));
                self.progress = Rc::new(progress);
            }
        }
        if self.playing
            && self
                .progress
                .at(self.step)
                .is_some_and(|(i, _)| self.progress.outcomes.get(i) == Some(&Outcome::Open))
        {
            self.playing = false;
        }
        self
    }

    /// The prediction actions.
    fn reduce_progress(&self, action: Action) -> Option<AppState> {
        if !PLAY {
            return None;
        }
        let mut next = self.clone();
        let mut pr = (*self.progress).clone();
        match action {
            Action::Predict(profile, field, guess) => {
                let (i, _) = pr.at(self.step)?;
                if pr.outcomes.get(i) != Some(&Outcome::Open) {
                    return None;
                }
                pr.set_guess(i, profile, field, guess, &self.profiles);
            }
            Action::PredictTogether(on) if on != pr.together => pr.together = on,
            Action::Check => {
                let (i, c) = pr.at(self.step)?;
                if pr.outcomes.get(i) != Some(&Outcome::Open) {
                    return None;
                }
                let title = predict::name(&self.data, c);
                if pr.check(i, &self.data, &self.profiles).is_none() {
                    next.status = Some(AttrValue::from(format!(
                        "{title} asks about panes that are not shown: show them (keys 1 to 4) to predict."
                    )));
                }
            }
            Action::Reveal | Action::Rehide => {
                let reveal = matches!(action, Action::Reveal);
                // On a checkpoint, that one; in presenter mode, or in the
                // stretch before one, every checkpoint that hides this
                // step: one key for the whole room.
                let all: Vec<usize> = (0..pr.checkpoints.len())
                    .filter(|i| pr.checkpoints.get(*i).is_some_and(|c| c.covers(self.step)))
                    .collect();
                let which = match pr.at(self.step) {
                    Some((i, _)) if !self.present => vec![i],
                    _ => all,
                };
                let mut changed = false;
                for i in which {
                    changed |= if reveal { pr.reveal(i) } else { pr.rehide(i) };
                }
                if !changed {
                    return None;
                }
            }
            Action::ResetProgress => {
                pr.reset();
                next.status = Some(AttrValue::Static(
                    "Progress reset: every checkpoint is open again.",
                ));
            }
            Action::ProgressRestored(id, stored) if id == pr.id => {
                if !pr.restore(&stored) {
                    return None;
                }
            }
            _ => return None,
        }
        next.progress = Rc::new(pr);
        Some(next)
    }

    /// Applies a parsed link on top of this state: a given value replaces
    /// the current one, a missing one resets to the default, an invalid one
    /// keeps the current one (and `parsed.errors` says why).
    fn apply_url(&self, parsed: Parsed) -> AppState {
        let mut next = self.clone();
        next.alerts = parsed.errors.into_iter().map(AttrValue::from).collect();
        next.playing = false;
        if let Some(theme) = parsed.theme.given().and_then(Theme::from_token) {
            next.theme = theme;
        }
        next.guest = match parsed.guest {
            Value::Given(g) => g,
            Value::Missing => Kernel::default(),
            Value::Invalid => self.guest,
        };
        let new_guest = next.guest != self.guest;
        if let Value::Given(code) = &parsed.custom {
            let same = self.on_draft && self.share.as_ref().is_some_and(|(_, c)| c == code);
            if !same {
                next.link = Some((AttrValue::from(code.clone()), parsed.step.clone()));
            }
            if let Some(profiles) = parsed.profiles.clone().given() {
                next.profiles = Profile::EVERY
                    .into_iter()
                    .filter(|p| profiles.contains(p))
                    .collect();
            }
            if same && new_guest {
                if let Some(d) = self.draft.clone() {
                    next.show(&d.scenario);
                }
            }
            if let Value::Given(k) = parsed.step {
                if same {
                    next.step = k.min(next.last());
                }
            }
            if let Some(embed) = flag(parsed.embed, self.embed) {
                next.embed = embed;
            }
            if let Some(present) = flag(parsed.present, self.present) {
                next.present = present;
            }
            next.refresh_marks();
            return next;
        }
        next.link = None;
        if self.on_draft && !matches!(parsed.scenario, Value::Invalid) {
            // A link to a built-in: the draft stays, out of sight.
            next.on_draft = false;
            if let Some(id) = parsed.scenario.clone().given() {
                if id == next.data.id.as_str() {
                    if let Ok(data) = (self.loader)(&id, next.guest) {
                        next.data = Rc::new(data);
                    }
                }
            }
        }
        if new_guest && matches!(parsed.scenario, Value::Invalid) && !next.retrace() {
            next.guest = self.guest;
        }
        let wanted = match parsed.scenario {
            Value::Given(id) => Some(id),
            Value::Missing => Some(self.default_scenario.to_string()),
            Value::Invalid => None,
        };
        if let Some(id) = wanted {
            let same_id = id == next.data.id.as_str();
            if !same_id || (new_guest && !self.on_draft) {
                match (self.loader)(&id, next.guest) {
                    Ok(data) => {
                        next.data = Rc::new(data);
                        if !same_id {
                            next.step = 0;
                        }
                    }
                    Err(e) => {
                        next.alerts.push(AttrValue::from(format!(
                            "Cannot show the link's scenario: {e}; showing \"{}\" instead.",
                            next.data.id
                        )));
                        // What is shown is still the old guest's run.
                        next.guest = self.guest;
                    }
                }
            }
        }
        match parsed.profiles {
            Value::Given(ps) => {
                next.profiles = Profile::EVERY
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

    /// Runs what is shown again, with `self.guest`'s routines; when that
    /// cannot be (the viewer's library is missing), keeps what is shown,
    /// with an alert that says why, and returns false.
    fn retrace(&mut self) -> bool {
        if let Some(d) = self.shown_draft().cloned() {
            self.show(&d.scenario);
            return true;
        }
        match (self.loader)(self.data.id.as_str(), self.guest) {
            Ok(data) => {
                self.data = Rc::new(data);
                self.step = self.step.min(self.last());
                self.refresh_marks();
                true
            }
            Err(e) => {
                self.alerts
                    .push(AttrValue::from(format!("Cannot run it again: {e}.")));
                false
            }
        }
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

/// The picker's value for "your draft".
pub const DRAFT_ENTRY: &str = "(draft)";

/// A flag's new value: given, default (off) when missing, current when invalid.
fn flag(value: Value<bool>, current: bool) -> Option<bool> {
    match value {
        Value::Given(v) => Some(v),
        Value::Missing => Some(false),
        Value::Invalid => Some(current),
    }
}

/// A scenario's traces under every profile with `guest`'s routines, ready
/// to show.
#[cfg(feature = "play")]
pub fn trace(scenario: &Scenario, guest: Kernel) -> ScenarioData {
    let result = apic_core::engine::run_all_guest(scenario, &Profile::EVERY, guest);
    ScenarioData::from_trace(crate::data::Meta::of(scenario), result)
        .unwrap_or_else(|_| empty_data())
}

/// The viewer links no engine and shows no scenario of one's own: it
/// hands each to the full playground (`hooks::play_loader`), so this is
/// never asked for there.
#[cfg(not(feature = "play"))]
pub fn trace(_: &Scenario, _: Kernel) -> ScenarioData {
    empty_data()
}

/// A scenario with nothing to show, for when even the default cannot load.
pub fn empty_data() -> ScenarioData {
    ScenarioData {
        id: AttrValue::Static("none"),
        title: AttrValue::Static("No scenario"),
        summary: AttrValue::Static("No scenario could be loaded."),
        steps: Rc::from(Vec::new()),
        runs: Vec::new(),
        checkpoints: Rc::from(Vec::new()),
    }
}

/// Play's actions, the prediction checkpoints' among them, change nothing
/// in the viewer, which holds no Play (src/handoff.rs): their arms, and
/// all they call, drop out of its build.
const PLAY: bool = crate::PLAY;

impl Reducible for AppState {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let progress_action = matches!(
            action,
            Action::Predict(..)
                | Action::PredictTogether(_)
                | Action::Check
                | Action::Reveal
                | Action::Rehide
                | Action::ResetProgress
                | Action::ProgressRestored(..)
        );
        if progress_action {
            return match self.reduce_progress(action) {
                Some(next) => Rc::new(next),
                None => self,
            };
        }
        let before = self.clone();
        let next = self.transition(action);
        if Rc::ptr_eq(&before, &next) {
            return next;
        }
        let next = Rc::try_unwrap(next).unwrap_or_else(|rc| (*rc).clone());
        Rc::new(next.follow_progress(&before))
    }
}

impl AppState {
    /// Every action but the prediction ones.
    fn transition(self: Rc<Self>, action: Action) -> Rc<Self> {
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
            Action::NextMark => match self.marked_after() {
                Some(k) => AppState {
                    playing: false,
                    ..self.with_step(k)
                },
                None => return self,
            },
            Action::PrevMark => match self.marked_before() {
                Some(k) => AppState {
                    playing: false,
                    ..self.with_step(k)
                },
                None => return self,
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
                    next.profiles = Profile::EVERY
                        .into_iter()
                        .filter(|q| *q == p || self.shows(*q))
                        .collect();
                    next.status = Some(AttrValue::from(format!("{} shown.", p.title())));
                }
                next.refresh_marks();
                next
            }
            Action::SetGuest(guest) if guest != self.guest => {
                let mut next = (*self).clone();
                next.guest = guest;
                if next.retrace() {
                    next.status = Some(AttrValue::from(format!("Guest: {}.", guest.title())));
                } else {
                    // What is shown is still the old guest's run.
                    next.guest = self.guest;
                }
                next
            }
            Action::SelectScenario(id) if id == DRAFT_ENTRY => {
                return self.reduce(Action::ShowDraft);
            }
            Action::SelectScenario(id) if id != self.data.id.as_str() || self.on_draft => {
                let mut next = (*self).clone();
                next.on_draft = false;
                next.editor = None;
                match (self.loader)(&id, self.guest) {
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
            Action::LinkRead(code, result, text) if PLAY => {
                let mut next = (*self).clone();
                let Some((wanted, step)) = self.link.clone().filter(|(c, _)| *c == code) else {
                    return self;
                };
                next.link = None;
                match result {
                    Ok(scenario) => {
                        let text =
                            text.unwrap_or_else(|| apic_core::format::to_json(&scenario).into());
                        let same = self.draft.as_ref().is_some_and(|d| d.scenario == scenario);
                        if same {
                            next.on_draft = true;
                            next.show(&scenario);
                        } else {
                            next.adopt(Draft::of(scenario, text));
                        }
                        next.share = next.draft.as_ref().map(|d| (d.version, wanted));
                        let last = next.last();
                        match step {
                            Value::Given(k) if k <= last => next.step = k,
                            Value::Given(k) => next.alerts.push(AttrValue::from(format!(
                                "Step {k} does not exist in the link's scenario (its steps are 0 to {last}); showing step 0."
                            ))),
                            _ => next.step = 0,
                        }
                    }
                    Err(e) => next.alerts.push(AttrValue::from(format!(
                        "The link's scenario (c) could not be read: {}; showing \"{}\" instead.",
                        e.message, next.data.id
                    ))),
                }
                next
            }
            Action::Opened(scenario, text) if PLAY => {
                let mut next = (*self).clone();
                next.adopt(Draft::of(scenario, text));
                next.step = 0;
                next
            }
            Action::DraftRestored(scenario, text) if PLAY => {
                let mut next = (*self).clone();
                match &self.draft {
                    None => {
                        next.draft = Some(Rc::new(Draft::of(scenario, text)));
                        if next.link.is_none() {
                            next.status = Some(AttrValue::from(format!(
                                "Your draft \"{}\" is kept: pick it in the scenario list.",
                                next.draft
                                    .as_ref()
                                    .map(|d| d.scenario.title.clone())
                                    .unwrap_or_default()
                            )));
                        }
                    }
                    Some(d) if d.scenario == scenario => {
                        // The link shows the draft: restore the text typed after it.
                        let mut d = (**d).clone();
                        if d.text != text {
                            d.text = text;
                            d.reading = true;
                            d.rev += 1;
                        }
                        next.draft = Some(Rc::new(d));
                    }
                    Some(_) => next.aside = Some(Rc::new(Draft::of(scenario, text))),
                }
                next
            }
            Action::Fork if PLAY => {
                let mut next = (*self).clone();
                let scenario = match self.shown_draft() {
                    Some(d) => (*d.scenario).clone(),
                    None => match crate::library::scenario(self.data.id.as_str()) {
                        Ok(s) => s,
                        Err(_) => return self,
                    },
                };
                let copy = edit::fork(&scenario);
                let text = AttrValue::from(apic_core::format::to_json(&copy));
                let step = self.step;
                next.adopt(Draft::of(Rc::new(copy), text));
                next.step = step.min(next.last());
                next.editor = Some(self.editor.unwrap_or(EditMode::Steps));
                next
            }
            Action::Editor(mode) if PLAY && mode != self.editor => {
                let mut next = (*self).clone();
                if mode.is_some() && !self.on_draft {
                    if self.draft.is_some() {
                        next.on_draft = true;
                        if let Some(d) = &self.draft {
                            next.show(&d.scenario.clone());
                        }
                    } else if next.editable().is_none() {
                        return self;
                    }
                }
                next.editor = mode;
                next
            }
            Action::EditText(text) if PLAY => {
                let Some(d) = self.shown_draft() else {
                    return self;
                };
                if d.text == text {
                    return self;
                }
                let mut d = (**d).clone();
                d.text = text;
                d.reading = true;
                d.rev += 1;
                let mut next = (*self).clone();
                next.commit(d);
                next
            }
            Action::TextRead(rev, result) if PLAY => {
                let Some(d) = self.draft.as_ref().filter(|d| d.rev == rev) else {
                    return self;
                };
                let mut d = (**d).clone();
                d.reading = false;
                match result {
                    Ok(scenario) => {
                        d.error = None;
                        if scenario != d.scenario {
                            d.scenario = scenario;
                            d.version += 1;
                        }
                    }
                    Err(e) => d.error = Some(e),
                }
                let mut next = (*self).clone();
                if self.on_draft {
                    next.set_draft(d);
                } else {
                    next.draft = Some(Rc::new(d));
                }
                next
            }
            Action::Edit(e) if PLAY => {
                let mut next = (*self).clone();
                if !next.edit(&e) {
                    return self;
                }
                next
            }
            Action::WhatIf(op, after) if PLAY => {
                let mut next = (*self).clone();
                let k = self.step;
                let at = if after { k } else { k.saturating_sub(1) };
                let step =
                    apic_core::format::Step::new(edit::op_for(op, &apic_core::format::Op::Nmi));
                if !next.edit(&StepEdit::Insert(at, step)) {
                    return self;
                }
                next.step = (at + 1).min(next.last());
                next.status = Some(AttrValue::from(format!(
                    "Inserted {} as step {}.",
                    op.name(),
                    at + 1
                )));
                next
            }
            Action::DeleteCurrent if PLAY && self.step > 0 => {
                let mut next = (*self).clone();
                if !next.edit(&StepEdit::Delete(self.step - 1)) {
                    return self;
                }
                next.step = (self.step - 1).min(next.last());
                next
            }
            Action::Undo | Action::Redo if PLAY && self.on_draft => {
                let undo = matches!(action, Action::Undo);
                let (from, to) = if undo {
                    (&self.undo, &self.redo)
                } else {
                    (&self.redo, &self.undo)
                };
                let mut from = (**from).clone();
                let Some(prev) = from.pop() else {
                    return self;
                };
                let mut to = (**to).clone();
                let mut next = (*self).clone();
                if let Some(cur) = self.draft.clone() {
                    to.push(cur);
                }
                let mut prev = (*prev).clone();
                // Keep counting up, so that an answer for an older text is dropped.
                prev.rev = self.draft.as_ref().map_or(0, |d| d.rev + 1);
                prev.version = self.draft.as_ref().map_or(0, |d| d.version + 1);
                prev.reading = false;
                if undo {
                    next.undo = Rc::new(from);
                    next.redo = Rc::new(to);
                } else {
                    next.redo = Rc::new(from);
                    next.undo = Rc::new(to);
                }
                let scenario = prev.scenario.clone();
                next.draft = Some(Rc::new(prev));
                next.show(&scenario);
                next.status = Some(AttrValue::Static(if undo { "Undone." } else { "Redone." }));
                next
            }
            Action::DiscardDraft if PLAY && self.draft.is_some() => {
                let mut next = (*self).clone();
                next.draft = None;
                next.undo = Rc::new(Vec::new());
                next.redo = Rc::new(Vec::new());
                next.share = None;
                next.editor = None;
                if self.on_draft {
                    next.on_draft = false;
                    if let Ok(data) = (self.loader)(&self.default_scenario, self.guest) {
                        next.data = Rc::new(data);
                        next.step = 0;
                        next.refresh_marks();
                    }
                }
                next.status = Some(AttrValue::Static("Draft discarded."));
                next
            }
            Action::ShowDraft if PLAY && !self.on_draft => {
                let Some(d) = self.draft.clone() else {
                    return self;
                };
                let mut next = (*self).clone();
                next.on_draft = true;
                next.step = 0;
                next.show(&d.scenario);
                next
            }
            Action::SwapAside if PLAY => {
                let Some(aside) = self.aside.clone() else {
                    return self;
                };
                let mut next = (*self).clone();
                next.aside = self.draft.clone();
                let scenario = aside.scenario.clone();
                next.draft = Some(aside);
                next.on_draft = true;
                next.undo = Rc::new(Vec::new());
                next.redo = Rc::new(Vec::new());
                next.share = None;
                next.step = 0;
                next.show(&scenario);
                next
            }
            Action::DropAside if PLAY && self.aside.is_some() => AppState {
                aside: None,
                status: Some(AttrValue::Static("The draft set aside is discarded.")),
                ..(*self).clone()
            },
            Action::Shared(version, code) if PLAY => {
                if self.draft.as_ref().is_none_or(|d| d.version != version) {
                    return self;
                }
                AppState {
                    share: Some((version, code)),
                    ..(*self).clone()
                }
            }
            Action::Problem(message) => {
                let mut next = (*self).clone();
                next.alerts.push(message);
                next
            }
            // Everything else (a step past either end, closing what is
            // closed, Play's actions in the viewer, ...) changes nothing, and returning `self` tells yew
            // not to render again.
            _ => return self,
        };
        Rc::new(next)
    }
}
