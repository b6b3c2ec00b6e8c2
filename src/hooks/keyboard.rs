//! Keyboard shortcuts (`keys::action_for`). On the full page they listen on
//! the window; embedded, only on the widget's root, so a documentation
//! page keeps its keys until the reader focuses the widget.

use gloo_events::{EventListener, EventListenerOptions};
use wasm_bindgen::JsCast;
use web_sys::{Element, KeyboardEvent};
use yew::prelude::*;

use crate::hooks::theme::system_dark;
use crate::keys::action_for;
use crate::state::Action;

/// Whether a form control has the key for itself: typing in a field,
/// arrows in a select or slider, Space/Enter on a button or link, arrows
/// and Space in a grid to predict in.
fn control_owns(event: &KeyboardEvent) -> bool {
    let Some(el) = event.target().and_then(|t| t.dyn_into::<Element>().ok()) else {
        return false;
    };
    let key = event.key();
    // A grid to predict in moves and toggles with these (predict_grid.rs).
    if matches!(
        el.get_attribute("role").as_deref(),
        Some("grid" | "gridcell")
    ) {
        return matches!(
            key.as_str(),
            "ArrowRight"
                | "ArrowLeft"
                | "ArrowUp"
                | "ArrowDown"
                | "Home"
                | "End"
                | "PageUp"
                | "PageDown"
                | " "
                | "Enter"
        );
    }
    match el.tag_name().to_ascii_uppercase().as_str() {
        // Typing: every character is the field's, `?` in a step's note or
        // the JSON text too. Escape is the page's. (The viewer,
        // `crate::PLAY` off, has no field to type in.)
        "TEXTAREA" => key != "Escape",
        "INPUT" if crate::PLAY && takes_text(&el) => key != "Escape",
        // A select, a checkbox, a slider: `?` still opens the help.
        "INPUT" | "SELECT" => key != "Escape" && key != "?",
        "BUTTON" | "A" | "SUMMARY" => key == " " || key == "Enter",
        _ => false,
    }
}

/// Whether an `<input>` is one a user types text into (HTML's text-like
/// `type`s; a missing or unknown `type` is text).
fn takes_text(input: &Element) -> bool {
    !matches!(
        input
            .get_attribute("type")
            .map(|t| t.to_ascii_lowercase())
            .as_deref(),
        Some(
            "checkbox"
                | "radio"
                | "range"
                | "file"
                | "color"
                | "button"
                | "submit"
                | "reset"
                | "image"
                | "hidden"
        )
    )
}

/// Listens for shortcut keys and dispatches their actions.
#[hook]
pub fn use_keyboard(embed: bool, help_open: bool, root: NodeRef, on_action: Callback<Action>) {
    use_effect_with((embed, help_open), move |&(embed, help_open)| {
        let target: Option<web_sys::EventTarget> = if embed {
            root.cast::<Element>().map(Into::into)
        } else {
            web_sys::window().map(Into::into)
        };
        // Not passive: handled keys must not also scroll the page.
        let options = EventListenerOptions::enable_prevent_default();
        let listener = target.map(|t| {
            EventListener::new_with_options(&t, "keydown", options, move |e| {
                let Some(event) = e.dyn_ref::<KeyboardEvent>() else {
                    return;
                };
                if event.repeat() && event.key() != "ArrowRight" && event.key() != "ArrowLeft" {
                    return;
                }
                if control_owns(event) {
                    return;
                }
                let modifiers = event.ctrl_key() || event.alt_key() || event.meta_key();
                // The system's scheme is asked (matchMedia) only for the
                // key that needs it, not on every arrow key of a step.
                let action =
                    action_for(&event.key(), modifiers, help_open, false).map(|a| match a {
                        Action::ToggleTheme { .. } => Action::ToggleTheme {
                            system_dark: system_dark(),
                        },
                        a => a,
                    });
                if let Some(action) = action {
                    event.prevent_default();
                    on_action.emit(action);
                }
            })
        });
        move || drop(listener)
    });
}
