//! Evaluates an `expect` step against the state after the step before it.

use crate::apic::hex;
use crate::scenario::Expect;
use crate::trace::{ExpectResult, State};

fn vecs(v: &[u8]) -> String {
    format!(
        "[{}]",
        v.iter().map(|x| hex(*x)).collect::<Vec<_>>().join(",")
    )
}

/// Compare every field the checkpoint names; `warned` is whether the guest
/// has printed a warning at any step so far.
pub(crate) fn evaluate(e: &Expect, s: &State, warned: bool) -> ExpectResult {
    let mut diffs: Vec<String> = Vec::new();
    let mut check = |name: &str, want: String, got: String| {
        if want != got {
            diffs.push(format!("{name}: expected {want}, got {got}"));
        }
    };
    if let Some(v) = &e.irr {
        check("irr", vecs(v), vecs(&s.irr));
    }
    if let Some(v) = &e.isr {
        check("isr", vecs(v), vecs(&s.isr));
    }
    if let Some(v) = &e.tmr {
        check("tmr", vecs(v), vecs(&s.tmr));
    }
    if let Some(v) = e.tpr {
        check("tpr", format!("{v:#04x}"), format!("{:#04x}", s.tpr));
    }
    if let Some(v) = e.ppr {
        check("ppr", format!("{v:#04x}"), format!("{:#04x}", s.ppr));
    }
    if let Some(v) = e.spiv {
        check("spiv", format!("{v:#x}"), format!("{:#x}", s.spiv));
    }
    if let Some(v) = e.sw_enabled {
        check("sw_enabled", v.to_string(), s.sw_enabled.to_string());
    }
    if let Some(v) = e.if_flag {
        check(
            "if",
            u8::from(v).to_string(),
            u8::from(s.if_flag).to_string(),
        );
    }
    if let Some(v) = e.cpu {
        check("cpu", v.as_str().into(), s.cpu.as_str().into());
    }
    for (name, want, got) in [
        ("lvt_timer", e.lvt_timer, s.lvt_timer),
        ("lvt_lint0", e.lvt_lint0, s.lvt_lint0),
        ("lvt_lint1", e.lvt_lint1, s.lvt_lint1),
        ("lvt_error", e.lvt_error, s.lvt_error),
        ("lvt_pmc", e.lvt_pmc, s.lvt_pmc),
        ("lvt_thermal", e.lvt_thermal, s.lvt_thermal),
    ] {
        if let Some(w) = want {
            check(name, format!("{w:#x}"), format!("{got:#x}"));
        }
    }
    if let Some(v) = e.warn {
        check("warn", v.to_string(), warned.to_string());
    }
    if diffs.is_empty() {
        ExpectResult {
            ok: true,
            detail: format!("{}: ok", e.describe()),
        }
    } else {
        ExpectResult {
            ok: false,
            detail: diffs.join("; "),
        }
    }
}
