//! The model held to traces recorded on real systems, on every machine,
//! KVM or QEMU installed or not:
//!
//! - kvm/recorded/ (written by `apic-trace conformance kvm/conformance
//!   --record kvm/recorded`): for each one, the model profile the host
//!   stood for must agree in every state and field, except the fields that
//!   host could not show and the documented quirks of
//!   `apic_kvm::hostcmp::QUIRKS`;
//! - kvm/recorded-qemu/ (written by `apic-trace conformance --against
//!   qemu-tcg kvm/conformance --record kvm/recorded-qemu` on Debian's QEMU
//!   7.2 under TCG): the `qemu` profile must agree, except the documented
//!   quirks of `apic_kvm::hostcmp::QEMU_QUIRKS`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use apic_core::format::{parse, Field};
use apic_core::trace::ProfileTrace;
use apic_core::{engine, Profile};
use apic_kvm::hostcmp::{compare_with, Quirk, QEMU_QUIRKS, QUIRKS};
use std::path::Path;

/// Every recorded trace in `dir` (run by `runner`) held to the model.
fn hold(dir: &str, runner: &str, quirks: &'static [Quirk]) -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no recorded traces in {}", dir.display());
    let mut problems = Vec::new();
    for f in &files {
        let doc: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(f).unwrap()).unwrap();
        let scenario = parse(&doc["scenario"].to_string())
            .unwrap_or_else(|e| panic!("{}: scenario: {e}", f.display()));
        let host: ProfileTrace = serde_json::from_value(doc["trace"].clone()).unwrap();
        assert_eq!(host.profile, runner, "{}", f.display());
        let profile = Profile::from_id(doc["stands_for"].as_str().unwrap()).unwrap();
        let unobservable: Vec<Field> = doc["unobservable"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| Field::from_name(v.as_str().unwrap()).unwrap())
            .collect();
        let model = engine::run(&scenario, profile);
        let c = compare_with(quirks, &scenario, &model, &host, &unobservable);
        if let Some((a, b)) = c.lengths {
            problems.push(format!(
                "{}: {a} model states, {b} recorded states",
                f.display()
            ));
        }
        for d in &c.differences {
            problems.push(format!(
                "{} state {}: {}: {profile} {} / {runner} {}",
                f.display(),
                d.step,
                d.field,
                d.left,
                d.right
            ));
        }
    }
    problems
}

#[test]
fn the_model_agrees_with_every_recorded_host_trace() {
    let problems = hold("recorded", "kvm-host", QUIRKS);
    assert!(
        problems.is_empty(),
        "the model differs from recorded host traces:\n{}",
        problems.join("\n")
    );
}

/// The QEMU recordings name the QEMU that made them, Debian's 7.2.
#[test]
fn the_qemu_profile_agrees_with_every_recorded_qemu_trace() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("recorded-qemu");
    for e in std::fs::read_dir(&dir).unwrap() {
        let text = std::fs::read_to_string(e.unwrap().path()).unwrap();
        assert!(text.contains("QEMU emulator version 7.2."), "{text:.200}");
        assert!(text.contains("\"stands_for\": \"qemu\""), "{text:.200}");
    }
    let problems = hold("recorded-qemu", "qemu-tcg", QEMU_QUIRKS);
    assert!(
        problems.is_empty(),
        "the qemu profile differs from recorded QEMU traces:\n{}",
        problems.join("\n")
    );
}
