//! The keyboard help overlay (`?`), a modal dialog listing every key and
//! the legend of the grid and timeline marks.

use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::components::icons::{icon, Icon};
use crate::components::static_markup::static_markup;
use crate::keys::HELP;

/// Props of [`Help`].
#[derive(Properties, PartialEq)]
pub struct HelpProps {
    /// Close it.
    pub on_close: Callback<()>,
}

/// The legend of the grid cells and the timeline marks.
const LEGEND: &str = concat!(
    r#"<h3>Bit grids</h3>"#,
    r#"<ul class="legend">"#,
    r#"<li><span data-set="1" class="cell"></span>bit set</li>"#,
    r#"<li><span data-set="1" data-changed="1" class="cell"></span>set at this step</li>"#,
    r#"<li><span data-set="0" data-changed="1" class="cell"></span>cleared at this step</li>"#,
    r#"<li><span data-set="0" class="cell"></span>clear</li>"#,
    r#"</ul>"#,
    r#"<h3>Timeline</h3>"#,
    r#"<ul class="legend">"#,
    r#"<li><span class="mk diverge"></span>profiles start to differ</li>"#,
    r#"<li><span class="mk warn"></span>the guest kernel warns</li>"#,
    r#"<li><span class="mk fail"></span>an expectation fails</li>"#,
    r#"<li><span class="mk pass"></span>an expectation is met</li>"#,
    r#"</ul>"#,
    r#"<p class="dim">Row e0, column c is vector 0xec. Hover a cell for its vector and Linux name.</p>"#,
);

/// The help dialog.
#[function_component]
pub fn Help(props: &HelpProps) -> Html {
    let dialog = use_node_ref();
    {
        // Focus moves into the dialog so Esc and Tab work from the
        // keyboard, and back to where it was once the dialog closes
        // (WAI-ARIA APG, dialog pattern), so that a keyboard user goes on
        // from the same control, not from the top of the page.
        let dialog = dialog.clone();
        use_effect_with((), move |_| {
            let opener = web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| d.active_element())
                .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok());
            if let Some(el) = dialog.cast::<web_sys::HtmlElement>() {
                let _ = el.focus();
            }
            move || match opener.filter(|o| o.is_connected()) {
                Some(opener) => {
                    let _ = opener.focus();
                }
                // The viewer's, replaced by the full playground that
                // opened the dialog: its twin there (`refocus`).
                None => crate::refocus::give_now(),
            }
        });
    }
    let close = props.on_close.reform(|_: MouseEvent| ());
    let close_button = use_node_ref();
    // A modal keeps Tab inside it (WAI-ARIA APG, dialog pattern): the
    // close button is the dialog's one focusable control, so Tab and
    // Shift+Tab both land on it instead of the page behind.
    let trap = {
        let close_button = close_button.clone();
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Tab" {
                e.prevent_default();
                if let Some(b) = close_button.cast::<web_sys::HtmlElement>() {
                    let _ = b.focus();
                }
            }
        })
    };
    html! {
        <div class="overlay" onclick={close.clone()}>
            <div class="dialog" role="dialog" aria-modal="true" aria-labelledby="help-title" tabindex="-1"
                ref={dialog} onkeydown={trap} onclick={Callback::from(|e: MouseEvent| e.stop_propagation())}>
                <div class="dialog-head">
                    <h2 id="help-title">{ "Keyboard and legend" }</h2>
                    <button type="button" class="tool" ref={close_button} onclick={close} aria-label="Close help" title="Close (Esc)">
                        { icon(Icon::Close) }
                    </button>
                </div>
                <table class="keys">
                    <tbody>
                        { for HELP.iter().map(|(k, what)| html! {
                            <tr><th scope="row"><kbd>{ *k }</kbd></th><td>{ *what }</td></tr>
                        }) }
                    </tbody>
                </table>
                { static_markup(LEGEND) }
            </div>
        </div>
    }
}
