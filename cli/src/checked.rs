//! `apic-trace checked`: for each built-in scenario recorded on a real
//! system (the host's KVM in kvm/recorded/, QEMU in kvm/recorded-qemu/),
//! how many of its states the model profile the system stood for agrees with, written as the Rust table the page shows
//! ("checked against Linux 6.18 KVM: 21/21 states agree"). The page carries
//! no JSON reader, so the summary is generated here and committed as
//! src/checked.rs; a test fails when it is stale.

use std::fmt::Write as _;
use std::path::Path;

use apic_core::format::{parse, Field, Op, Profile, Scenario};
use apic_core::trace::ProfileTrace;
use apic_core::{builtin, engine};
use apic_kvm::hostcmp;

/// Whether two scenarios perform the same operations (labels and notes may
/// have been reworded since the recording, and a checkpoint may have been
/// given fields to predict: `predict` only tells the page what to hide,
/// it changes no state and checks nothing).
fn same_ops(a: &Scenario, b: &Scenario) -> bool {
    a.handlers == b.handlers
        && a.processor == b.processor
        && a.steps.len() == b.steps.len()
        && a.steps
            .iter()
            .zip(&b.steps)
            .all(|(x, y)| match (&x.op, &y.op) {
                (Op::Note { .. }, Op::Note { .. }) => true,
                (Op::Expect(p), Op::Expect(q)) => p.profiles == q.profiles && p.checks == q.checks,
                (p, q) => p == q,
            })
}

/// A string as a Rust literal.
fn lit(s: &str) -> String {
    format!("{s:?}")
}

/// A line of a recording's `host` list that starts with `key:`, trimmed.
fn host_line(doc: &serde_json::Value, key: &str) -> Option<String> {
    doc.get("host")?
        .as_array()?
        .iter()
        .filter_map(|l| l.as_str())
        .find_map(|l| l.strip_prefix(key))
        .and_then(|l| l.strip_prefix(':'))
        .map(|l| l.trim().to_owned())
}

/// The page's name for the real system a recording was made on, and the
/// line that says more: "Linux 6.18.44 KVM" and "Linux 6.18.44-fc-v857,
/// module kvm_pvm"; "QEMU 7.2.22 (TCG)" and QEMU's own version line.
fn system(doc: &serde_json::Value) -> (String, String) {
    if let Some(qemu) = host_line(doc, "qemu") {
        let version = qemu
            .split_whitespace()
            .skip_while(|w| *w != "version")
            .nth(1)
            .unwrap_or_default();
        return (format!("QEMU {version} (TCG)"), qemu);
    }
    let kernel = host_line(doc, "kernel").unwrap_or_default();
    let module = host_line(doc, "module")
        .and_then(|m| m.split_whitespace().next().map(str::to_owned))
        .unwrap_or_default();
    let short = kernel.split('-').next().unwrap_or(&kernel).to_owned();
    (format!("{short} KVM"), format!("{kernel}, module {module}"))
}

/// The generated source of src/checked.rs, from the recordings in `dirs`
/// (each with the quirks of its runner and the `--against` target that
/// makes such a run).
pub fn source(dirs: &[(&Path, &'static [hostcmp::Quirk], &str)]) -> Result<String, String> {
    let mut rows = String::new();
    for (dir, quirks_known, against) in dirs {
        let mut files: Vec<_> = std::fs::read_dir(dir)
            .map_err(|e| format!("{}: {e}", dir.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        files.sort();
        for f in &files {
            let text = std::fs::read_to_string(f).map_err(|e| format!("{}: {e}", f.display()))?;
            let doc: serde_json::Value =
                serde_json::from_str(&text).map_err(|e| format!("{}: {e}", f.display()))?;
            let field = |k: &str| doc.get(k).cloned().unwrap_or(serde_json::Value::Null);
            let recorded = parse(&field("scenario").to_string())
                .map_err(|e| format!("{}: {e}", f.display()))?;
            let Some(current) = builtin::get(&recorded.id) else {
                continue;
            };
            if !same_ops(&current, &recorded) {
                continue;
            }
            let host: ProfileTrace = serde_json::from_value(field("trace"))
                .map_err(|e| format!("{}: trace: {e}", f.display()))?;
            let profile = field("stands_for")
                .as_str()
                .and_then(Profile::from_id)
                .ok_or_else(|| format!("{}: no stands_for profile", f.display()))?;
            let left_out: Vec<Field> = field("unobservable")
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|v| v.as_str().and_then(Field::from_name))
                        .collect()
                })
                .unwrap_or_default();
            let (system, detail) = system(&doc);
            let model = engine::run(&current, profile);
            let c = hostcmp::compare_with(quirks_known, &recorded, &model, &host, &left_out);
            let agree = c.states - c.differing_states().len();
            let mut quirks: Vec<&str> = c.explained.iter().map(|e| e.quirk.id).collect();
            quirks.dedup();
            let left: Vec<&str> = left_out.iter().map(|f| f.name()).collect();
            writeln!(
                rows,
                "    Checked {{ id: {}, system: {}, detail: {}, against: {}, profile: {}, agree: {agree}, states: {}, left_out: {}, quirks: {} }},",
                lit(&current.id),
                lit(&system),
                lit(&detail),
                lit(against),
                lit(profile.id()),
                c.states,
                lit(&left.join(", ")),
                lit(&quirks.join(", ")),
            )
            .map_err(|e| e.to_string())?;
        }
    }
    Ok(format!(
        "//! Generated by `apic-trace checked` from kvm/recorded/ and\n\
         //! kvm/recorded-qemu/: each built-in scenario recorded on a real system\n\
         //! (the host's KVM, Debian's QEMU), and how many of its states the model\n\
         //! profile that system stands for agrees with. Do not edit; regenerate\n\
         //! with `cargo run -p apic-trace -- checked > src/checked.rs`.\n\n\
         /// One built-in checked against a real system.\n\
         pub struct Checked {{\n    \
         /// The scenario.\n    pub id: &'static str,\n    \
         /// The system, as the page names it (`Linux 6.18.44 KVM`, `QEMU 7.2.22 (TCG)`).\n    pub system: &'static str,\n    \
         /// More on it: the kernel and KVM module, or QEMU's version line.\n    pub detail: &'static str,\n    \
         /// The `apic-trace --against` target that runs a scenario there.\n    pub against: &'static str,\n    \
         /// The model profile the system stands for.\n    pub profile: &'static str,\n    \
         /// States in which the model and the system agree.\n    pub agree: usize,\n    \
         /// States compared.\n    pub states: usize,\n    \
         /// Fields the system cannot show, left out.\n    pub left_out: &'static str,\n    \
         /// Documented quirks of its runner that explain a difference.\n    pub quirks: &'static str,\n\
         }}\n\n\
         /// Every built-in recorded on a real system, by system and id.\n\
         pub static CHECKED: &[Checked] = &[\n{rows}];\n"
    ))
}
