//! Prediction checkpoints (`apic_playground::predict`) and their actions
//! in the reducer: which steps hide which fields, how a prediction is
//! checked, skipped, revealed, stored and scored. The right answers of
//! exercise 1 come from its solution file, completed by hand from the
//! SDM's rules (docs/src/exercises/exercise-tpr.solution.json, SDM Vol. 3A
//! 10.8.3.1 and 10.8.5), never from the model's output. Runs natively
//! (`cargo test`) and in the browser.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::rc::Rc;

use apic_core::format::{parse, Field, FieldValue, Op};
use apic_core::Profile;
use apic_playground::bits::Bits256;
use apic_playground::data::load_builtin;
use apic_playground::keys::action_for;
use apic_playground::predict::{checkpoints, parse_number, Guess, Outcome, Progress};
use apic_playground::state::{Action, AppState, Theme};
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::*;
use yew::{AttrValue, Reducible};

#[cfg(target_arch = "wasm32")]
wasm_bindgen_test_configure!(run_in_browser);

const SOLUTION: &str = include_str!("../docs/src/exercises/exercise-tpr.solution.json");

/// The solution's answers: for each checkpoint step (state index), the
/// fields the exercise asks to predict and their values.
fn answers() -> Vec<(usize, Vec<(Field, FieldValue)>)> {
    let s = parse(SOLUTION).unwrap();
    s.steps
        .iter()
        .enumerate()
        .filter_map(|(i, step)| match &step.op {
            Op::Expect(e) => {
                let asked = e.predict.clone()?;
                let checks = e
                    .checks
                    .iter()
                    .filter(|(f, _)| asked.contains(f))
                    .cloned()
                    .collect();
                Some((i + 1, checks))
            }
            _ => None,
        })
        .collect()
}

fn guess(value: &FieldValue) -> Guess {
    match value {
        FieldValue::Vectors(v) => Guess::Vectors(Bits256::from_vectors(v)),
        FieldValue::Number(n) => Guess::Number(AttrValue::from(format!("{n:#x}"))),
        FieldValue::Bool(b) => Guess::Bool(Some(*b)),
        FieldValue::Cpu(c) => Guess::Cpu(Some(*c)),
    }
}

fn start(hash: &str) -> Rc<AppState> {
    Rc::new(AppState::new(
        hash,
        Theme::System,
        load_builtin,
        "exercise-tpr",
    ))
}

fn apply(state: &Rc<AppState>, action: Action) -> Rc<AppState> {
    state.clone().reduce(action)
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn each_checkpoint_hides_the_steps_since_the_last_one() {
    let s = parse(
        r#"{"id":"t","title":"t","summary":"","steps":[
        {"do":"sti"},
        {"do":"self_ipi","vector":"0x20"},
        {"do":"expect","if":true,"predict":["irr"]},
        {"do":"eoi"},
        {"do":"expect","if":true,"profiles":["hardware"],"predict":["isr","ppr"]},
        {"do":"expect","if":true,"profiles":["kvm-apicv"],"predict":["isr"]},
        {"do":"note","text":"a question"},
        {"do":"eoi"},
        {"do":"expect","if":true,"predict":["irr"]},
        {"do":"expect","if":true,"irr":[]}
    ]}"#,
    )
    .unwrap();
    let c = checkpoints(&s);
    let spans: Vec<(usize, usize)> = c.iter().map(|c| (c.from, c.step)).collect();
    // States 1..=3 lead to the first; 4..=5 to the next two, asked one
    // after the other; a note asks a question, so only state 8 leads to
    // the last. An expect without `predict` is no prediction checkpoint.
    assert_eq!(spans, vec![(1, 3), (4, 5), (4, 6), (8, 9)]);
    assert_eq!(c[1].fields, vec![Field::Isr, Field::Ppr]);
    assert_eq!(c[1].profiles, vec![Profile::Hardware]);
    assert_eq!(c[0].profiles, Profile::ALL.to_vec());
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn exercise_one_asks_irr_isr_ppr_at_its_five_checkpoints() {
    let data = load_builtin("exercise-tpr", Default::default()).unwrap();
    let steps: Vec<usize> = data.checkpoints.iter().map(|c| c.step).collect();
    let wanted: Vec<usize> = answers().iter().map(|(k, _)| *k).collect();
    assert_eq!(steps, wanted);
    assert_eq!(steps, vec![6, 8, 10, 12, 14]);
    let p = Progress::new(&data);
    // Before the first checkpoint its fields are hidden; TPR, a given, is not.
    assert_eq!(
        p.hidden(3, Profile::Hardware),
        vec![Field::Irr, Field::Isr, Field::Ppr]
    );
    assert_eq!(p.hidden(0, Profile::Hardware), Vec::<Field>::new());
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn right_predictions_from_the_solution_score_five_of_five() {
    let mut s = start("#s=exercise-tpr&p=hardware");
    for (k, checks) in answers() {
        s = apply(&s, Action::Goto(k));
        assert_eq!(s.step, k);
        assert!(
            !s.hidden(Profile::Hardware).is_empty(),
            "step {k} hides its fields"
        );
        for (f, v) in &checks {
            s = apply(&s, Action::Predict(Profile::Hardware, *f, guess(v)));
        }
        s = apply(&s, Action::Check);
        let (i, _) = s.progress.at(k).unwrap();
        let Outcome::Checked { right, marks } = &s.progress.outcomes[i] else {
            panic!("step {k} is checked")
        };
        assert!(right, "step {k}: {marks:?}");
        assert_eq!(marks.len(), 3);
        assert!(
            s.hidden(Profile::Hardware).is_empty(),
            "answer shown at {k}"
        );
        assert!(s.announcement().contains("right, all 3 fields"));
    }
    let score = s.progress.score();
    assert_eq!((score.right, score.wrong, score.total), (5, 0, 5));
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn a_wrong_prediction_is_marked_field_by_field() {
    let mut s = start("#s=exercise-tpr&p=hardware,kvm-emulated&t=10");
    // Predict 3, the trap: with TPR 0, 0x20 is delivered (it is not: 0x3e
    // in service holds PPR at 0x30, SDM 10.8.3.1).
    for (f, g) in [
        (Field::Irr, Guess::Vectors(Bits256::EMPTY)),
        (
            Field::Isr,
            Guess::Vectors(Bits256::from_vectors(&[0x20, 0x3e])),
        ),
        (Field::Ppr, Guess::Number(AttrValue::from("0x30"))),
    ] {
        s = apply(&s, Action::Predict(Profile::Hardware, f, g));
    }
    // Together: the other pane got the same guesses.
    let (i, _) = s.progress.at(10).unwrap();
    assert_eq!(
        s.progress.guess(i, Profile::KvmEmulated, Field::Ppr),
        Guess::Number(AttrValue::from("0x30"))
    );
    s = apply(&s, Action::Check);
    let Outcome::Checked { right, marks } = &s.progress.outcomes[i] else {
        panic!()
    };
    assert!(!right);
    let hw: Vec<(Field, bool)> = marks
        .iter()
        .filter(|m| m.profile == Profile::Hardware)
        .map(|m| (m.field, m.right))
        .collect();
    assert_eq!(
        hw,
        vec![(Field::Irr, false), (Field::Isr, false), (Field::Ppr, true)]
    );
    let text = s.announcement();
    assert!(
        text.contains("IRR wrong: you said [], it is [0x20]"),
        "{text}"
    );
    assert_eq!(s.progress.score().wrong, 1);
    // Hide again: open, for another try, the guesses kept.
    let s = apply(&s, Action::Rehide);
    assert_eq!(s.progress.outcomes[i], Outcome::Open);
    assert_eq!(s.progress.score().wrong, 0);
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn stepping_past_skips_and_says_so_reveal_shows_and_reset_reopens() {
    let s = start("#s=exercise-tpr&p=hardware&t=5");
    let s = apply(&s, Action::Next);
    assert_eq!(s.progress.outcomes[0], Outcome::Open);
    let s = apply(&s, Action::Next);
    assert_eq!(s.progress.outcomes[0], Outcome::Skipped);
    assert!(s
        .status
        .as_ref()
        .is_some_and(|t| t.contains("Stepped past Predict 1")));
    // In the stretch before checkpoint 2 (state 7), r reveals it.
    assert_eq!(s.step, 7);
    assert!(!s.hidden(Profile::Hardware).is_empty());
    let s = apply(&s, Action::Reveal);
    assert_eq!(s.progress.outcomes[1], Outcome::Revealed);
    assert!(s.hidden(Profile::Hardware).is_empty());
    // Stored, then read back into a fresh start.
    assert_eq!(s.progress.stored(), "sv---");
    let fresh = start("#s=exercise-tpr&p=hardware");
    let fresh = apply(
        &fresh,
        Action::ProgressRestored("exercise-tpr".into(), "sv---".into()),
    );
    assert_eq!(fresh.progress.score().unpredicted, 2);
    // Letters for another scenario, or that do not fit, change nothing.
    let same = apply(
        &fresh,
        Action::ProgressRestored("exercise-tpr".into(), "rr".into()),
    );
    assert!(Rc::ptr_eq(&same, &fresh));
    let s = apply(&s, Action::ResetProgress);
    assert_eq!(s.progress.stored(), "-----");
    // Another scenario starts its own progress.
    let s = apply(&s, Action::SelectScenario("exercise-soft-disable".into()));
    assert_eq!(s.progress.id, "exercise-soft-disable");
    assert_eq!(s.progress.outcomes.len(), 7);
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn playback_stops_on_an_open_checkpoint_and_an_embed_hides_nothing() {
    let s = start("#s=exercise-tpr&p=hardware&t=4");
    let s = apply(&s, Action::TogglePlay);
    let s = apply(&s, Action::Tick);
    let s = apply(&s, Action::Tick);
    assert_eq!(s.step, 6);
    assert!(!s.playing, "stops at Predict 1");
    let e = start("#s=exercise-tpr&p=hardware&t=6&embed=1");
    assert!(e.hidden(Profile::Hardware).is_empty());
    assert!(e.checkpoint_text().is_none());
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn numbers_read_as_typed_and_keys_map_to_the_actions() {
    assert_eq!(parse_number("0x30"), Some(0x30));
    assert_eq!(parse_number(" 48 "), Some(48));
    assert_eq!(parse_number("0X1ff"), Some(0x1ff));
    assert_eq!(parse_number("3o"), None);
    assert_eq!(
        Guess::Number("0x100".into()).value(Field::Ppr),
        Err("\"0x100\" is not a value of ppr (0x0 to 0xff)".to_owned())
    );
    assert_eq!(
        Guess::Number("".into()).value(Field::Ppr),
        Err("no prediction".to_owned())
    );
    assert_eq!(action_for("c", false, false, false), Some(Action::Check));
    assert_eq!(action_for("r", false, false, false), Some(Action::Reveal));
    assert_eq!(action_for("h", false, false, false), Some(Action::Rehide));
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn in_presenter_mode_one_key_reveals_and_hides_every_pane() {
    // Exercise 2's checkpoints 2a to 2d (steps 8 to 11, one profile each)
    // share the stretch after Predict 1: at step 7 every pane hides.
    let s = start("#s=exercise-soft-disable&t=7&present=1");
    let hidden = |s: &AppState| {
        Profile::ALL
            .iter()
            .filter(|p| !s.hidden(**p).is_empty())
            .count()
    };
    assert_eq!(hidden(&s), 4);
    let s = apply(&s, Action::Reveal);
    assert_eq!(hidden(&s), 0);
    let s = apply(&s, Action::Rehide);
    assert_eq!(hidden(&s), 4);
    // Outside presenter mode, on a checkpoint, r answers that one alone.
    let s = start("#s=exercise-soft-disable&t=8");
    let s = apply(&s, Action::Reveal);
    assert!(s.hidden(Profile::Hardware).is_empty());
    assert_eq!(s.hidden(Profile::KvmEmulated), vec![Field::Irr, Field::Isr]);
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn a_scenario_of_ones_own_carries_checkpoints() {
    // A fork of the exercise keeps its five checkpoints, with a progress of
    // its own.
    let s = start("#s=exercise-tpr&t=3");
    let s = apply(&s, Action::Fork);
    assert_eq!(s.progress.id, "exercise-tpr-copy");
    assert_eq!(s.progress.checkpoints.len(), 5);
    assert_eq!(
        s.hidden(Profile::Hardware),
        vec![Field::Irr, Field::Isr, Field::Ppr]
    );
    // A file (or a link's `c`) with a `predict` of its own.
    let text = r#"{"id":"mine","title":"Mine","summary":"","steps":[
        {"do":"cli"},{"do":"expect","if":false,"predict":["irr","tpr"]}]}"#;
    let s = apply(
        &s,
        Action::Opened(Rc::new(parse(text).unwrap()), text.into()),
    );
    assert_eq!(s.progress.id, "mine");
    assert_eq!(s.progress.checkpoints.len(), 1);
    let s = apply(&s, Action::Next);
    assert_eq!(s.hidden(Profile::KvmApicv), vec![Field::Irr, Field::Tpr]);
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn the_timeline_does_not_mark_where_hidden_profiles_diverge() {
    use apic_playground::components::prediction::timeline_marks;
    // After sti (step 7) the four profiles part ways (the solution's 2a to
    // 2d differ): the timeline marks it, unless checkpoints hide it.
    let s = start("#s=exercise-soft-disable");
    assert!(s.marks[7].diverge);
    assert!(!timeline_marks(&s)[7].diverge);
    // Nor does `n` jump there.
    let jumped = apply(&s, Action::NextMark);
    assert!(
        jumped.step == 0 || jumped.step > 11,
        "n went to {}",
        jumped.step
    );
    let s = apply(&s, Action::Goto(7));
    let s = apply(&s, Action::Reveal);
    let s = apply(&s, Action::Goto(8));
    let s = apply(&s, Action::Reveal);
    let s = apply(&s, Action::Goto(9));
    let s = apply(&s, Action::Reveal);
    let s = apply(&s, Action::Goto(10));
    let s = apply(&s, Action::Reveal);
    let s = apply(&s, Action::Goto(11));
    let s = apply(&s, Action::Reveal);
    assert!(timeline_marks(&s)[7].diverge);
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn the_timeline_does_not_mark_an_open_checkpoints_own_check() {
    use apic_playground::components::prediction::timeline_marks;
    // A checkpoint is an `expect` step: its pass or fail marker would say
    // whether a pane's state is the solution's before the reader predicts.
    let s = start("#s=exercise-tpr");
    let cp = s.progress.checkpoints.first().map(|c| c.step).unwrap_or(0);
    assert!(cp > 0);
    assert!(s.marks[cp].expect.is_some());
    assert_eq!(timeline_marks(&s)[cp].expect, None);
    let s = apply(&s, Action::Goto(cp));
    let s = apply(&s, Action::Reveal);
    assert_eq!(timeline_marks(&s)[cp].expect, s.marks[cp].expect);
}
