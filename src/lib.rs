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
pub mod handoff;
pub mod hooks;
pub mod keys;
pub mod library;
pub mod marks;
pub mod predict;
pub mod reader;
pub mod refocus;
pub mod state;
pub mod url;

/// The heap of the page's modules (the viewer, the full playground, the
/// reader worker): Talc, made for single-threaded WebAssembly, in place of
/// the standard library's dlmalloc, for size: each module is 2.5 to 2.9
/// KiB smaller gzipped (the viewer's, the first load's largest file,
/// 134.5 -> 131.6 KiB), and a step takes as long as before.
#[cfg(all(target_family = "wasm", not(target_feature = "atomics")))]
#[global_allocator]
static HEAP: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

/// Whether this build holds Play (the editor, scenarios of one's own, the
/// prediction checkpoints and the keyboard help), or is the viewer that
/// loads it on demand (`src/handoff.rs`). A constant, so that the
/// viewer's build drops every part it never runs: the first load of a
/// built-in carries none of it (README, "Performance").
pub const PLAY: bool = cfg!(feature = "play");

/// Mounts the app on `#app` (replacing the loading text), or on `<body>`
/// when the page has no such element. The full playground first takes
/// over from the viewer, when the viewer loaded it, once its stylesheet
/// is in (`handoff::link_play_style`) and the viewer has finished what it
/// was asked (`handoff::after_viewer`); the viewer stays interactive
/// meanwhile. A viewer whose link names a built-in other than the seed
/// first reads that built-in's file (`library`), read or not: the loading
/// text stays meanwhile.
pub fn run_app() {
    if PLAY {
        let style = handoff::link_play_style();
        return wasm_bindgen_futures::spawn_local(async move {
            let _ = wasm_bindgen_futures::JsFuture::from(style).await;
            handoff::after_viewer(|| {
                handoff::take_over();
                mount();
                refocus::give();
            });
        });
    }
    match library::needed_by(&hooks::url_sync::current_hash()) {
        Some(id) => library::then(Some(&id), mount),
        None => mount(),
    }
}

fn mount() {
    // No document, no page to render: the module read outside a browser
    // (the glue's test, in node).
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    match document.get_element_by_id("app") {
        Some(root) => {
            root.set_inner_html("");
            handoff::keep(yew::Renderer::<app::App>::with_root(root).render());
        }
        None => handoff::keep(yew::Renderer::<app::App>::new().render()),
    }
}
