//! What a viewer shows of a scenario beside its traces: its texts (title,
//! summary, each step's narration) and its prediction checkpoints. The
//! page's first module, which holds no scenario's steps, reads this of
//! each built-in from the library (`library`); a program that has the
//! scenario works it out (`Meta::of`).

use crate::format::{Field, Op, Profile, Scenario};

/// The scenario's texts and checkpoints, apart from its steps and trace.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Meta {
    /// Id.
    pub id: String,
    /// Title.
    pub title: String,
    /// Summary.
    pub summary: String,
    /// `notes[i]` narrates step i+1 (state i+1).
    pub notes: Vec<Option<String>>,
    /// Its prediction checkpoints (`checkpoints`).
    pub checkpoints: Vec<Checkpoint>,
}

impl Meta {
    /// The texts and checkpoints of `scenario`.
    pub fn of(scenario: &Scenario) -> Meta {
        Meta {
            id: scenario.id.clone(),
            title: scenario.title.clone(),
            summary: scenario.summary.clone(),
            notes: scenario.steps.iter().map(|s| s.note.clone()).collect(),
            checkpoints: checkpoints(scenario),
        }
    }
}

/// A prediction checkpoint of a scenario.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checkpoint {
    /// The state it asks about (an expect step changes nothing, so the
    /// state after it is the state it checks).
    pub step: usize,
    /// The first state that hides its fields.
    pub from: usize,
    /// The fields to predict, in `Field` order.
    pub fields: Vec<Field>,
    /// The profiles it asks about, in `Profile::ALL` order.
    pub profiles: Vec<Profile>,
}

impl Checkpoint {
    /// Whether it asks about `profile`.
    pub fn applies_to(&self, profile: Profile) -> bool {
        self.profiles.contains(&profile)
    }

    /// Whether state `step` lies in the stretch it hides.
    pub fn covers(&self, step: usize) -> bool {
        (self.from..=self.step).contains(&step)
    }
}

/// The prediction checkpoints of a scenario, in step order. Consecutive
/// checkpoints (the four profiles of exercise 2, asked one by one) share
/// the stretch before the first of them, so one pane's answer is not shown
/// while another pane's question is open.
pub fn checkpoints(s: &Scenario) -> Vec<Checkpoint> {
    let mut out = Vec::new();
    // State index after which the current stretch starts.
    let mut boundary = 0;
    let mut previous_was_checkpoint = false;
    for (i, step) in s.steps.iter().enumerate() {
        let state = i + 1;
        match &step.op {
            Op::Expect(e) if e.predict.is_some() => {
                let fields = e.predict.clone().unwrap_or_default();
                let profiles = Profile::ALL
                    .into_iter()
                    .filter(|p| e.applies_to(*p))
                    .collect();
                out.push(Checkpoint {
                    step: state,
                    from: boundary + 1,
                    fields,
                    profiles,
                });
                previous_was_checkpoint = true;
            }
            Op::Note { .. } => {
                boundary = state;
                previous_was_checkpoint = false;
            }
            _ => {
                if previous_was_checkpoint {
                    boundary = state - 1;
                }
                previous_was_checkpoint = false;
            }
        }
    }
    out
}
