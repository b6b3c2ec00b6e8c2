//! src/checked.rs (the page's "checked against real KVM" line) is what
//! `apic-trace checked` makes of kvm/recorded/: regenerate it when a
//! recording, a built-in or the model changes.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;

#[test]
fn the_page_table_is_the_generated_one() {
    let out = Command::new(env!("CARGO_BIN_EXE_apic-trace"))
        .arg("checked")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let generated = String::from_utf8(out.stdout).unwrap();
    let committed =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../src/checked.rs")).unwrap();
    assert!(
        generated == committed,
        "src/checked.rs is stale: run `cargo run -p apic-trace -- checked > src/checked.rs`"
    );
    assert!(
        committed.contains("id: \"hotplug-cpu0\""),
        "the seed scenario is checked"
    );
}
