//! Embeds every `scenarios/*.json` file, read with the one reader of the
//! format (`src/format`, which depends on nothing else in the crate and so
//! is compiled into this script as it is). Writes
//! `$OUT_DIR/builtin_scenarios.rs`, sorted by file name, so that adding a
//! scenario file needs no Rust change:
//!
//! - `TABLE`: each scenario as `format::wire` encodes what `format::parse`
//!   read (`builtin.rs` decodes an entry with the same module), so a
//!   program that only shows the built-ins (the web page) carries no JSON
//!   reader;
//! - `SEED_ID`: the seed's id (its file must be there);
//! - `TITLES`: each entry's id and title, for a picker of the built-ins
//!   that links none of their steps;
//! - `FILES`: (id, JSON source) for the tests, the files'
//!   whitespace between JSON tokens removed.
//!
//! A file the reader rejects fails the build with the reader's message.

#[allow(dead_code, unused_imports)]
#[path = "src/format/mod.rs"]
mod format;

use std::fmt::Write as _;
use std::path::PathBuf;

/// `json` without the whitespace outside of strings (RFC 8259 section 2:
/// insignificant whitespace is space, tab, line feed and carriage return).
/// Strings are copied as they are, escapes included, so the value is the
/// same; a malformed file stays malformed and the unit test of
/// `builtin.rs` still reports it.
fn minify(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    let mut in_string = false;
    let mut escaped = false;
    for c in json.chars() {
        if in_string {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
        } else if c == '"' {
            in_string = true;
            out.push(c);
        } else if !matches!(c, ' ' | '\t' | '\n' | '\r') {
            out.push(c);
        }
    }
    out
}

/// The seed: the scenario of the 2019 report (README, "Scenarios").
const SEED_ID: &str = "hotplug-cpu0";

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("cargo:rerun-if-changed=scenarios");
    let dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR")?).join("scenarios");
    let mut files = Vec::new();
    for entry in std::fs::read_dir(&dir)? {
        let path = entry?.path();
        if path.extension().and_then(|e| e.to_str()) == Some("json") {
            let Some(stem) = path.file_stem().and_then(|s| s.to_str()) else {
                continue;
            };
            files.push((stem.to_owned(), path.clone()));
        }
    }
    files.sort();
    let mut sources = String::new();
    let mut table = String::new();
    let mut titles = String::new();
    for (id, path) in &files {
        let p = path.to_str().ok_or("scenario path is not UTF-8")?;
        println!("cargo:rerun-if-changed={p}");
        let json = std::fs::read_to_string(path)?;
        let s = format::parse(&json).map_err(|e| format!("{p}: {e}"))?;
        if s.id != *id {
            return Err(format!("{p}: the id {:?} must be the file name", s.id).into());
        }
        writeln!(sources, "    ({id:?}, {:?}),", minify(&json))?;
        writeln!(table, "    &{:?},", format::wire::encode(&s))?;
        writeln!(titles, "    [{:?}, {:?}],", s.id, s.title)?;
    }
    if !files.iter().any(|(id, _)| id == SEED_ID) {
        return Err("no core/scenarios/hotplug-cpu0.json: the seed must be built in".into());
    }
    let out = format!(
        "/// Every built-in scenario as `format::parse` read its file, sorted by id.\n\
         static TABLE: &[&[u8]] = &[\n{table}];\n\
         /// The seed's id.\n\
         pub const SEED_ID: &str = {SEED_ID:?};\n\
         /// Each entry's id and title.\n\
         static TITLES: &[[&str; 2]] = &[\n{titles}];\n\
         /// (id, JSON source) of every built-in, sorted.\n\
         #[cfg(test)]\n\
         pub(crate) static FILES: &[(&str, &str)] = &[\n{sources}];\n"
    );
    let dest = PathBuf::from(std::env::var("OUT_DIR")?).join("builtin_scenarios.rs");
    std::fs::write(dest, out)?;
    Ok(())
}
