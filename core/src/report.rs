//! Text renderings of a trace for the CLI and for documentation: per
//! profile, one row per step with the label, IF, SPIV enable, IRR, ISR (hex
//! vectors, `-` when empty), warnings and the checkpoint result.

use crate::apic::hex;
use crate::format::Profile;
use crate::trace::{ProfileTrace, State, Trace, VectorBits};

const HEADERS: [&str; 8] = [
    "step",
    "label",
    "IF",
    "SPIV enable",
    "IRR",
    "ISR",
    "warnings",
    "expect",
];

fn vectors(v: &VectorBits) -> String {
    if v.is_empty() {
        "-".into()
    } else {
        v.iter().map(hex).collect::<Vec<_>>().join(" ")
    }
}

fn row(s: &State) -> [String; 8] {
    [
        s.step.to_string(),
        s.label.to_string(),
        u8::from(s.if_flag).to_string(),
        u8::from(s.spiv & (1 << 8) != 0).to_string(),
        vectors(&s.irr),
        vectors(&s.isr),
        s.warnings.join(" / "),
        match &s.expect {
            None => String::new(),
            Some(e) if e.ok => "ok".into(),
            Some(_) => "FAIL".into(),
        },
    ]
}

/// The heading of a profile: its human name, or the raw id if unknown.
fn profile_title(p: &ProfileTrace) -> String {
    match Profile::from_id(&p.profile) {
        Some(profile) => format!("{} ({})", profile.title(), profile.id()),
        None => p.profile.clone(),
    }
}

/// Aligned plain-text tables, one per profile.
pub fn table(trace: &Trace) -> String {
    let mut out = String::new();
    out.push_str(&format!("scenario: {}\n", trace.scenario));
    for p in &trace.profiles {
        out.push('\n');
        out.push_str(&format!("== {} ==\n", profile_title(p)));
        let rows: Vec<[String; 8]> = p.states.iter().map(row).collect();
        let mut widths = HEADERS.map(|h| h.chars().count());
        for r in &rows {
            for (w, cell) in widths.iter_mut().zip(r.iter()) {
                *w = (*w).max(cell.chars().count());
            }
        }
        let line = |cells: &[String]| {
            let mut l = cells
                .iter()
                .zip(widths.iter())
                .map(|(c, w)| format!("{c:<w$}"))
                .collect::<Vec<_>>()
                .join("  ");
            l.truncate(l.trim_end().len());
            l.push('\n');
            l
        };
        out.push_str(&line(&HEADERS.map(String::from)));
        out.push_str(&line(&widths.map(|w| "-".repeat(w))));
        for r in &rows {
            out.push_str(&line(r));
        }
    }
    out
}

fn md_cell(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace('\n', " ")
}

/// Markdown, ready to paste into documentation: a `### <profile name>`
/// heading and a table per profile.
pub fn markdown(trace: &Trace) -> String {
    let mut out = String::new();
    for (i, p) in trace.profiles.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&format!("### {}\n\n", profile_title(p)));
        out.push_str(&format!("| {} |\n", HEADERS.join(" | ")));
        out.push_str("|---:|---|:-:|:-:|---|---|---|:-:|\n");
        for s in &p.states {
            let r = row(s);
            // Warnings are kernel output: shown as code. Everything else is text.
            let cells: Vec<String> = r
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    if i == 6 && !c.is_empty() {
                        format!("`{}`", md_cell(&c.replace('`', "'")))
                    } else {
                        md_cell(c)
                    }
                })
                .collect();
            out.push_str(&format!("| {} |\n", cells.join(" | ")));
        }
    }
    out
}
