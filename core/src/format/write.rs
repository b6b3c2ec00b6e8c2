//! The writer of format v1: a scenario as JSON text that `parse` reads
//! back to the same scenario, one step per line so that a diff or an
//! editor shows one step as one line. Register values and vectors are
//! written in hex strings (`"0x1ff"`), as people write them.

use super::{hex, FieldValue, Op, Scenario, Step};

/// A JSON string literal (quotes and escapes as RFC 8259 section 7), by
/// hand: the page writes scenarios without carrying serde_json.
fn string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if u32::from(c) < 0x20 => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn step(s: &Step) -> String {
    let mut parts = vec![format!("\"do\": {}", string(s.op.name().name()))];
    match &s.op {
        Op::Write { reg, value } => {
            parts.push(format!("\"reg\": {}", string(reg.name())));
            parts.push(format!("\"value\": \"{value:#x}\""));
        }
        Op::Irq { vector, level } => {
            parts.push(format!("\"vector\": \"{}\"", hex(*vector)));
            if *level {
                parts.push("\"level\": true".into());
            }
        }
        Op::SelfIpi { vector } | Op::Sipi { vector } => {
            parts.push(format!("\"vector\": \"{}\"", hex(*vector)));
        }
        Op::Linux { routine } => parts.push(format!("\"routine\": {}", string(routine.name()))),
        Op::Note { text } => parts.push(format!("\"text\": {}", string(text))),
        Op::Expect(e) => {
            if let Some(ps) = &e.profiles {
                let ids: Vec<String> = ps.iter().map(|p| string(p.name())).collect();
                parts.push(format!("\"profiles\": [{}]", ids.join(", ")));
            }
            for (field, value) in &e.checks {
                let v = match value {
                    FieldValue::Vectors(v) => format!(
                        "[{}]",
                        v.iter()
                            .map(|x| format!("\"{}\"", hex(*x)))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                    FieldValue::Number(n) => format!("\"{n:#x}\""),
                    FieldValue::Bool(b) => b.to_string(),
                    FieldValue::Cpu(c) => string(c.name()),
                };
                parts.push(format!("{}: {v}", string(field.name())));
            }
            if let Some(fields) = &e.predict {
                let names: Vec<String> = fields.iter().map(|f| string(f.name())).collect();
                parts.push(format!("\"predict\": [{}]", names.join(", ")));
            }
        }
        Op::Cli | Op::Sti | Op::Hlt | Op::Nmi | Op::Init | Op::TimerFire | Op::Eoi => {}
    }
    if let Some(l) = &s.label {
        parts.push(format!("\"label\": {}", string(l)));
    }
    if let Some(n) = &s.note {
        parts.push(format!("\"note\": {}", string(n)));
    }
    format!("{{ {} }}", parts.join(", "))
}

/// The scenario as format-v1 JSON text.
pub fn to_json(s: &Scenario) -> String {
    let steps: Vec<String> = s
        .steps
        .iter()
        .map(|st| format!("    {}", step(st)))
        .collect();
    let steps = if steps.is_empty() {
        "[]".to_owned()
    } else {
        format!("[\n{}\n  ]", steps.join(",\n"))
    };
    format!(
        "{{\n  \"id\": {},\n  \"title\": {},\n  \"summary\": {},\n  \"handlers\": {},\n  \"processor\": {},\n  \"steps\": {steps}\n}}\n",
        string(&s.id),
        string(&s.title),
        string(&s.summary),
        string(s.handlers.name()),
        string(s.processor.name()),
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::super::parse;
    use super::*;

    #[test]
    fn writes_what_parse_reads_back() {
        let text = r#"{"id":"w","title":"T \"q\"","summary":"","handlers":"manual","processor":"ap","steps":[
            {"do":"write","reg":"icr","value":"0xff000000000400ec","label":"l","note":"n"},
            {"do":"irq","vector":49,"level":true},{"do":"sipi","vector":"0x9a"},
            {"do":"linux","routine":"setup_local_APIC"},{"do":"note","text":"t\n2"},
            {"do":"expect","profiles":["kvm-emulated"],"irr":["0xec"],"if":true,"cpu":"wait_for_sipi","tpr":"0x20"},
            {"do":"expect","tpr":0,"predict":["ppr","isr"]},
            {"do":"timer_fire"}]}"#;
        let s = parse(text).unwrap();
        let written = to_json(&s);
        assert_eq!(parse(&written).unwrap(), s, "{written}");
        assert!(
            written.contains(r#"{ "do": "irq", "vector": "0x31", "level": true }"#),
            "{written}"
        );
        assert!(
            written.contains(r#""tpr": "0x0", "predict": ["isr", "ppr"] }"#),
            "{written}"
        );
    }

    /// The hand-written escaping writes what serde_json writes (RFC 8259
    /// section 7), for every control character and a few others.
    #[test]
    fn strings_escaped_as_serde_json_does() {
        let mut all: String = (0u32..0x80).filter_map(char::from_u32).collect();
        all.push_str("é€😀\u{2028}\u{7f}");
        for c in all.chars() {
            let one = c.to_string();
            assert_eq!(string(&one), serde_json::to_string(&one).unwrap(), "{c:?}");
        }
        assert_eq!(string(&all), serde_json::to_string(&all).unwrap());
    }
}
