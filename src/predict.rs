//! Prediction checkpoints: "predict before you look" in the page. An
//! `expect` step with `predict` (README, format v1) asks the reader to
//! predict those fields of the state at that step, for the profiles the
//! checkpoint names. From the step after the previous checkpoint or `note`
//! step (where a question is asked) up to the checkpoint, the panes hide
//! those fields, until the prediction is checked, the answer is revealed,
//! or the reader steps past it. A prediction is right when it equals the
//! state the model computed (`apic_core::compare::value`, the definition
//! `apic-trace check` uses). Plain data and functions, tested natively
//! (tests/predict.rs); the reducer (state.rs) holds one `Progress`.

use std::rc::Rc;

use apic_core::compare;
use apic_core::format::{Field, FieldValue, Kind};
use apic_core::{CpuRun, Profile};
use yew::AttrValue;

pub use apic_core::view::{checkpoints, Checkpoint};

use crate::bits::Bits256;
use crate::data::ScenarioData;

/// A prediction of one field, as the reader enters it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Guess {
    /// The vectors of IRR, ISR or TMR predicted set.
    Vectors(Bits256),
    /// A register value as typed: hex with `0x`, or decimal.
    Number(AttrValue),
    /// IF, APIC enabled, warned: `None` until chosen.
    Bool(Option<bool>),
    /// The CPU's state: `None` until chosen.
    Cpu(Option<CpuRun>),
}

impl Guess {
    /// The guess before the reader enters anything: no vector set (itself a
    /// prediction), every other field unanswered.
    pub fn blank(field: Field) -> Guess {
        match field.kind() {
            Kind::Vectors => Guess::Vectors(Bits256::EMPTY),
            Kind::U8 | Kind::U32 => Guess::Number(AttrValue::Static("")),
            Kind::Bool => Guess::Bool(None),
            Kind::Cpu => Guess::Cpu(None),
        }
    }

    /// The value it predicts, or why it predicts none.
    pub fn value(&self, field: Field) -> Result<FieldValue, String> {
        match self {
            Guess::Vectors(bits) => Ok(FieldValue::Vectors(bits.vectors().collect())),
            Guess::Number(text) => {
                let max = if field.kind() == Kind::U8 {
                    0xff
                } else {
                    u32::MAX
                };
                parse_number(text)
                    .filter(|n| *n <= max)
                    .map(FieldValue::Number)
                    .ok_or_else(|| {
                        if text.trim().is_empty() {
                            "no prediction".to_owned()
                        } else {
                            format!("\"{text}\" is not a value of {field} (0x0 to {max:#x})")
                        }
                    })
            }
            Guess::Bool(b) => b
                .map(FieldValue::Bool)
                .ok_or_else(|| "no prediction".into()),
            Guess::Cpu(c) => c.map(FieldValue::Cpu).ok_or_else(|| "no prediction".into()),
        }
    }
}

/// A number as typed: `0x` and hex digits, or decimal digits.
pub fn parse_number(text: &str) -> Option<u32> {
    let t = text.trim();
    match t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        Some(hex) => u32::from_str_radix(hex, 16).ok(),
        None => t.parse().ok(),
    }
}

/// One field of one profile, checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mark {
    /// The profile.
    pub profile: Profile,
    /// The field.
    pub field: Field,
    /// What was predicted, as the trace shows values (or why nothing).
    pub said: String,
    /// The real value, as the trace shows it.
    pub real: String,
    /// Whether they are equal.
    pub right: bool,
}

/// Where a checkpoint stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Not answered yet: its fields are hidden.
    Open,
    /// Predicted and checked (marks are known in this visit only; a
    /// stored result has none).
    Checked {
        /// Whether every field was right.
        right: bool,
        /// Field by field.
        marks: Rc<[Mark]>,
    },
    /// Shown without a prediction.
    Revealed,
    /// Stepped past without a prediction.
    Skipped,
}

impl Outcome {
    /// Whether its answer is shown.
    pub fn shown(&self) -> bool {
        !matches!(self, Outcome::Open)
    }

    /// Its letter in the stored progress.
    fn letter(&self) -> char {
        match self {
            Outcome::Open => '-',
            Outcome::Checked { right: true, .. } => 'r',
            Outcome::Checked { right: false, .. } => 'w',
            Outcome::Revealed => 'v',
            Outcome::Skipped => 's',
        }
    }

    fn from_letter(c: char) -> Option<Outcome> {
        let checked = |right| Outcome::Checked {
            right,
            marks: Rc::from(Vec::new()),
        };
        Some(match c {
            '-' => Outcome::Open,
            'r' => checked(true),
            'w' => checked(false),
            'v' => Outcome::Revealed,
            's' => Outcome::Skipped,
            _ => return None,
        })
    }
}

/// The reader's progress through one scenario's checkpoints.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Progress {
    /// The scenario it belongs to.
    pub id: AttrValue,
    /// The checkpoints.
    pub checkpoints: Rc<[Checkpoint]>,
    /// `outcomes[i]` is checkpoint i's.
    pub outcomes: Vec<Outcome>,
    /// `guesses[i]`: checkpoint i's predictions so far, by profile and field.
    pub guesses: Vec<Vec<(Profile, Field, Guess)>>,
    /// One prediction for every profile at once (else one per pane).
    pub together: bool,
}

/// How many checkpoints were right, out of how many, and how many were
/// answered in another way.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Score {
    /// Checked and right.
    pub right: usize,
    /// Checked and wrong.
    pub wrong: usize,
    /// Revealed or skipped.
    pub unpredicted: usize,
    /// Every checkpoint.
    pub total: usize,
}

impl Progress {
    /// A fresh start on `data`'s checkpoints.
    pub fn new(data: &ScenarioData) -> Progress {
        let n = data.checkpoints.len();
        Progress {
            id: data.id.clone(),
            checkpoints: data.checkpoints.clone(),
            outcomes: vec![Outcome::Open; n],
            guesses: vec![Vec::new(); n],
            together: true,
        }
    }

    /// The checkpoint at state `step`, with its index.
    pub fn at(&self, step: usize) -> Option<(usize, &Checkpoint)> {
        self.checkpoints
            .iter()
            .enumerate()
            .find(|(_, c)| c.step == step)
    }

    /// The fields `profile`'s pane hides at state `step`: those of every
    /// open checkpoint whose stretch covers it.
    pub fn hidden(&self, step: usize, profile: Profile) -> Vec<Field> {
        let open: Vec<&Checkpoint> = self
            .checkpoints
            .iter()
            .zip(&self.outcomes)
            .filter(|(c, o)| **o == Outcome::Open && c.covers(step) && c.applies_to(profile))
            .map(|(c, _)| c)
            .collect();
        // In `Field` order, without a sort (code the page downloads).
        Field::all()
            .iter()
            .copied()
            .filter(|f| open.iter().any(|c| c.fields.contains(f)))
            .collect()
    }

    /// The open checkpoint whose stretch covers `step` (the first).
    pub fn pending(&self, step: usize) -> Option<(usize, &Checkpoint)> {
        self.checkpoints
            .iter()
            .enumerate()
            .find(|(i, c)| c.covers(step) && self.outcomes.get(*i) == Some(&Outcome::Open))
    }

    /// Checkpoint i's guess of `field` for `profile` (blank when none).
    pub fn guess(&self, i: usize, profile: Profile, field: Field) -> Guess {
        self.guesses
            .get(i)
            .and_then(|g| g.iter().find(|(p, f, _)| *p == profile && *f == field))
            .map_or_else(|| Guess::blank(field), |(_, _, g)| g.clone())
    }

    /// Sets a guess at checkpoint i, for `profile` or, together, for every
    /// profile it asks about that is in `shown`.
    pub fn set_guess(
        &mut self,
        i: usize,
        profile: Profile,
        field: Field,
        guess: Guess,
        shown: &[Profile],
    ) {
        let Some(c) = self.checkpoints.get(i) else {
            return;
        };
        if !c.fields.contains(&field) || !c.applies_to(profile) {
            return;
        }
        let targets: Vec<Profile> = if self.together {
            c.profiles
                .iter()
                .copied()
                .filter(|p| shown.contains(p))
                .collect()
        } else {
            vec![profile]
        };
        let Some(list) = self.guesses.get_mut(i) else {
            return;
        };
        for p in targets {
            list.retain(|(q, f, _)| !(*q == p && *f == field));
            list.push((p, field, guess.clone()));
        }
    }

    /// Checks checkpoint i's predictions for the profiles in `shown`
    /// against `data`; `None` when it asks about none of them.
    pub fn check(&mut self, i: usize, data: &ScenarioData, shown: &[Profile]) -> Option<bool> {
        let c = self.checkpoints.get(i)?.clone();
        let mut marks = Vec::new();
        for p in c.profiles.iter().filter(|p| shown.contains(p)) {
            let Some(run) = data.run(*p) else { continue };
            let Some(view) = run.at(c.step) else { continue };
            let warned = run.warned.get(c.step).copied().unwrap_or(false);
            for f in &c.fields {
                let real = compare::value(*f, &view.state, warned);
                let (said, right) = match self.guess(i, *p, *f).value(*f) {
                    Ok(v) => (v.show(*f), v == real),
                    Err(why) => (why, false),
                };
                marks.push(Mark {
                    profile: *p,
                    field: *f,
                    said,
                    real: real.show(*f),
                    right,
                });
            }
        }
        if marks.is_empty() {
            return None;
        }
        let right = marks.iter().all(|m| m.right);
        if let Some(o) = self.outcomes.get_mut(i) {
            *o = Outcome::Checked {
                right,
                marks: Rc::from(marks),
            };
        }
        Some(right)
    }

    /// Shows checkpoint i's answer without a prediction (no-op unless open).
    pub fn reveal(&mut self, i: usize) -> bool {
        match self.outcomes.get_mut(i) {
            Some(o) if *o == Outcome::Open => {
                *o = Outcome::Revealed;
                true
            }
            _ => false,
        }
    }

    /// Hides checkpoint i's answer again, for another try (its result is
    /// forgotten; its guesses are kept).
    pub fn rehide(&mut self, i: usize) -> bool {
        match self.outcomes.get_mut(i) {
            Some(o) if *o != Outcome::Open => {
                *o = Outcome::Open;
                true
            }
            _ => false,
        }
    }

    /// Marks skipped every open checkpoint at a state from `from` up to,
    /// not including, `to` (the reader stepped from `from` to `to`);
    /// returns the indices skipped.
    pub fn step_past(&mut self, from: usize, to: usize) -> Vec<usize> {
        let mut skipped = Vec::new();
        for (i, (c, o)) in self.checkpoints.iter().zip(&mut self.outcomes).enumerate() {
            if *o == Outcome::Open && from <= c.step && c.step < to {
                *o = Outcome::Skipped;
                skipped.push(i);
            }
        }
        skipped
    }

    /// The score so far.
    pub fn score(&self) -> Score {
        let mut s = Score {
            right: 0,
            wrong: 0,
            unpredicted: 0,
            total: self.outcomes.len(),
        };
        for o in &self.outcomes {
            match o {
                Outcome::Checked { right: true, .. } => s.right += 1,
                Outcome::Checked { right: false, .. } => s.wrong += 1,
                Outcome::Revealed | Outcome::Skipped => s.unpredicted += 1,
                Outcome::Open => {}
            }
        }
        s
    }

    /// The outcomes as stored in the browser: one letter per checkpoint.
    pub fn stored(&self) -> String {
        self.outcomes.iter().map(Outcome::letter).collect()
    }

    /// Takes back stored outcomes; ignored (false) when they do not fit
    /// these checkpoints (the scenario changed since).
    pub fn restore(&mut self, stored: &str) -> bool {
        let outcomes: Option<Vec<Outcome>> = stored.chars().map(Outcome::from_letter).collect();
        match outcomes {
            Some(o) if o.len() == self.checkpoints.len() => {
                self.outcomes = o;
                true
            }
            _ => false,
        }
    }

    /// Every checkpoint open again, every guess forgotten.
    pub fn reset(&mut self) {
        self.outcomes = vec![Outcome::Open; self.checkpoints.len()];
        self.guesses = vec![Vec::new(); self.checkpoints.len()];
    }
}

/// A checkpoint's name for messages: its step's label.
pub fn name(data: &ScenarioData, c: &Checkpoint) -> String {
    data.steps
        .get(c.step)
        .map(|s| s.label.to_string())
        .filter(|l| !l.is_empty())
        .unwrap_or_else(|| format!("the checkpoint at step {}", c.step))
}

/// Fields as the screen names them: `IRR, ISR, PPR`.
pub fn field_list(fields: &[Field]) -> String {
    fields
        .iter()
        .map(|f| crate::data::label(*f))
        .collect::<Vec<_>>()
        .join(", ")
}

/// What a check says, for the checkpoint bar and a screen reader. When
/// every profile got the same marks (one prediction, one answer), each
/// field is named once.
pub fn verdict(title: &str, marks: &[Mark]) -> String {
    let first = marks.first().map(|m| m.profile);
    let one: Vec<&Mark> = marks.iter().filter(|m| Some(m.profile) == first).collect();
    let key = |m: &Mark| (m.field, m.said.clone(), m.real.clone(), m.right);
    let same = marks.len().is_multiple_of(one.len().max(1))
        && marks
            .chunks(one.len().max(1))
            .all(|c| c.iter().map(key).eq(one.iter().map(|m| key(m))));
    let list: Vec<&Mark> = if same { one } else { marks.iter().collect() };
    let right = list.iter().filter(|m| m.right).count();
    let mut text = if right == list.len() {
        format!("{title}: right, all {right} fields.")
    } else {
        format!("{title}: {right} of {} fields right.", list.len())
    };
    for m in list {
        let who = if same {
            String::new()
        } else {
            format!("{} ", m.profile.title())
        };
        let field = crate::data::label(m.field);
        if m.right {
            text.push_str(&format!(" {who}{field} right: {}.", m.real));
        } else {
            text.push_str(&format!(
                " {who}{field} wrong: you said {}, it is {}.",
                m.said, m.real
            ));
        }
    }
    text
}
