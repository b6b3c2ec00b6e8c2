//! The checkpoint bar: what the current checkpoint asks, Check / Reveal /
//! Hide again, and the score with its reset (`crate::predict`).

use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::predict::Score;
use crate::state::Action;

/// Where the current step stands with respect to the checkpoints.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Here {
    /// On a checkpoint, open: predict, check or reveal.
    Open {
        /// Whether it asks about more than one pane on screen.
        several: bool,
    },
    /// On a checkpoint whose answer is shown.
    Shown,
    /// Before a checkpoint, in the stretch it hides.
    Before,
    /// Elsewhere.
    Away,
}

/// The bar, or nothing for a scenario without checkpoints.
pub fn checkpoint_bar(
    text: Option<String>,
    here: Here,
    together: bool,
    score: Score,
    present: bool,
    on_action: &Callback<Action>,
) -> Html {
    // A projector has no room to spare: the score only where it matters.
    if score.total == 0 || (present && here == Here::Away) {
        return Html::default();
    }
    let answered = score.right + score.wrong + score.unpredicted;
    let state = match here {
        Here::Open { .. } => "open",
        Here::Shown => "shown",
        Here::Before => "before",
        Here::Away => "away",
    };
    let button = |label: &'static str, key: &'static str, action: Action| {
        let onclick = on_action.reform(move |_: MouseEvent| action.clone());
        html! { <button type="button" {onclick} aria-keyshortcuts={key}>{ label }<kbd aria-hidden="true">{ key }</kbd></button> }
    };
    let on_together = on_action.reform(|e: Event| {
        Action::PredictTogether(e.target_unchecked_into::<HtmlInputElement>().checked())
    });
    let score_text = if answered == score.total {
        format!(
            "Done: {} of {} checkpoints right.",
            score.right, score.total
        )
    } else {
        format!(
            "Score: {} of {} checkpoints right so far.",
            score.right, score.total
        )
    };
    html! {
        <section class="checkpoint" aria-label="Prediction checkpoints" data-checkpoint={state}>
            if let Some(text) = text {
                <p class="cp-text">{ text }</p>
            }
            <div class="cp-actions">
                if let Here::Open { several } = here {
                    if several {
                        <label class="chk"><input type="checkbox" checked={together} onchange={on_together} />
                            { "One prediction for every pane" }</label>
                    }
                    { button("Check", "c", Action::Check) }
                    { button("Reveal", "r", Action::Reveal) }
                }
                if here == Here::Before {
                    { button("Reveal", "r", Action::Reveal) }
                }
                if here == Here::Shown {
                    { button("Hide again", "h", Action::Rehide) }
                }
                <p class="score" data-right={score.right.to_string()} data-total={score.total.to_string()}
                    data-done={(answered == score.total).then_some("1")}>
                    { score_text }
                    if score.wrong + score.unpredicted > 0 {
                        <span class="dim">{ format!(" Wrong: {}, not predicted: {}.", score.wrong, score.unpredicted) }</span>
                    }
                </p>
                if answered > 0 {
                    <button type="button" class="reset" onclick={on_action.reform(|_: MouseEvent| Action::ResetProgress)}>
                        { "Reset progress" }
                    </button>
                }
            </div>
        </section>
    }
}
