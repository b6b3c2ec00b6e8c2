//! The playground's entry point (Trunk builds this binary to wasm).

fn main() {
    apic_playground::run_app();
}
