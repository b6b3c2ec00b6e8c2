//! The floor: one Yew function component, rendered once, then
//! `<html data-ready="1">`, the same signal the playground gives.

use yew::prelude::*;

#[function_component]
fn Floor() -> Html {
    use_effect_with((), |_| {
        if let Some(root) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.document_element())
        {
            let _ = root.set_attribute("data-ready", "1");
        }
    });
    html! {
        <main>
            <h1>{ "Floor" }</h1>
            <p>{ "A minimal Yew 0.23 page, the floor the playground is measured against." }</p>
        </main>
    }
}

fn main() {
    yew::Renderer::<Floor>::new().render();
}
