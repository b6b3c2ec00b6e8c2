//! The JSON Schema of format v1 (`www/scenario.schema.json`, served with
//! the page) against the reader: the committed file is what
//! `format::schema_text()` makes from the declared names; every built-in
//! validates; and files the reader rejects for reasons a schema can state
//! are rejected by the schema too.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use apic_core::format::{parse, schema, schema_text};
use serde_json::Value;

fn committed() -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../www/scenario.schema.json");
    std::fs::read_to_string(path).unwrap()
}

fn validator() -> jsonschema::Validator {
    jsonschema::validator_for(&schema()).unwrap()
}

#[test]
fn the_committed_schema_is_the_generated_one() {
    assert!(
        committed() == schema_text(),
        "www/scenario.schema.json is stale: run `cargo run -p apic-trace -- schema > www/scenario.schema.json`"
    );
}

#[test]
fn every_builtin_file_validates() {
    let v = validator();
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios");
    let mut n = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        parse(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let json: Value = serde_json::from_str(&text).unwrap();
        let errors: Vec<String> = v.iter_errors(&json).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{}: {errors:#?}", path.display());
        n += 1;
    }
    assert!(n >= 12);
}

#[test]
fn bad_files_are_rejected_by_both() {
    let v = validator();
    let ok = r#"{"$schema":"./scenario.schema.json","id":"a","title":"A","steps":[
        {"do":"write","reg":"icr","value":"0xff000000000400ec"},{"do":"irq","vector":49,"level":true},
        {"do":"expect","profiles":["hardware"],"irr":["0x31"],"if":false,"cpu":"running"}]}"#;
    assert!(parse(ok).is_ok());
    assert!(
        v.is_valid(&serde_json::from_str(ok).unwrap()),
        "a good file validates"
    );
    let bad = [
        r#"{"id":"a","title":"A","steps":[],"extra":1}"#,
        r#"{"id":"a b","title":"A","steps":[]}"#,
        r#"{"id":"a","steps":[]}"#,
        r#"{"id":"a","title":"A","handlers":"sometimes","steps":[]}"#,
        r#"{"id":"a","title":"A","steps":[{"do":"wirte"}]}"#,
        r#"{"id":"a","title":"A","steps":[{"reg":"tpr"}]}"#,
        r#"{"id":"a","title":"A","steps":[{"do":"write","reg":"spv","value":1}]}"#,
        r#"{"id":"a","title":"A","steps":[{"do":"write","reg":"tpr","value":"0x100000000"}]}"#,
        r#"{"id":"a","title":"A","steps":[{"do":"write","reg":"tpr","value":-1}]}"#,
        r#"{"id":"a","title":"A","steps":[{"do":"write","reg":"tpr","vlaue":1}]}"#,
        r#"{"id":"a","title":"A","steps":[{"do":"irq","vector":256}]}"#,
        r#"{"id":"a","title":"A","steps":[{"do":"irq","vector":"0x1ec"}]}"#,
        r#"{"id":"a","title":"A","steps":[{"do":"linux","routine":"setup_local_apic"}]}"#,
        r#"{"id":"a","title":"A","steps":[{"do":"expect","profiles":["hardware"]}]}"#,
        r#"{"id":"a","title":"A","steps":[{"do":"expect","profiles":[],"irr":[]}]}"#,
        r#"{"id":"a","title":"A","steps":[{"do":"expect","profiles":["nobody"],"irr":[]}]}"#,
        r#"{"id":"a","title":"A","steps":[{"do":"expect","tpr":"0x100"}]}"#,
        r#"{"id":"a","title":"A","steps":[{"do":"expect","cpu":"asleep"}]}"#,
        r#"{"id":"a","title":"A","steps":[{"do":"note"}]}"#,
        r#"{"id":"a","title":"A","steps":[3]}"#,
    ];
    for text in bad {
        assert!(parse(text).is_err(), "the reader accepts {text}");
        let json: Value = serde_json::from_str(text).unwrap();
        assert!(!v.is_valid(&json), "the schema accepts {text}");
    }
}
