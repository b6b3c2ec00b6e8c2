//! A JSON Schema (draft 2020-12) of format v1, made from the same declared
//! names and limits the reader uses, so that an editor validates a file
//! that names it with `"$schema"`. The reader stays the authority: the
//! schema cannot say everything it checks (a vector written once as a
//! number and once in hex is a repeat the reader rejects), but every file
//! the reader accepts validates, and a test holds the committed copy,
//! `www/scenario.schema.json`, to this function.

use serde_json::{json, Map, Value};

use super::{CpuRun, Field, Handlers, Kind, OpName, Processor, Profile, Reg, Routine, MAX_STEPS};

fn names<'a>(list: impl Iterator<Item = &'a str>) -> Value {
    Value::Array(list.map(|n| Value::String(n.to_owned())).collect())
}

/// A number as the reader takes it: an integer up to `max`, or a `"0x..."`
/// string of at most `digits` significant hex digits.
fn number(max: u64, digits: u32) -> Value {
    json!({
        "oneOf": [
            { "type": "integer", "minimum": 0, "maximum": max },
            { "type": "string", "pattern": format!("^0[xX]0*[0-9a-fA-F]{{1,{digits}}}$") }
        ]
    })
}

/// A step of operation `op` with its own `fields` (name, schema), of which
/// `required` must be present; `do`, `label` and `note` come with every step.
fn step(op: OpName, fields: Vec<(&str, Value)>, required: &[&str], extra: Option<Value>) -> Value {
    let mut props = Map::new();
    props.insert("do".into(), json!({ "const": op.name() }));
    props.insert("label".into(), json!({ "type": "string" }));
    props.insert("note".into(), json!({ "type": "string" }));
    for (name, schema) in fields {
        props.insert(name.into(), schema);
    }
    let mut req = vec!["do"];
    req.extend_from_slice(required);
    let mut s = json!({
        "type": "object",
        "properties": props,
        "required": req,
        "additionalProperties": false
    });
    if let (Some(extra), Some(obj)) = (extra, s.as_object_mut()) {
        if let Some(e) = extra.as_object() {
            obj.extend(e.clone());
        }
    }
    s
}

fn field_schema(kind: Kind) -> Value {
    match kind {
        Kind::Vectors => json!({ "type": "array", "items": { "$ref": "#/$defs/vector" } }),
        Kind::U8 => json!({ "$ref": "#/$defs/u8" }),
        Kind::U32 => json!({ "$ref": "#/$defs/u32" }),
        Kind::Bool => json!({ "type": "boolean" }),
        Kind::Cpu => json!({ "enum": names(CpuRun::names()) }),
    }
}

/// The schema as a JSON value.
pub fn schema() -> Value {
    let wide: Vec<&str> = Reg::names()
        .filter(|n| Reg::from_name(n).is_some_and(|r| r.width_bits() == 64))
        .collect();
    let narrow: Vec<&str> = Reg::names()
        .filter(|n| Reg::from_name(n).is_some_and(|r| r.width_bits() < 64))
        .collect();
    let vector = || json!({ "$ref": "#/$defs/vector" });
    let mut steps = Vec::new();
    for op in OpName::names().filter_map(OpName::from_name) {
        match op {
            OpName::Write => {
                steps.push(step(
                    op,
                    vec![
                        ("reg", json!({ "enum": names(narrow.iter().copied()) })),
                        ("value", json!({ "$ref": "#/$defs/u32" })),
                    ],
                    &["reg", "value"],
                    None,
                ));
                steps.push(step(
                    op,
                    vec![
                        ("reg", json!({ "enum": names(wide.iter().copied()) })),
                        ("value", json!({ "$ref": "#/$defs/u64" })),
                    ],
                    &["reg", "value"],
                    None,
                ));
            }
            OpName::Irq => steps.push(step(
                op,
                vec![
                    ("vector", vector()),
                    ("level", json!({ "type": "boolean" })),
                ],
                &["vector"],
                None,
            )),
            OpName::SelfIpi | OpName::Sipi => {
                steps.push(step(op, vec![("vector", vector())], &["vector"], None))
            }
            OpName::Linux => steps.push(step(
                op,
                vec![("routine", json!({ "enum": names(Routine::names()) }))],
                &["routine"],
                None,
            )),
            OpName::Note => steps.push(step(
                op,
                vec![("text", json!({ "type": "string" }))],
                &["text"],
                None,
            )),
            OpName::Expect => {
                let mut fields = vec![(
                    "profiles",
                    json!({ "type": "array", "minItems": 1, "items": { "enum": names(Profile::names()) } }),
                )];
                fields.extend(
                    Field::all()
                        .iter()
                        .map(|f| (f.name(), field_schema(f.kind()))),
                );
                fields.push((
                    "predict",
                    json!({ "type": "array", "minItems": 1, "uniqueItems": true, "items": { "enum": names(Field::names()) } }),
                ));
                let any: Vec<Value> = Field::all()
                    .iter()
                    .map(|f| json!({ "required": [f.name()] }))
                    .collect();
                steps.push(step(op, fields, &[], Some(json!({ "anyOf": any }))));
            }
            OpName::Cli
            | OpName::Sti
            | OpName::Hlt
            | OpName::Nmi
            | OpName::Init
            | OpName::TimerFire
            | OpName::Eoi => {
                steps.push(step(op, Vec::new(), &[], None));
            }
        }
    }
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "scenario.schema.json",
        "title": "APIC playground scenario (format v1)",
        "description": "A scenario for the APIC playground and apic-trace: steps a CPU's local APIC goes through. The reader (apic-trace check FILE) is the authority; this schema lets editors check files as they are written.",
        "type": "object",
        "properties": {
            "$schema": { "type": "string" },
            "id": { "type": "string", "pattern": "^[A-Za-z0-9_-]{1,64}$" },
            "title": { "type": "string" },
            "summary": { "type": "string" },
            "handlers": { "enum": names(Handlers::names()) },
            "processor": { "enum": names(Processor::names()) },
            "steps": { "type": "array", "maxItems": MAX_STEPS, "items": { "$ref": "#/$defs/step" } }
        },
        "required": ["id", "title", "steps"],
        "additionalProperties": false,
        "$defs": {
            "vector": number(0xff, 2),
            "u8": number(0xff, 2),
            "u32": number(0xffff_ffff, 8),
            "u64": number(u64::MAX, 16),
            "step": { "oneOf": steps }
        }
    })
}

/// The schema as the text of `www/scenario.schema.json`.
pub fn schema_text() -> String {
    let mut text = serde_json::to_string_pretty(&schema()).unwrap_or_default();
    text.push('\n');
    text
}
