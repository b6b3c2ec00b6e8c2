//! Embeds every `scenarios/*.json` file: writes `$OUT_DIR/builtin_table.rs`,
//! a table of (id, include_str!(path)) sorted by file name, so that adding a
//! scenario file needs no Rust change.

use std::fmt::Write as _;
use std::path::PathBuf;

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
    let mut out =
        String::from("/// (id, JSON source) of every built-in scenario, sorted by file name.\n");
    out.push_str("pub(crate) static FILES: &[(&str, &str)] = &[\n");
    for (id, path) in &files {
        let p = path.to_str().ok_or("scenario path is not UTF-8")?;
        writeln!(out, "    ({id:?}, include_str!({p:?})),")?;
    }
    out.push_str("];\n");
    let dest = PathBuf::from(std::env::var("OUT_DIR")?).join("builtin_table.rs");
    std::fs::write(dest, out)?;
    Ok(())
}
