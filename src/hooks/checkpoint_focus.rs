//! Focus after a checkpoint's Check, Reveal or Hide again: the render that
//! shows (or hides) the answer replaces the control pressed, or the
//! prediction grid `c` was pressed from, and focus would fall back to the
//! page's body, the next Tab back at the page's top. It goes to the
//! checkpoint bar's first button instead (Hide again, or Check), where a
//! keyboard user goes on (WCAG 2.4.3, focus order).

use yew::prelude::*;

use crate::refocus;
use crate::state::AppState;

/// Moves focus to the checkpoint bar when the checkpoint at the step shown
/// changes from asking to answered or back, and the control that had
/// focus, on the bar or in a pane (a prediction grid or field), has gone
/// with it. Not when the step changes, and not when focus was elsewhere:
/// keys pressed on the page (a presenter's `c`, `r`, `h`) move no focus,
/// so that Space still plays rather than press a button.
#[hook]
pub fn use_checkpoint_focus(state: &AppState) {
    let now = (state.step, crate::components::prediction::here(state));
    let before = use_mut_ref(|| now);
    let was = *before.borrow();
    // Read while rendering, before the render changes the page: where
    // focus was when the action came. Only for such a change, not at
    // every step.
    let rescue = was.0 == now.0
        && was.1 != now.1
        && refocus::active().is_some_and(|f| {
            f.closest(".checkpoint, [data-profile]")
                .ok()
                .flatten()
                .is_some()
        });
    use_effect_with(now, move |&now| {
        *before.borrow_mut() = now;
        if rescue && refocus::lost() {
            refocus::focus(refocus::find(".checkpoint .cp-actions button"));
        }
    });
}
