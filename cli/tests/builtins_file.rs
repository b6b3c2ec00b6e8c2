//! www/builtins.bin, the library the page reads a built-in other than the
//! seed from (`apic_core::builtin::library`), is what `apic-trace
//! builtins` writes: regenerate it when a built-in or the encoding of
//! `format::wire` changes.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::Command;

#[test]
fn the_page_library_is_the_generated_one() {
    let out = Command::new(env!("CARGO_BIN_EXE_apic-trace"))
        .arg("builtins")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.stdout, apic_core::builtin::library());
    let committed =
        std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/../www/builtins.bin")).unwrap();
    assert!(
        out.stdout == committed,
        "www/builtins.bin is stale: run `cargo run -p apic-trace -- builtins > www/builtins.bin`"
    );
    // Every built-in reads back from it, the seed included.
    for b in apic_core::builtin::list() {
        assert_eq!(
            apic_core::builtin::from_library(&committed, b.id).ok(),
            apic_core::builtin::get(b.id),
            "{}",
            b.id
        );
    }
}
