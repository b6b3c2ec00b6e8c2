//! The full playground, Play included (Trunk builds it as
//! `play_loader.js`, `play.js` and `play_bg.wasm`): the page's first
//! module, the viewer, loads it when a visit needs Play and hands over to
//! it (src/handoff.rs).

fn main() {
    apic_playground::run_app();
}
