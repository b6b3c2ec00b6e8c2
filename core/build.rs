//! Embeds every `scenarios/*.json` file: writes `$OUT_DIR/builtin_files.rs`
//! with `FILES`, (id, JSON source) sorted by file name, so that adding a
//! scenario file needs no Rust change. The files on disk stay
//! pretty-printed for people; the embedded copy has the whitespace between
//! JSON tokens removed. Nothing here reads the format: `format::parse`
//! does, at run time.

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
    for (id, path) in &files {
        let p = path.to_str().ok_or("scenario path is not UTF-8")?;
        println!("cargo:rerun-if-changed={p}");
        let json = std::fs::read_to_string(path)?;
        writeln!(sources, "    ({id:?}, {:?}),", minify(&json))?;
    }
    let out = format!(
        "/// (id, JSON source) of every built-in scenario, sorted by file name.\n\
         pub(crate) static FILES: &[(&str, &str)] = &[\n{sources}];\n"
    );
    let dest = PathBuf::from(std::env::var("OUT_DIR")?).join("builtin_files.rs");
    std::fs::write(dest, out)?;
    Ok(())
}
