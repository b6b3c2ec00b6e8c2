//! The APIC playground's web frontend (Yew, client-side rendering). It
//! renders traces that `apic-core` computes and never decides APIC
//! behaviour itself. A library so the wasm-bindgen tests in `tests/` can
//! reach the reducer, the URL codec and the components; `main.rs` starts it.

pub mod app;
pub mod base64url;
pub mod bits;
// Generated (apic-trace checked); its layout is the generator's.
#[rustfmt::skip]
pub mod checked;
pub mod components;
pub mod data;
pub mod edit;
pub mod hooks;
pub mod keys;
pub mod marks;
pub mod reader;
pub mod state;
pub mod url;

/// Mounts the app on `#app` (replacing the loading text), or on `<body>`
/// when the page has no such element.
pub fn run_app() {
    let root = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id("app"));
    match root {
        Some(root) => {
            root.set_inner_html("");
            yew::Renderer::<app::App>::with_root(root).render();
        }
        None => {
            yew::Renderer::<app::App>::new().render();
        }
    }
}
