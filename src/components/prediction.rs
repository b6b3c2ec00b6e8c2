//! A pane at a prediction checkpoint (`crate::predict`): what it hides,
//! the fields to enter, and after the check each field marked right or
//! wrong with the events of the steps that explain the answer.

use std::rc::Rc;

use apic_core::format::{Field, Kind};
use apic_core::{CpuRun, Profile};
use web_sys::HtmlInputElement;
use web_sys::HtmlSelectElement;
use yew::prelude::*;

use crate::bits::Bits256;
use crate::components::bit_grid::{BitGrid, Reg};
use crate::components::events::kind_label;
use crate::components::predict_grid::PredictGrid;
use crate::components::static_markup::{escape, markup};
use crate::data::{label, StepView};
use crate::predict::{Guess, Mark};
use crate::state::Action;

/// What a pane shows of a checkpoint.
#[derive(Clone, Debug, PartialEq)]
pub struct PanePredict {
    /// The fields hidden at this step.
    pub hidden: Vec<Field>,
    /// Where they will be asked: "Predict 1 (step 6)".
    pub until: AttrValue,
    /// Whether this is the checkpoint and the pane can be predicted in.
    pub editable: bool,
    /// This profile's guesses so far.
    pub guesses: Vec<(Field, Guess)>,
    /// After a check: this profile's fields, right or wrong.
    pub marks: Vec<Mark>,
    /// After the answer is shown: the steps that lead to it (state index,
    /// label, the view), for their events.
    pub why: Vec<(usize, AttrValue, Rc<StepView>)>,
}

impl PanePredict {
    /// Whether `field` is hidden.
    pub fn hides(&self, field: Field) -> bool {
        self.hidden.contains(&field)
    }

    fn guess(&self, field: Field) -> Guess {
        self.guesses
            .iter()
            .find(|(f, _)| *f == field)
            .map_or_else(|| Guess::blank(field), |(_, g)| g.clone())
    }
}

fn field_of(reg: Reg) -> Field {
    match reg {
        Reg::Irr => Field::Irr,
        Reg::Isr => Field::Isr,
        Reg::Tmr => Field::Tmr,
    }
}

/// The grid of `reg`: its bits, a grid to predict in, or a placeholder
/// while hidden.
pub fn grid(
    reg: Reg,
    bits: Bits256,
    changed: Bits256,
    predict: Option<&PanePredict>,
    profile: Profile,
    on_action: &Callback<Action>,
) -> Html {
    let field = field_of(reg);
    match predict.filter(|p| p.hides(field)) {
        None => html! { <BitGrid {reg} {bits} {changed} /> },
        Some(p) if p.editable => {
            let guessed = match p.guess(field) {
                Guess::Vectors(b) => b,
                _ => Bits256::EMPTY,
            };
            let on_change = on_action
                .reform(move |b: Bits256| Action::Predict(profile, field, Guess::Vectors(b)));
            html! { <PredictGrid {reg} bits={guessed} {profile} {on_change} /> }
        }
        Some(p) => html! {
            <figure class="grid hidden" data-reg={reg.id()} data-hidden="1">
                <figcaption><abbr title={reg.meaning()}>{ reg.abbr() }</abbr></figcaption>
                <p class="dim">{ format!("Hidden until {}.", p.until) }</p>
            </figure>
        },
    }
}

fn bool_words(field: Field) -> (&'static str, &'static str) {
    match field {
        Field::If => ("IF=1", "IF=0"),
        Field::Warn => ("has warned", "no warning"),
        _ => ("enabled", "disabled"),
    }
}

fn cpu_word(c: CpuRun) -> &'static str {
    match c {
        CpuRun::Running => "running",
        CpuRun::Halted => "halted",
        CpuRun::WaitForSipi => "waiting for SIPI",
    }
}

const CPUS: [CpuRun; 3] = [CpuRun::Running, CpuRun::Halted, CpuRun::WaitForSipi];

/// One input for a field that is not a bit grid.
fn input(field: Field, guess: Guess, profile: Profile, on_action: &Callback<Action>) -> Html {
    let id = format!("guess-{}-{}", profile.id(), field.name());
    let name = label(field);
    let control = match (field.kind(), guess) {
        (Kind::U8 | Kind::U32, Guess::Number(text)) => {
            let oninput = on_action.reform(move |e: InputEvent| {
                let text = e.target_unchecked_into::<HtmlInputElement>().value();
                Action::Predict(profile, field, Guess::Number(AttrValue::from(text)))
            });
            html! { <input id={id.clone()} type="text" class="hex" inputmode="text" spellcheck="false"
            autocomplete="off" placeholder="0x…" value={text} {oninput} /> }
        }
        (Kind::Bool, Guess::Bool(b)) => {
            let (yes, no) = bool_words(field);
            let onchange = on_action.reform(move |e: Event| {
                let v = e.target_unchecked_into::<HtmlSelectElement>().value();
                let b = match v.as_str() {
                    "1" => Some(true),
                    "0" => Some(false),
                    _ => None,
                };
                Action::Predict(profile, field, Guess::Bool(b))
            });
            html! {
                <select id={id.clone()} {onchange}>
                    <option value="" selected={b.is_none()}>{ "?" }</option>
                    <option value="1" selected={b == Some(true)}>{ yes }</option>
                    <option value="0" selected={b == Some(false)}>{ no }</option>
                </select>
            }
        }
        (_, Guess::Cpu(c)) => {
            let onchange = on_action.reform(move |e: Event| {
                let v = e.target_unchecked_into::<HtmlSelectElement>().value();
                Action::Predict(profile, field, Guess::Cpu(CpuRun::from_name(&v)))
            });
            html! {
                <select id={id.clone()} {onchange}>
                    <option value="" selected={c.is_none()}>{ "?" }</option>
                    { for CPUS.iter().map(|k| html! {
                        <option value={k.name()} selected={c == Some(*k)}>{ cpu_word(*k) }</option>
                    }) }
                </select>
            }
        }
        _ => return Html::default(),
    };
    html! { <div class="guess-field"><label for={id}>{ name }</label>{ control }</div> }
}

/// The fields to enter that are not grids (TPR, PPR, SPIV, LVT, IF, CPU).
pub fn inputs(p: &PanePredict, profile: Profile, on_action: &Callback<Action>) -> Html {
    let scalars: Vec<Field> = p
        .hidden
        .iter()
        .copied()
        .filter(|f| f.kind() != Kind::Vectors)
        .collect();
    if !p.editable || scalars.is_empty() {
        return Html::default();
    }
    html! {
        <div class="guess-fields" role="group" aria-label={format!("Your prediction for {}", profile.title())}>
            { for scalars.iter().map(|f| input(*f, p.guess(*f), profile, on_action)) }
        </div>
    }
}

/// After a check: each field right or wrong, with what was said. Markup
/// from text (escaped), as `bit_grid` does: display only, and each
/// `html!` element costs code the page downloads.
pub fn marks(p: &PanePredict, profile: Profile) -> Html {
    use std::fmt::Write as _;
    if p.marks.is_empty() {
        return Html::default();
    }
    let mut out = format!(
        r#"<ul class="guess-marks" aria-label="Your prediction for {}, checked">"#,
        escape(profile.title())
    );
    for m in &p.marks {
        let (class, sym) = if m.right {
            ("right", "✓")
        } else {
            ("wrong", "✗")
        };
        let said = if m.right {
            format!(" right: {}", m.real)
        } else {
            format!(" wrong: you said {}, it is {}", m.said, m.real)
        };
        let _ = write!(
            out,
            r#"<li class="{class}" data-mark="{class}" data-field="{}"><span class="sym" aria-hidden="true">{sym}</span><b>{}</b>{}</li>"#,
            m.field.name(),
            label(m.field),
            escape(&said)
        );
    }
    out.push_str("</ul>");
    markup(out)
}

/// After the answer is shown: the events of the steps that lead to it
/// (markup from text, as `marks`).
pub fn why(p: &PanePredict) -> Html {
    use std::fmt::Write as _;
    if p.why.is_empty() {
        return Html::default();
    }
    let mut out = format!(
        r#"<details class="why"{}><summary>Why: what happened since the last checkpoint</summary><ol>"#,
        if p.marks.is_empty() { "" } else { " open" }
    );
    for (k, l, v) in p.why.iter().filter(|(_, _, v)| !v.state.events.is_empty()) {
        let _ = write!(
            out,
            r#"<li><span class="stepno">step {k}: </span><code>{}</code><ul>"#,
            escape(l)
        );
        for e in &v.state.events {
            let _ = write!(
                out,
                r#"<li data-kind="{}"><span class="text">{}</span>"#,
                kind_label(e.kind),
                escape(&e.text)
            );
            if !e.rule.is_empty() {
                let _ = write!(out, r#" <code class="rule">{}</code>"#, escape(&e.rule));
            }
            out.push_str("</li>");
        }
        out.push_str("</ul></li>");
    }
    out.push_str("</ol></details>");
    markup(out)
}

/// What `profile`'s pane shows of the checkpoints at the current step.
pub fn for_pane(
    state: &crate::state::AppState,
    profile: Profile,
    run: &crate::data::ProfileRun,
) -> Option<Rc<PanePredict>> {
    // The viewer shows no checkpoint: it hands a scenario that has some
    // over to the full playground (`hooks::play_loader`).
    if !crate::PLAY || state.embed {
        return None;
    }
    let pr = &state.progress;
    let data = &state.data;
    let step = state.step;
    let hidden = state.hidden(profile);
    let until = |c: &crate::predict::Checkpoint| {
        AttrValue::from(format!(
            "{} (step {})",
            crate::predict::name(data, c),
            c.step
        ))
    };
    match pr.at(step) {
        Some((i, c)) if c.applies_to(profile) => {
            let outcome = pr.outcomes.get(i)?;
            let guesses = pr
                .guesses
                .get(i)
                .map(|g| {
                    g.iter()
                        .filter(|(p, _, _)| *p == profile)
                        .map(|(_, f, g)| (*f, g.clone()))
                        .collect()
                })
                .unwrap_or_default();
            let marks = match outcome {
                crate::predict::Outcome::Checked { marks, .. } => marks
                    .iter()
                    .filter(|m| m.profile == profile)
                    .cloned()
                    .collect(),
                _ => Vec::new(),
            };
            let why = if outcome.shown() {
                (c.from..=c.step)
                    .filter_map(|k| {
                        let label = data.steps.get(k)?.label.clone();
                        Some((k, label, run.at(k)?.clone()))
                    })
                    .collect()
            } else {
                Vec::new()
            };
            Some(Rc::new(PanePredict {
                editable: !outcome.shown(),
                hidden,
                until: until(c),
                guesses,
                marks,
                why,
            }))
        }
        _ if !hidden.is_empty() => {
            let (_, c) = pr.checkpoints.iter().enumerate().find(|(i, c)| {
                c.covers(step)
                    && c.applies_to(profile)
                    && pr.outcomes.get(*i) == Some(&crate::predict::Outcome::Open)
            })?;
            Some(Rc::new(PanePredict {
                hidden,
                until: until(c),
                editable: false,
                guesses: Vec::new(),
                marks: Vec::new(),
                why: Vec::new(),
            }))
        }
        _ => None,
    }
}

/// Where the current step stands, for the checkpoint bar.
pub fn here(state: &crate::state::AppState) -> crate::components::checkpoint::Here {
    use crate::components::checkpoint::Here;
    let pr = &state.progress;
    match pr.at(state.step) {
        Some((i, c)) if pr.outcomes.get(i) == Some(&crate::predict::Outcome::Open) => Here::Open {
            several: c.profiles.iter().filter(|p| state.shows(**p)).count() > 1,
        },
        Some(_) => Here::Shown,
        None if pr.pending(state.step).is_some() => Here::Before,
        None => Here::Away,
    }
}

/// The timeline's markers, without those that would give away what an
/// open checkpoint hides: where the profiles diverge, where the guest
/// warns, and whether the checkpoint's own check passed, in its stretch.
pub fn timeline_marks(state: &crate::state::AppState) -> Rc<[crate::marks::StepMarks]> {
    let pr = &state.progress;
    if !crate::PLAY || state.embed || pr.outcomes.iter().all(crate::predict::Outcome::shown) {
        return state.marks.clone();
    }
    state
        .marks
        .iter()
        .enumerate()
        .map(|(k, m)| match pr.pending(k) {
            Some(_) => crate::marks::StepMarks {
                diverge: false,
                warning: false,
                expect: None,
            },
            None => *m,
        })
        .collect()
}
