//! The reader of format v1, used by the CLI, the page and the built-ins
//! alike. Two stages: the scenario's own fields with each step kept as raw
//! JSON text, then per step its `do`, then that operation's fields. Unknown
//! fields are errors; every error says where (step number as the trace
//! counts them, from 1; the operation; the field; line and column in the
//! text) and what was expected. Values out of range are errors, never
//! truncated. Nothing here panics, and the input is capped in size.

use std::cell::RefCell;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde::Deserialize;
use serde_json::value::RawValue;

use super::{
    CpuRun, Expect, Field, FieldValue, Handlers, Kind, Op, OpName, Processor, Profile, Reg,
    Routine, Scenario, Step,
};

/// A scenario may have at most this many steps.
pub const MAX_STEPS: usize = 10_000;
/// A scenario's text may be at most this long (1 MiB): enough for
/// `MAX_STEPS` steps with notes, small enough to read at once in a page.
pub const MAX_BYTES: usize = 1 << 20;

/// A scenario that could not be read: where, and what was expected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FormatError {
    /// The whole message, with its place in words.
    pub message: String,
    /// The step (from 1), when the error is inside one.
    pub step: Option<usize>,
    /// The field, when one is to blame.
    pub field: Option<String>,
    /// Line (from 1) of the error in the text, 0 when unknown.
    pub line: usize,
    /// Column (from 1), 0 when unknown.
    pub column: usize,
}

impl std::fmt::Display for FormatError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for FormatError {}

/// Where in the text: (line, column), from 1.
type Pos = (usize, usize);

fn position_of(text: &str, offset: usize) -> Pos {
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// The message of a serde_json error without its " at line L column C".
fn bare_message(e: &serde_json::Error) -> String {
    let full = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    full.strip_suffix(&suffix).unwrap_or(&full).to_owned()
}

/// The name between the first pair of backticks of a serde message
/// (`unknown field `x`, expected ...`, `missing field `x``).
fn quoted(message: &str) -> Option<&str> {
    let rest = message.split_once('`')?.1;
    Some(rest.split_once('`')?.0)
}

const TOP_FIELDS: &[&str] = &[
    "id",
    "title",
    "summary",
    "handlers",
    "processor",
    "steps",
    "$schema",
];

/// The scenario's own fields, each step kept as raw text for stage two.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Top<'a> {
    /// A JSON Schema reference for editors: accepted and ignored.
    #[serde(rename = "$schema")]
    _schema: Option<IgnoredAny>,
    id: String,
    title: String,
    #[serde(default)]
    summary: String,
    #[serde(default)]
    handlers: Handlers,
    #[serde(default)]
    processor: Processor,
    #[serde(borrow)]
    steps: Vec<&'a RawValue>,
}

/// Read a scenario from JSON text. Never panics.
pub fn parse(json: &str) -> Result<Scenario, FormatError> {
    if json.len() > MAX_BYTES {
        return Err(plain(format!(
            "the scenario is {} bytes long; a scenario may be at most {MAX_BYTES} bytes (1 MiB)",
            json.len()
        )));
    }
    let first = json.trim_start().chars().next();
    if first.is_some() && first != Some('{') {
        return Err(plain(format!(
            "a scenario must be a JSON object with fields id, title, summary, handlers, steps; found {}",
            kind_of(json)
        )));
    }
    let mut de = serde_json::Deserializer::from_str(json);
    let top: Top = serde_path_to_error::deserialize(&mut de)
        .map_err(|e| top_error(e.path().to_string(), e.into_inner()))?;
    de.end().map_err(|e| top_error(String::new(), e))?;
    if top.id.is_empty()
        || top.id.len() > 64
        || !top
            .id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(plain(format!(
            "field `id`: {:?} is not a valid id; expected 1 to 64 characters of a-z, A-Z, 0-9, '-' or '_'",
            top.id
        ))
        .with_field("id"));
    }
    if top.steps.len() > MAX_STEPS {
        return Err(plain(format!(
            "field `steps`: {} steps; a scenario may have at most {MAX_STEPS}",
            top.steps.len()
        ))
        .with_field("steps"));
    }
    let mut steps = Vec::with_capacity(top.steps.len());
    for (i, raw) in top.steps.iter().enumerate() {
        let text = raw.get();
        let offset = (text.as_ptr() as usize).saturating_sub(json.as_ptr() as usize);
        steps.push(read_step(i + 1, text, position_of(json, offset))?);
    }
    Ok(Scenario {
        id: top.id,
        title: top.title,
        summary: top.summary,
        handlers: top.handlers,
        processor: top.processor,
        steps,
    })
}

fn plain(message: String) -> FormatError {
    FormatError {
        message,
        step: None,
        field: None,
        line: 0,
        column: 0,
    }
}

impl FormatError {
    fn with_field(mut self, field: &str) -> FormatError {
        self.field = Some(field.to_owned());
        self
    }
}

fn top_error(path: String, inner: serde_json::Error) -> FormatError {
    let (line, column) = (inner.line(), inner.column());
    let what = bare_message(&inner);
    let at = if line == 0 {
        String::new()
    } else {
        format!(" (line {line}, column {column})")
    };
    let (message, field) = if inner.is_syntax() || inner.is_eof() {
        let message = if line == 0 {
            format!("JSON syntax error: {what}")
        } else {
            format!("JSON syntax error at line {line}, column {column}: {what}")
        };
        (message, None)
    } else if what.starts_with("unknown field") {
        let name = quoted(&what).unwrap_or_default().to_owned();
        (
            format!(
                "unknown field `{name}` in the scenario{at}; expected one of: {}",
                TOP_FIELDS.join(", ")
            ),
            Some(name),
        )
    } else if what.starts_with("missing field") {
        let name = quoted(&what).unwrap_or_default().to_owned();
        (
            format!("missing field `{name}` in the scenario{at}"),
            Some(name),
        )
    } else if path == "." || path.is_empty() {
        (
            format!(
                "a scenario must be a JSON object with fields id, title, summary, handlers, steps{at}: {what}"
            ),
            None,
        )
    } else {
        let field = path.split(['.', '[']).next().unwrap_or_default().to_owned();
        (format!("field `{field}`{at}: {what}"), Some(field))
    };
    FormatError {
        message,
        step: None,
        field,
        line,
        column,
    }
}

/// Where a step is, for its errors.
struct At {
    n: usize,
    op: Option<OpName>,
    start: Pos,
}

impl At {
    fn err(
        &self,
        field: Option<&str>,
        what: impl std::fmt::Display,
        rel: Option<Pos>,
    ) -> FormatError {
        let (line, column) = match rel {
            Some((1, c)) => (self.start.0, self.start.1 + c.saturating_sub(1)),
            Some((l, c)) if l > 1 => (self.start.0 + l - 1, c),
            _ => self.start,
        };
        let mut message = format!("step {}", self.n);
        if let Some(op) = self.op {
            message.push_str(&format!(" (`{op}`)"));
        }
        if let Some(f) = field {
            message.push_str(&format!(", field `{f}`"));
        }
        message.push_str(&format!(" (line {line}, column {column}): {what}"));
        FormatError {
            message,
            step: Some(self.n),
            field: field.map(str::to_owned),
            line,
            column,
        }
    }
}

/// Stage one reads only `do`; every other key is left for stage two.
#[derive(Deserialize)]
struct Head<'a> {
    #[serde(rename = "do", borrow)]
    op: Option<std::borrow::Cow<'a, str>>,
}

fn read_step(n: usize, text: &str, start: Pos) -> Result<Step, FormatError> {
    let mut at = At { n, op: None, start };
    let not_object = || {
        at.err(
            None,
            format!(
                "expected an object with a `do` field, found {}",
                kind_of(text)
            ),
            None,
        )
    };
    if !text.starts_with('{') {
        return Err(not_object());
    }
    let head: Head = serde_json::from_str(text).map_err(|_| {
        at.err(
            None,
            format!(
                "expected an object with a `do` field, found {}",
                kind_of(text)
            ),
            None,
        )
    })?;
    let ops = || OpName::names().collect::<Vec<_>>().join(", ");
    let Some(name) = head.op else {
        return Err(at.err(
            Some("do"),
            format!("missing; expected one of: {}", ops()),
            None,
        ));
    };
    let op =
        OpName::from_name(&name).ok_or_else(|| at.err(Some("do"), OpName::unknown(&name), None))?;
    at.op = Some(op);
    let fields = |op_fields: &[&str]| {
        let mut all: Vec<&str> = op_fields.to_vec();
        all.extend(["label", "note"]);
        all.join(", ")
    };
    macro_rules! stage_two {
        ($ty:ty) => {
            read_fields::<$ty>(&at, text, &fields(<$ty>::FIELDS))?
        };
    }
    let (op, label, note) = match op {
        OpName::Write => {
            let f = stage_two!(WriteFields);
            let width = f.reg.width_bits();
            if width < 64 && f.value.0 >> width != 0 {
                return Err(at.err(
                    Some("value"),
                    format!(
                        "{:#x} is too wide for {} (a {width}-bit register)",
                        f.value.0, f.reg
                    ),
                    None,
                ));
            }
            (
                Op::Write {
                    reg: f.reg,
                    value: f.value.0,
                },
                f.label,
                f.note,
            )
        }
        OpName::Irq => {
            let f = stage_two!(IrqFields);
            (
                Op::Irq {
                    vector: f.vector.0,
                    level: f.level,
                },
                f.label,
                f.note,
            )
        }
        OpName::SelfIpi => {
            let f = stage_two!(VectorFields);
            (Op::SelfIpi { vector: f.vector.0 }, f.label, f.note)
        }
        OpName::Sipi => {
            let f = stage_two!(VectorFields);
            (Op::Sipi { vector: f.vector.0 }, f.label, f.note)
        }
        OpName::Linux => {
            let f = stage_two!(LinuxFields);
            (Op::Linux { routine: f.routine }, f.label, f.note)
        }
        OpName::Note => {
            let f = stage_two!(NoteFields);
            (Op::Note { text: f.text }, f.label, f.note)
        }
        OpName::Expect => {
            let f = read_expect(&at, text, &fields(&expect_fields()))?;
            if f.expect.checks.is_empty() {
                return Err(at.err(
                    None,
                    format!(
                        "names no field to check; expected at least one of: {}",
                        Field::names().collect::<Vec<_>>().join(", ")
                    ),
                    None,
                ));
            }
            (Op::Expect(f.expect), f.label, f.note)
        }
        OpName::Cli
        | OpName::Sti
        | OpName::Hlt
        | OpName::Nmi
        | OpName::Init
        | OpName::TimerFire
        | OpName::Eoi => {
            let f = stage_two!(BareFields);
            let op = match op {
                OpName::Cli => Op::Cli,
                OpName::Sti => Op::Sti,
                OpName::Hlt => Op::Hlt,
                OpName::Nmi => Op::Nmi,
                OpName::Init => Op::Init,
                OpName::TimerFire => Op::TimerFire,
                _ => Op::Eoi,
            };
            (op, f.label, f.note)
        }
    };
    Ok(Step { op, label, note })
}

fn expect_fields() -> Vec<&'static str> {
    let mut v = vec!["profiles", "predict"];
    v.extend(Field::names());
    v
}

/// Stage two: the step's text read as one operation's fields.
fn read_fields<'de, T: Deserialize<'de>>(
    at: &At,
    text: &'de str,
    allowed: &str,
) -> Result<T, FormatError> {
    let mut de = serde_json::Deserializer::from_str(text);
    serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let field = path
            .split(['.', '['])
            .next()
            .filter(|f| !f.is_empty() && *f != "?");
        step_error(at, &e.into_inner(), field, allowed)
    })
}

/// Stage two for `expect`, whose reader says which field it was reading.
fn read_expect(at: &At, text: &str, allowed: &str) -> Result<ExpectStep, FormatError> {
    let current = RefCell::new(None);
    let mut de = serde_json::Deserializer::from_str(text);
    ExpectSeed { current: &current }
        .deserialize(&mut de)
        .map_err(|e| step_error(at, &e, current.borrow().as_deref(), allowed))
}

fn step_error(
    at: &At,
    inner: &serde_json::Error,
    field: Option<&str>,
    allowed: &str,
) -> FormatError {
    let rel = (inner.line() > 0).then(|| (inner.line(), inner.column()));
    let what = bare_message(inner);
    if what.starts_with("unknown field") {
        let name = quoted(&what).unwrap_or_default().to_owned();
        let op = at.op.map(OpName::name).unwrap_or_default();
        return at.err(
            Some(&name),
            format!("unknown field for `{op}`; expected one of: {allowed}"),
            rel,
        );
    }
    if what.starts_with("missing field") {
        let name = quoted(&what).unwrap_or_default().to_owned();
        return at.err(Some(&name), "missing", rel);
    }
    at.err(field, what, rel)
}

/// Declares the fields of one operation: its own, plus `do` (already read),
/// `label` and `note`, which every step may carry.
macro_rules! op_fields {
    ($name:ident { $($(#[$m:meta])* $f:ident : $t:ty),* $(,)? }) => {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct $name {
            #[serde(rename = "do")]
            _op: IgnoredAny,
            label: Option<String>,
            note: Option<String>,
            $($(#[$m])* $f: $t,)*
        }

        impl $name {
            /// The operation's own fields, for messages.
            const FIELDS: &'static [&'static str] = &[$(stringify!($f)),*];
        }
    };
}

op_fields!(BareFields {});
op_fields!(WriteFields {
    reg: Reg,
    value: Num
});
op_fields!(IrqFields {
    vector: Vector,
    #[serde(default)]
    level: bool,
});
op_fields!(VectorFields { vector: Vector });
op_fields!(LinuxFields { routine: Routine });
op_fields!(NoteFields { text: String });

/// A number: a JSON integer, or a string `"0x..."` in hex. Negative,
/// fractional or wider than 64 bits is an error.
struct Num(u64);

const NUMBER: &str = "a number or a hex string like \"0x1ff\"";

impl<'de> Deserialize<'de> for Num {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Num, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Num;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str(NUMBER)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Num, E> {
                Ok(Num(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Num, E> {
                u64::try_from(v)
                    .map(Num)
                    .map_err(|_| E::custom(format!("{v} is negative; expected {NUMBER}")))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Num, E> {
                Err(E::custom(format!(
                    "{v} is not an integer below 2^64; expected {NUMBER}"
                )))
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Num, E> {
                let digits = s
                    .strip_prefix("0x")
                    .or_else(|| s.strip_prefix("0X"))
                    .ok_or_else(|| E::custom(format!("{s:?} is not a number; write {NUMBER}")))?;
                if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_hexdigit()) {
                    return Err(E::custom(format!(
                        "{s:?} is not a hex number like \"0x1ff\""
                    )));
                }
                u64::from_str_radix(digits, 16)
                    .map(Num)
                    .map_err(|_| E::custom(format!("{s:?} does not fit in 64 bits")))
            }
        }
        d.deserialize_any(V)
    }
}

/// A vector: a number from 0 to 0xff.
struct Vector(u8);

impl<'de> Deserialize<'de> for Vector {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Vector, D::Error> {
        let n = Num::deserialize(d)?.0;
        u8::try_from(n)
            .map(Vector)
            .map_err(|_| de::Error::custom(format!("{n:#x} is not a vector (0 to 0xff)")))
    }
}

/// An `expect` step: `do`, `label`, `note`, `profiles` and any `Field`
/// by name, each value read as its field's `Kind` says.
struct ExpectStep {
    label: Option<String>,
    note: Option<String>,
    expect: Expect,
}

/// Reads an `ExpectStep`, keeping the key being read in `current` so that
/// an error can name its field.
struct ExpectSeed<'c> {
    current: &'c RefCell<Option<String>>,
}

impl<'de> DeserializeSeed<'de> for ExpectSeed<'_> {
    type Value = ExpectStep;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<ExpectStep, D::Error> {
        struct V<'c>(&'c RefCell<Option<String>>);
        impl<'de> Visitor<'de> for V<'_> {
            type Value = ExpectStep;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an expect step")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<ExpectStep, A::Error> {
                let mut step = ExpectStep {
                    label: None,
                    note: None,
                    expect: Expect {
                        profiles: None,
                        checks: Vec::new(),
                        predict: None,
                    },
                };
                let mut seen: Vec<String> = Vec::new();
                while let Some(key) = map.next_key::<String>()? {
                    self.0.replace(Some(key.clone()));
                    if seen.contains(&key) {
                        return Err(de::Error::custom(format!("field `{key}` is given twice")));
                    }
                    match key.as_str() {
                        "do" => {
                            map.next_value::<IgnoredAny>()?;
                        }
                        "label" => step.label = Some(map.next_value()?),
                        "note" => step.note = Some(map.next_value()?),
                        "profiles" => {
                            let mut list: Vec<Profile> = map.next_value()?;
                            if list.is_empty() {
                                return Err(de::Error::custom(
                                    "an empty list would check nothing; leave the field out to check every profile",
                                ));
                            }
                            let mut unique = Vec::with_capacity(list.len());
                            for p in list.drain(..) {
                                if !unique.contains(&p) {
                                    unique.push(p);
                                }
                            }
                            step.expect.profiles = Some(unique);
                        }
                        "predict" => {
                            let names: Vec<String> = map.next_value()?;
                            if names.is_empty() {
                                return Err(de::Error::custom(
                                    "an empty list asks for no prediction; leave the field out",
                                ));
                            }
                            let mut fields: Vec<Field> = Vec::with_capacity(names.len());
                            for (i, name) in names.iter().enumerate() {
                                let f = Field::from_name(name).ok_or_else(|| {
                                    de::Error::custom(format!(
                                        "item {}: {}",
                                        i + 1,
                                        Field::unknown(name)
                                    ))
                                })?;
                                if fields.contains(&f) {
                                    return Err(de::Error::custom(format!(
                                        "item {}: {name} is listed twice",
                                        i + 1
                                    )));
                                }
                                fields.push(f);
                            }
                            fields.sort_unstable();
                            step.expect.predict = Some(fields);
                        }
                        name => {
                            let field = Field::from_name(name)
                                .ok_or_else(|| de::Error::unknown_field(name, &[]))?;
                            let value = match field.kind() {
                                Kind::Vectors => {
                                    let items: Vec<Vector> = map.next_value()?;
                                    let mut v: Vec<u8> = Vec::with_capacity(items.len());
                                    for (i, Vector(x)) in items.into_iter().enumerate() {
                                        if v.contains(&x) {
                                            return Err(de::Error::custom(format!(
                                                "item {}: {} is listed twice",
                                                i + 1,
                                                super::hex(x)
                                            )));
                                        }
                                        v.push(x);
                                    }
                                    v.sort_unstable();
                                    FieldValue::Vectors(v)
                                }
                                Kind::U8 | Kind::U32 => {
                                    let n = map.next_value::<Num>()?.0;
                                    let bits = if field.kind() == Kind::U8 { 8 } else { 32 };
                                    if n >> bits != 0 {
                                        return Err(de::Error::custom(format!(
                                            "{n:#x} is too wide for {name} ({bits} bits)"
                                        )));
                                    }
                                    FieldValue::Number(n as u32)
                                }
                                Kind::Bool => FieldValue::Bool(map.next_value()?),
                                Kind::Cpu => FieldValue::Cpu(map.next_value::<CpuRun>()?),
                            };
                            step.expect.checks.push((field, value));
                        }
                    }
                    seen.push(key);
                }
                self.0.replace(None);
                step.expect.checks.sort_by_key(|(f, _)| *f);
                Ok(step)
            }
        }
        d.deserialize_map(V(self.current))
    }
}

fn kind_of(text: &str) -> &'static str {
    match text.trim_start().chars().next() {
        Some('[') => "an array",
        Some('"') => "a string",
        Some('t' | 'f') => "a boolean",
        Some('n') => "null",
        Some('{') => "an object",
        _ => "a number",
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
    use super::*;

    fn err(json: &str) -> FormatError {
        parse(json).unwrap_err()
    }

    fn one_step(step: &str) -> String {
        format!(r#"{{"id":"a","title":"A","steps":[{step}]}}"#)
    }

    #[test]
    fn minimal_scenario() {
        let s = parse(r#"{"id":"a","title":"A","steps":[{"do":"cli"},{"do":"write","reg":"spiv","value":"0x1ff","label":"on"}]}"#).unwrap();
        assert_eq!(s.handlers, Handlers::AutoEoi);
        assert_eq!(s.processor, Processor::Bsp);
        assert_eq!(
            s.steps[1].op,
            Op::Write {
                reg: Reg::Spiv,
                value: 0x1ff
            }
        );
        assert_eq!(s.steps[1].label.as_deref(), Some("on"));
        assert_eq!(s.steps[0].display_label(), "cli");
    }

    #[test]
    fn schema_reference_is_accepted_and_ignored() {
        let s = parse(r#"{"$schema":"./scenario.schema.json","id":"a","title":"A","steps":[]}"#)
            .unwrap();
        assert!(s.steps.is_empty());
    }

    #[test]
    fn syntax_error_has_line_and_column() {
        let e = err("{\n  \"id\": \"a\",\n  \"title\" \"x\"\n}");
        assert!(
            e.message
                .starts_with("JSON syntax error at line 3, column 11"),
            "{}",
            e.message
        );
        assert_eq!((e.line, e.column), (3, 11));
    }

    #[test]
    fn unknown_field_names_step_op_field_and_place() {
        let e = err("{\"id\":\"a\",\"title\":\"A\",\"steps\":[\n{\"do\":\"cli\"},\n  {\"do\":\"write\",\"reg\":\"spiv\",\"vlaue\":1}]}");
        assert!(
            e.message
                .starts_with("step 2 (`write`), field `vlaue` (line 3, column "),
            "{}",
            e.message
        );
        assert!(
            e.message
                .ends_with("unknown field for `write`; expected one of: reg, value, label, note"),
            "{}",
            e.message
        );
        assert_eq!(
            (e.step, e.field.as_deref(), e.line),
            (Some(2), Some("vlaue"), 3)
        );
    }

    #[test]
    fn unknown_names_list_the_known_ones() {
        let e = err(&one_step(r#"{"do":"wirte"}"#));
        assert!(
            e.message.contains("field `do`")
                && e.message
                    .contains("unknown operation \"wirte\"; expected one of: write, cli"),
            "{}",
            e.message
        );
        let e = err(&one_step(r#"{"do":"write","reg":"spv","value":1}"#));
        assert!(
            e.message.contains("field `reg`") && e.message.contains("unknown register \"spv\""),
            "{}",
            e.message
        );
        let e = err(&one_step(r#"{"do":"linux","routine":"setup_local_apic"}"#));
        assert!(
            e.message.contains("unknown routine \"setup_local_apic\""),
            "{}",
            e.message
        );
        let e = err(&one_step(
            r#"{"do":"expect","profiles":["hyper-v"],"irr":[]}"#,
        ));
        assert!(
            e.message.contains("field `profiles`")
                && e.message.contains("unknown profile \"hyper-v\""),
            "{}",
            e.message
        );
        let e = err(&one_step(r#"{"do":"expect","irq":[]}"#));
        assert!(
            e.message.contains("field `irq`")
                && e.message
                    .contains("expected one of: profiles, predict, irr, isr"),
            "{}",
            e.message
        );
    }

    #[test]
    fn out_of_range_values() {
        let e = err(&one_step(r#"{"do":"irq","vector":256}"#));
        assert!(
            e.message.contains("step 1 (`irq`), field `vector`")
                && e.message.contains("0x100 is not a vector"),
            "{}",
            e.message
        );
        let e = err(&one_step(
            r#"{"do":"write","reg":"tpr","value":"0x100000000"}"#,
        ));
        assert!(e.message.contains("too wide for tpr"), "{}", e.message);
        let e = err(&one_step(r#"{"do":"write","reg":"tpr","value":-1}"#));
        assert!(
            e.message.contains("field `value`") && e.message.contains("negative"),
            "{}",
            e.message
        );
        let e = err(&one_step(r#"{"do":"expect","tpr":"0x100"}"#));
        assert!(
            e.message.contains("field `tpr`") && e.message.contains("too wide for tpr (8 bits)"),
            "{}",
            e.message
        );
        let e = err(&one_step(r#"{"do":"expect","irr":["0xec","0xec"]}"#));
        assert!(e.message.contains("listed twice"), "{}", e.message);
    }

    #[test]
    fn missing_fields() {
        let e = err(&one_step(r#"{"do":"write","reg":"tpr"}"#));
        assert_eq!(e.field.as_deref(), Some("value"), "{}", e.message);
        let e = err(&one_step(r#"{"reg":"tpr"}"#));
        assert!(
            e.message.contains("field `do`: missing") || e.message.contains("field `do` (line"),
            "{}",
            e.message
        );
        let e = err(r#"{"id":"a","steps":[]}"#);
        assert!(e.message.contains("missing field `title`"), "{}", e.message);
        let e = err(r#"{"id":"a","title":"A","steps":[],"extra":1}"#);
        assert!(
            e.message.contains("unknown field `extra` in the scenario"),
            "{}",
            e.message
        );
        let e = err(r#"[1,2]"#);
        assert!(
            e.message.starts_with("a scenario must be a JSON object"),
            "{}",
            e.message
        );
        let e = err(&one_step("3"));
        assert!(
            e.message
                .contains("expected an object with a `do` field, found a number"),
            "{}",
            e.message
        );
    }

    #[test]
    fn expect_reads_every_kind() {
        let s = parse(&one_step(r#"{"do":"expect","warn":true,"irr":["0xec",32],"if":false,"cpu":"halted","tpr":"0x20","lvt_timer":65536}"#)).unwrap();
        let Op::Expect(e) = &s.steps[0].op else {
            panic!()
        };
        assert_eq!(
            e.checks,
            vec![
                (Field::Irr, FieldValue::Vectors(vec![0x20, 0xec])),
                (Field::Tpr, FieldValue::Number(0x20)),
                (Field::If, FieldValue::Bool(false)),
                (Field::Cpu, FieldValue::Cpu(CpuRun::Halted)),
                (Field::LvtTimer, FieldValue::Number(0x10000)),
                (Field::Warn, FieldValue::Bool(true)),
            ]
        );
        assert_eq!(
            e.describe(),
            "irr=[0x20,0xec] tpr=0x20 if=0 cpu=halted lvt_timer=0x10000 warn=true"
        );
        let e = err(&one_step(r#"{"do":"expect","profiles":["hardware"]}"#));
        assert!(e.message.contains("names no field"), "{}", e.message);
        let e = err(&one_step(r#"{"do":"expect","profiles":[],"irr":[]}"#));
        assert!(
            e.message.contains("an empty list would check nothing"),
            "{}",
            e.message
        );
    }

    #[test]
    fn expect_reads_the_fields_to_predict() {
        let s = parse(&one_step(
            r#"{"do":"expect","tpr":"0x20","predict":["ppr","irr","cpu"]}"#,
        ))
        .unwrap();
        let Op::Expect(e) = &s.steps[0].op else {
            panic!()
        };
        assert_eq!(e.predict, Some(vec![Field::Irr, Field::Ppr, Field::Cpu]));
        assert_eq!(e.checks, vec![(Field::Tpr, FieldValue::Number(0x20))]);
        let s = parse(&one_step(r#"{"do":"expect","tpr":"0x20"}"#)).unwrap();
        let Op::Expect(e) = &s.steps[0].op else {
            panic!()
        };
        assert_eq!(e.predict, None);
        let e = err(&one_step(r#"{"do":"expect","tpr":0,"predict":[]}"#));
        assert!(
            e.message.contains("field `predict`") && e.message.contains("asks for no prediction"),
            "{}",
            e.message
        );
        let e = err(&one_step(
            r#"{"do":"expect","tpr":0,"predict":["irr","IRR"]}"#,
        ));
        assert!(
            e.message
                .contains("item 2: unknown field \"IRR\"; expected one of: irr"),
            "{}",
            e.message
        );
        let e = err(&one_step(
            r#"{"do":"expect","tpr":0,"predict":["isr","isr"]}"#,
        ));
        assert!(
            e.message.contains("item 2: isr is listed twice"),
            "{}",
            e.message
        );
        // A prediction alone checks nothing: the step still names a check.
        let e = err(&one_step(r#"{"do":"expect","predict":["isr"]}"#));
        assert!(e.message.contains("names no field"), "{}", e.message);
    }

    #[test]
    fn too_many_steps_and_too_long() {
        let steps = vec![r#"{"do":"cli"}"#; MAX_STEPS + 1].join(",");
        let e = err(&format!(r#"{{"id":"a","title":"A","steps":[{steps}]}}"#));
        assert!(e.message.contains("at most 10000"), "{}", e.message);
        let long = format!(
            r#"{{"id":"a","title":"{}","steps":[]}}"#,
            "x".repeat(MAX_BYTES)
        );
        assert!(err(&long).message.contains("at most 1048576 bytes"));
    }

    #[test]
    fn bad_ids() {
        let e = err(r#"{"id":"a b","title":"A","steps":[]}"#);
        assert!(e.message.contains("not a valid id"), "{}", e.message);
    }
}
