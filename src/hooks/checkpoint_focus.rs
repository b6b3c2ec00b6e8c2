//! Focus after a checkpoint's Check, Reveal or Hide again: the render that
//! shows (or hides) the answer replaces the control pressed, or the
//! prediction grid `c` was pressed from, and focus would fall back to the
//! page's body, the next Tab back at the page's top. It goes to the
//! checkpoint bar's first button instead (Hide again, or Check), where a
//! keyboard user goes on (WCAG 2.4.3, focus order).

use wasm_bindgen::JsCast;
use web_sys::Document;
use yew::prelude::*;

use crate::state::AppState;

fn document() -> Option<Document> {
    web_sys::window().and_then(|w| w.document())
}

/// Whether focus is on a control of the checkpoint bar or of a pane (a
/// prediction grid or field).
fn focus_on_checkpoint() -> bool {
    document()
        .and_then(|d| d.active_element())
        .and_then(|a| a.closest(".checkpoint, [data-profile]").ok().flatten())
        .is_some()
}

/// Moves focus to the checkpoint bar when the checkpoint at the step shown
/// changes from asking to answered or back, and the control that had
/// focus has gone with it. Not when the step changes, and not when focus was
/// elsewhere: keys pressed on the page (a presenter's `c`, `r`, `h`) move
/// no focus, so that Space still plays rather than press a button.
#[hook]
pub fn use_checkpoint_focus(state: &AppState) {
    let (step, here) = (state.step, crate::components::prediction::here(state));
    let before = use_mut_ref(|| (step, here));
    // Read while rendering, before the render changes the page: where
    // focus was when the action came.
    let was_on_checkpoint = focus_on_checkpoint();
    use_effect_with((step, here), move |&now| {
        let was = std::mem::replace(&mut *before.borrow_mut(), now);
        if was.0 != now.0 || was.1 == now.1 || !was_on_checkpoint || !crate::refocus::lost() {
            return;
        }
        let button = document()
            .and_then(|d| d.query_selector(".checkpoint .cp-actions button").ok())
            .flatten()
            .and_then(|b| b.dyn_into::<web_sys::HtmlElement>().ok());
        if let Some(button) = button {
            let _ = button.focus();
        }
    });
}
