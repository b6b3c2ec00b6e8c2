//! Embeds every `scenarios/*.json` file: writes `$OUT_DIR/builtin_table.rs`
//! with two tables sorted by file name, so that adding a scenario file needs
//! no Rust change:
//!
//! - `FILES`: (id, JSON source). The files on disk stay pretty-printed for
//!   people; the embedded copy has the whitespace between JSON tokens
//!   removed.
//! - `TABLE`: each scenario already read into static data (`builtin/table.rs`
//!   has the types), so a program that only shows the built-ins (the web
//!   page) carries neither the JSON text nor a JSON reader. Reading here is
//!   plain transcription: every check stays in `scenario::parse`, and a unit
//!   test of `builtin.rs` requires `TABLE` to hold exactly what `parse`
//!   makes of each file. A file this script cannot transcribe gets no entry
//!   (`None`), just as `parse` rejecting it leaves it out.

use std::fmt::Write as _;
use std::path::PathBuf;

use serde_json::{Map, Value};

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

/// `lvt_timer` -> `LvtTimer`, `setup_local_APIC` -> `SetupLocalApic`,
/// `kvm-apicv` -> `KvmApicv`: the Rust variant of a format name. A name
/// with no such variant fails to compile rather than to load.
fn variant(name: &str) -> Option<String> {
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        return None;
    }
    let mut out = String::new();
    for part in name.split(['_', '-']) {
        let mut chars = part.chars();
        let first = chars.next()?;
        out.push(first.to_ascii_uppercase());
        out.extend(chars.map(|c| c.to_ascii_lowercase()));
    }
    Some(out)
}

/// A number, or a `"0x..."` string, as `scenario::number` reads it.
fn number(v: &Value) -> Option<u64> {
    match v {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => {
            let digits = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X"))?;
            u64::from_str_radix(digits, 16).ok()
        }
        _ => None,
    }
}

fn text(v: Option<&Value>) -> Option<Option<String>> {
    match v {
        None => Some(None),
        Some(Value::String(s)) => Some(Some(format!("{s:?}"))),
        Some(_) => None,
    }
}

fn option(v: Option<String>) -> String {
    v.map_or_else(|| "None".to_owned(), |v| format!("Some({v})"))
}

/// An `expect` step's fields as an `ExpectEntry` expression.
fn expect(obj: &Map<String, Value>) -> Option<String> {
    let vectors = |field: &str| -> Option<Option<String>> {
        let Some(v) = obj.get(field) else {
            return Some(None);
        };
        let mut list = v
            .as_array()?
            .iter()
            .map(|x| number(x).and_then(|n| u8::try_from(n).ok()))
            .collect::<Option<Vec<u8>>>()?;
        list.sort_unstable();
        if list.windows(2).any(|w| w.first() == w.get(1)) {
            return None;
        }
        Some(Some(format!("&{list:?}")))
    };
    let scalar = |field: &str, bits: u32| -> Option<Option<String>> {
        let Some(v) = obj.get(field) else {
            return Some(None);
        };
        let n = number(v)?;
        (n >> bits == 0).then(|| Some(format!("{n:#x}")))
    };
    let boolean = |field: &str| -> Option<Option<String>> {
        match obj.get(field) {
            None => Some(None),
            Some(Value::Bool(b)) => Some(Some(b.to_string())),
            Some(_) => None,
        }
    };
    let profiles = match obj.get("profiles") {
        None => None,
        Some(v) => {
            let mut ids: Vec<String> = Vec::new();
            for p in v.as_array()? {
                let id = format!("Profile::{}", variant(p.as_str()?)?);
                if !ids.contains(&id) {
                    ids.push(id);
                }
            }
            if ids.is_empty() {
                return None;
            }
            Some(format!("&[{}]", ids.join(", ")))
        }
    };
    let cpu = match obj.get("cpu") {
        None => None,
        Some(v) => Some(format!("CpuRun::{}", variant(v.as_str()?)?)),
    };
    let fields = [
        ("profiles", Some(profiles)),
        ("irr", vectors("irr")),
        ("isr", vectors("isr")),
        ("tmr", vectors("tmr")),
        ("tpr", scalar("tpr", 8)),
        ("ppr", scalar("ppr", 8)),
        ("spiv", scalar("spiv", 32)),
        ("sw_enabled", boolean("sw_enabled")),
        ("if_flag", boolean("if")),
        ("cpu", Some(cpu)),
        ("lvt_timer", scalar("lvt_timer", 32)),
        ("lvt_lint0", scalar("lvt_lint0", 32)),
        ("lvt_lint1", scalar("lvt_lint1", 32)),
        ("lvt_error", scalar("lvt_error", 32)),
        ("lvt_pmc", scalar("lvt_pmc", 32)),
        ("lvt_thermal", scalar("lvt_thermal", 32)),
        ("warn", boolean("warn")),
    ];
    let mut out = String::from("OpEntry::Expect(ExpectEntry { ");
    for (name, value) in fields {
        write!(out, "{name}: {}, ", option(value?)).ok()?;
    }
    out.push_str("})");
    Some(out)
}

/// One step as a `StepEntry` expression.
fn step(v: &Value) -> Option<String> {
    let obj = v.as_object()?;
    let op_name = obj.get("do")?.as_str()?;
    let vector = |field: &str| {
        obj.get(field)
            .and_then(number)
            .and_then(|n| u8::try_from(n).ok())
    };
    let op = match op_name {
        "write" => format!(
            "OpEntry::Op(Op::Write {{ reg: Reg::{}, value: {:#x} }})",
            variant(obj.get("reg")?.as_str()?)?,
            number(obj.get("value")?)?
        ),
        "irq" => format!(
            "OpEntry::Op(Op::Irq {{ vector: {:#x}, level: {} }})",
            vector("vector")?,
            match obj.get("level") {
                None => false,
                Some(l) => l.as_bool()?,
            }
        ),
        "self_ipi" | "sipi" => format!(
            "OpEntry::Op(Op::{} {{ vector: {:#x} }})",
            variant(op_name)?,
            vector("vector")?
        ),
        "linux" => format!(
            "OpEntry::Op(Op::Linux {{ routine: Routine::{} }})",
            variant(obj.get("routine")?.as_str()?)?
        ),
        "note" => format!("OpEntry::Note({:?})", obj.get("text")?.as_str()?),
        "expect" => expect(obj)?,
        "cli" | "sti" | "hlt" | "nmi" | "init" | "timer_fire" | "eoi" => {
            format!("OpEntry::Op(Op::{})", variant(op_name)?)
        }
        _ => return None,
    };
    Some(format!(
        "StepEntry {{ op: {op}, label: {}, note: {} }}",
        option(text(obj.get("label"))?),
        option(text(obj.get("note"))?)
    ))
}

/// A whole scenario as a `ScenarioEntry` expression, `None` when the file
/// is not one this script can transcribe.
fn scenario(json: &str) -> Option<String> {
    let top: Value = serde_json::from_str(json).ok()?;
    let top = top.as_object()?;
    let handlers = match top.get("handlers") {
        None => "AutoEoi".to_owned(),
        Some(h) => variant(h.as_str()?)?,
    };
    let steps = top
        .get("steps")?
        .as_array()?
        .iter()
        .map(step)
        .collect::<Option<Vec<String>>>()?;
    Some(format!(
        "ScenarioEntry {{ id: {:?}, title: {:?}, summary: {:?}, handlers: Handlers::{handlers}, steps: &[\n        {}\n    ] }}",
        top.get("id")?.as_str()?,
        top.get("title")?.as_str()?,
        match top.get("summary") {
            None => "",
            Some(s) => s.as_str()?,
        },
        steps.join(",\n        ")
    ))
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
    let mut table = String::new();
    for (id, path) in &files {
        let p = path.to_str().ok_or("scenario path is not UTF-8")?;
        println!("cargo:rerun-if-changed={p}");
        let json = std::fs::read_to_string(path)?;
        writeln!(sources, "    ({id:?}, {:?}),", minify(&json))?;
        writeln!(table, "    ({id:?}, {}),", option(scenario(&json)))?;
    }
    let out = format!(
        "/// (id, JSON source) of every built-in scenario, sorted by file name.\n\
         pub(crate) static FILES: &[(&str, &str)] = &[\n{sources}];\n\n\
         /// (id, the scenario as `parse` reads it) of every built-in, sorted by file name.\n\
         pub(crate) static TABLE: &[(&str, Option<ScenarioEntry>)] = &[\n{table}];\n"
    );
    let dest = PathBuf::from(std::env::var("OUT_DIR")?).join("builtin_table.rs");
    std::fs::write(dest, out)?;
    Ok(())
}
