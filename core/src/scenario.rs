//! Scenario format v1 (DESIGN.md, "Scenario format v1"): the types and a
//! strict reader. Unknown fields are errors; every error says where it is
//! (step number as the trace counts them, from 1; the field; line and column
//! for JSON syntax) and what was expected. Values out of range are errors,
//! never truncated. Nothing here panics on any input.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::apic::{hex, Reg};
pub use crate::linux::Routine;
use crate::profile::Profile;
use crate::trace::CpuRun;

/// A scenario may have at most this many steps.
pub const MAX_STEPS: usize = 10_000;

/// How a delivered interrupt's handler behaves.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Handlers {
    /// The handler runs and writes EOI (a spurious handler writes none).
    #[default]
    AutoEoi,
    /// The handler runs and returns without EOI: the vector stays in ISR
    /// until an explicit `eoi` step.
    Manual,
}

impl Handlers {
    /// `auto_eoi` or `manual`.
    pub fn name(self) -> &'static str {
        match self {
            Handlers::AutoEoi => "auto_eoi",
            Handlers::Manual => "manual",
        }
    }
}

/// A whole scenario.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scenario {
    /// Short id (`hotplug-cpu0`).
    pub id: String,
    /// Title shown in the picker.
    pub title: String,
    /// One or two sentences on what it shows.
    pub summary: String,
    /// Handler policy.
    pub handlers: Handlers,
    /// The steps, in order.
    pub steps: Vec<Step>,
}

/// One step of the timeline.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    /// What the step does.
    pub op: Op,
    /// Shown on the timeline.
    pub label: Option<String>,
    /// Narration.
    pub note: Option<String>,
}

impl Step {
    /// The label, or a short text made from the op (`write spiv 0x1ff`).
    pub fn display_label(&self) -> String {
        match &self.label {
            Some(l) => l.clone(),
            None => self.op.describe(),
        }
    }
}

/// What a step does (the `do` field).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Op {
    /// `write {reg, value}`: software writes a register.
    Write {
        /// The register.
        reg: Reg,
        /// The value (fits the register's width).
        value: u64,
    },
    /// `cli`: IF = 0.
    Cli,
    /// `sti`: IF = 1.
    Sti,
    /// `hlt`: the CPU halts until an interrupt or NMI.
    Hlt,
    /// `irq {vector, level?}`: a fixed interrupt from the I/O APIC or an MSI.
    Irq {
        /// The vector.
        vector: u8,
        /// Level-triggered (default edge).
        level: bool,
    },
    /// `self_ipi {vector}`: a fixed, edge-triggered IPI to self via the ICR.
    SelfIpi {
        /// The vector.
        vector: u8,
    },
    /// `nmi`: an NMI arrives.
    Nmi,
    /// `init`: an INIT arrives.
    Init,
    /// `sipi {vector}`: a start-up IPI arrives.
    Sipi {
        /// The start page (entry at vector * 0x1000).
        vector: u8,
    },
    /// `timer_fire`: the armed LVT timer or TSC deadline expires now.
    TimerFire,
    /// `eoi`: the running handler writes EOI.
    Eoi,
    /// `linux {routine}`: a guest kernel routine.
    Linux {
        /// Which routine.
        routine: Routine,
    },
    /// `expect {...}`: a checkpoint; changes nothing.
    Expect(Box<Expect>),
    /// `note {text}`: narration only.
    Note {
        /// The text.
        text: String,
    },
}

impl Op {
    /// The `do` name.
    pub fn name(&self) -> &'static str {
        match self {
            Op::Write { .. } => "write",
            Op::Cli => "cli",
            Op::Sti => "sti",
            Op::Hlt => "hlt",
            Op::Irq { .. } => "irq",
            Op::SelfIpi { .. } => "self_ipi",
            Op::Nmi => "nmi",
            Op::Init => "init",
            Op::Sipi { .. } => "sipi",
            Op::TimerFire => "timer_fire",
            Op::Eoi => "eoi",
            Op::Linux { .. } => "linux",
            Op::Expect(_) => "expect",
            Op::Note { .. } => "note",
        }
    }

    /// A short text for a step without a label.
    pub fn describe(&self) -> String {
        match self {
            Op::Write { reg, value } => format!("write {} {value:#x}", reg.name()),
            Op::Irq { vector, level } => {
                format!(
                    "irq {}{}",
                    hex(*vector),
                    if *level { " (level)" } else { "" }
                )
            }
            Op::SelfIpi { vector } => format!("self_ipi {}", hex(*vector)),
            Op::Sipi { vector } => format!("sipi {}", hex(*vector)),
            Op::Linux { routine } => format!("{}()", routine.name()),
            Op::Expect(e) => format!("expect {}", e.describe()),
            Op::Note { .. } => "note".into(),
            other => other.name().into(),
        }
    }
}

/// A checkpoint: the fields it names must match the state after the step
/// before it (every field is optional; at least one must be named).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Expect {
    /// Only these profiles (None: all).
    pub profiles: Option<Vec<Profile>>,
    /// Exact IRR contents.
    pub irr: Option<Vec<u8>>,
    /// Exact ISR contents.
    pub isr: Option<Vec<u8>>,
    /// Exact TMR contents.
    pub tmr: Option<Vec<u8>>,
    /// TPR.
    pub tpr: Option<u8>,
    /// PPR.
    pub ppr: Option<u8>,
    /// SPIV.
    pub spiv: Option<u32>,
    /// SPIV bit 8 and APIC_BASE bit 11.
    pub sw_enabled: Option<bool>,
    /// IF.
    pub if_flag: Option<bool>,
    /// CPU run state.
    pub cpu: Option<CpuRun>,
    /// LVT timer.
    pub lvt_timer: Option<u32>,
    /// LVT LINT0.
    pub lvt_lint0: Option<u32>,
    /// LVT LINT1.
    pub lvt_lint1: Option<u32>,
    /// LVT error.
    pub lvt_error: Option<u32>,
    /// LVT PMC.
    pub lvt_pmc: Option<u32>,
    /// LVT thermal.
    pub lvt_thermal: Option<u32>,
    /// Whether the guest has printed a warning at any step so far.
    pub warn: Option<bool>,
}

impl Expect {
    /// Whether it applies to `profile`.
    pub fn applies_to(&self, profile: Profile) -> bool {
        self.profiles
            .as_ref()
            .is_none_or(|ps| ps.contains(&profile))
    }

    /// `irr=[0xec] isr=[] warn=true`.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        let list = |v: &Vec<u8>| {
            format!(
                "[{}]",
                v.iter().map(|x| hex(*x)).collect::<Vec<_>>().join(",")
            )
        };
        if let Some(v) = &self.irr {
            parts.push(format!("irr={}", list(v)));
        }
        if let Some(v) = &self.isr {
            parts.push(format!("isr={}", list(v)));
        }
        if let Some(v) = &self.tmr {
            parts.push(format!("tmr={}", list(v)));
        }
        if let Some(v) = self.tpr {
            parts.push(format!("tpr={v:#04x}"));
        }
        if let Some(v) = self.ppr {
            parts.push(format!("ppr={v:#04x}"));
        }
        if let Some(v) = self.spiv {
            parts.push(format!("spiv={v:#x}"));
        }
        if let Some(v) = self.sw_enabled {
            parts.push(format!("sw_enabled={v}"));
        }
        if let Some(v) = self.if_flag {
            parts.push(format!("if={}", u8::from(v)));
        }
        if let Some(v) = self.cpu {
            parts.push(format!("cpu={}", v.as_str()));
        }
        for (name, v) in [
            ("lvt_timer", self.lvt_timer),
            ("lvt_lint0", self.lvt_lint0),
            ("lvt_lint1", self.lvt_lint1),
            ("lvt_error", self.lvt_error),
            ("lvt_pmc", self.lvt_pmc),
            ("lvt_thermal", self.lvt_thermal),
        ] {
            if let Some(v) = v {
                parts.push(format!("{name}={v:#x}"));
            }
        }
        if let Some(v) = self.warn {
            parts.push(format!("warn={v}"));
        }
        parts.join(" ")
    }

    fn is_empty(&self) -> bool {
        let Expect {
            profiles: _,
            irr,
            isr,
            tmr,
            tpr,
            ppr,
            spiv,
            sw_enabled,
            if_flag,
            cpu,
            lvt_timer,
            lvt_lint0,
            lvt_lint1,
            lvt_error,
            lvt_pmc,
            lvt_thermal,
            warn,
        } = self;
        irr.is_none()
            && isr.is_none()
            && tmr.is_none()
            && tpr.is_none()
            && ppr.is_none()
            && spiv.is_none()
            && sw_enabled.is_none()
            && if_flag.is_none()
            && cpu.is_none()
            && lvt_timer.is_none()
            && lvt_lint0.is_none()
            && lvt_lint1.is_none()
            && lvt_error.is_none()
            && lvt_pmc.is_none()
            && lvt_thermal.is_none()
            && warn.is_none()
    }
}

/// A scenario that could not be read: where, and what was expected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScenarioError {
    /// Human-readable, with step number / field / line:column.
    pub message: String,
}

impl ScenarioError {
    fn new(message: impl Into<String>) -> Self {
        ScenarioError {
            message: message.into(),
        }
    }
}

impl std::fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ScenarioError {}

const TOP_FIELDS: &[&str] = &["id", "title", "summary", "handlers", "steps"];
const OPS: &[&str] = &[
    "write",
    "cli",
    "sti",
    "hlt",
    "irq",
    "self_ipi",
    "nmi",
    "init",
    "sipi",
    "timer_fire",
    "eoi",
    "linux",
    "expect",
    "note",
];
const EXPECT_FIELDS: &[&str] = &[
    "profiles",
    "irr",
    "isr",
    "tmr",
    "tpr",
    "ppr",
    "spiv",
    "sw_enabled",
    "if",
    "cpu",
    "lvt_timer",
    "lvt_lint0",
    "lvt_lint1",
    "lvt_error",
    "lvt_pmc",
    "lvt_thermal",
    "warn",
];

/// Read a scenario from JSON. Never panics.
pub fn parse(json: &str) -> Result<Scenario, ScenarioError> {
    let value: Value = serde_json::from_str(json).map_err(syntax_error)?;
    let Value::Object(top) = value else {
        return Err(ScenarioError::new(format!(
            "a scenario must be a JSON object with fields {}; found {}",
            TOP_FIELDS.join(", "),
            kind_of(&value)
        )));
    };
    for key in top.keys() {
        if !TOP_FIELDS.contains(&key.as_str()) {
            return Err(ScenarioError::new(format!(
                "unknown field `{key}` in the scenario; expected one of: {}",
                TOP_FIELDS.join(", ")
            )));
        }
    }
    let id = required_string(&top, "id", "the scenario")?;
    if id.is_empty()
        || id.len() > 64
        || !id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(ScenarioError::new(format!(
            "field `id`: {id:?} is not a valid id; expected 1 to 64 characters of a-z, A-Z, 0-9, '-' or '_'"
        )));
    }
    let title = required_string(&top, "title", "the scenario")?;
    let summary = match top.get("summary") {
        None => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => {
            return Err(ScenarioError::new(format!(
                "field `summary`: expected a string, found {}",
                kind_of(other)
            )))
        }
    };
    let handlers = match top.get("handlers") {
        None => Handlers::AutoEoi,
        Some(Value::String(s)) if s == "auto_eoi" => Handlers::AutoEoi,
        Some(Value::String(s)) if s == "manual" => Handlers::Manual,
        Some(other) => {
            return Err(ScenarioError::new(format!(
                "field `handlers`: expected \"auto_eoi\" or \"manual\", found {}",
                show(other)
            )))
        }
    };
    let steps_value = top.get("steps").ok_or_else(|| {
        ScenarioError::new("missing field `steps` (an array of steps) in the scenario")
    })?;
    let Value::Array(raw_steps) = steps_value else {
        return Err(ScenarioError::new(format!(
            "field `steps`: expected an array of steps, found {}",
            kind_of(steps_value)
        )));
    };
    if raw_steps.len() > MAX_STEPS {
        return Err(ScenarioError::new(format!(
            "field `steps`: {} steps; a scenario may have at most {MAX_STEPS}",
            raw_steps.len()
        )));
    }
    let mut steps = Vec::with_capacity(raw_steps.len());
    for (i, raw) in raw_steps.iter().enumerate() {
        steps.push(parse_step(i + 1, raw)?);
    }
    Ok(Scenario {
        id,
        title,
        summary,
        handlers,
        steps,
    })
}

fn syntax_error(e: serde_json::Error) -> ScenarioError {
    let full = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    let what = full.strip_suffix(&suffix).unwrap_or(&full);
    if e.line() == 0 {
        ScenarioError::new(format!("JSON syntax error: {what}"))
    } else {
        ScenarioError::new(format!(
            "JSON syntax error at line {}, column {}: {what}",
            e.line(),
            e.column()
        ))
    }
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// A short rendering of a JSON value for messages (cut at 40 characters).
fn show(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 40 {
        let cut: String = s.chars().take(40).collect();
        format!("{cut}...")
    } else {
        s
    }
}

fn required_string(
    obj: &Map<String, Value>,
    field: &str,
    whose: &str,
) -> Result<String, ScenarioError> {
    match obj.get(field) {
        Some(Value::String(s)) => Ok(s.clone()),
        Some(other) => Err(ScenarioError::new(format!(
            "field `{field}` of {whose}: expected a string, found {}",
            kind_of(other)
        ))),
        None => Err(ScenarioError::new(format!(
            "missing field `{field}` in {whose}"
        ))),
    }
}

/// Context for errors inside one step.
struct At {
    n: usize,
    op: Option<String>,
}

impl At {
    fn err(&self, field: &str, what: impl std::fmt::Display) -> ScenarioError {
        match &self.op {
            Some(op) => {
                ScenarioError::new(format!("step {} (`{op}`), field `{field}`: {what}", self.n))
            }
            None => ScenarioError::new(format!("step {}, field `{field}`: {what}", self.n)),
        }
    }
}

fn parse_step(n: usize, raw: &Value) -> Result<Step, ScenarioError> {
    let mut at = At { n, op: None };
    let Value::Object(obj) = raw else {
        return Err(ScenarioError::new(format!(
            "step {n}: expected an object like {{\"do\": \"cli\"}}, found {}",
            kind_of(raw)
        )));
    };
    let op_name = match obj.get("do") {
        Some(Value::String(s)) => s.clone(),
        Some(other) => {
            return Err(at.err(
                "do",
                format!(
                    "expected a string naming the operation, found {}",
                    kind_of(other)
                ),
            ))
        }
        None => {
            return Err(ScenarioError::new(format!(
                "step {n}: missing field `do`; expected one of: {}",
                OPS.join(", ")
            )))
        }
    };
    if !OPS.contains(&op_name.as_str()) {
        return Err(at.err(
            "do",
            format!(
                "unknown operation {op_name:?}; expected one of: {}",
                OPS.join(", ")
            ),
        ));
    }
    at.op = Some(op_name.clone());
    let own: &[&str] = match op_name.as_str() {
        "write" => &["reg", "value"],
        "irq" => &["vector", "level"],
        "self_ipi" | "sipi" => &["vector"],
        "linux" => &["routine"],
        "note" => &["text"],
        "expect" => EXPECT_FIELDS,
        _ => &[],
    };
    for key in obj.keys() {
        let k = key.as_str();
        if k != "do" && k != "label" && k != "note" && !own.contains(&k) {
            let mut allowed: Vec<&str> = own.to_vec();
            allowed.extend(["label", "note"]);
            return Err(at.err(
                k,
                format!(
                    "unknown field for `{op_name}`; expected one of: {}",
                    allowed.join(", ")
                ),
            ));
        }
    }
    let label = optional_text(&at, obj, "label")?;
    let note = optional_text(&at, obj, "note")?;
    let op = match op_name.as_str() {
        "write" => {
            let reg_name = match obj.get("reg") {
                Some(Value::String(s)) => s.clone(),
                Some(other) => {
                    return Err(at.err(
                        "reg",
                        format!("expected a register name, found {}", kind_of(other)),
                    ))
                }
                None => return Err(at.err("reg", "missing; expected a register name")),
            };
            let reg = Reg::from_name(&reg_name).ok_or_else(|| {
                at.err(
                    "reg",
                    format!(
                        "unknown register {reg_name:?}; expected one of: {}",
                        Reg::ALL
                            .iter()
                            .map(|r| r.name())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                )
            })?;
            let value = required_value(&at, obj, "value")?;
            let width = reg.width_bits();
            if width < 64 && value >> width != 0 {
                return Err(at.err(
                    "value",
                    format!(
                        "{value:#x} is too wide for {} (a {width}-bit register)",
                        reg.name()
                    ),
                ));
            }
            Op::Write { reg, value }
        }
        "cli" => Op::Cli,
        "sti" => Op::Sti,
        "hlt" => Op::Hlt,
        "nmi" => Op::Nmi,
        "init" => Op::Init,
        "timer_fire" => Op::TimerFire,
        "eoi" => Op::Eoi,
        "irq" => {
            let vector = required_vector(&at, obj, "vector")?;
            let level = match obj.get("level") {
                None => false,
                Some(Value::Bool(b)) => *b,
                Some(other) => {
                    return Err(at.err(
                        "level",
                        format!("expected true or false, found {}", kind_of(other)),
                    ))
                }
            };
            Op::Irq { vector, level }
        }
        "self_ipi" => Op::SelfIpi {
            vector: required_vector(&at, obj, "vector")?,
        },
        "sipi" => Op::Sipi {
            vector: required_vector(&at, obj, "vector")?,
        },
        "linux" => {
            let name = match obj.get("routine") {
                Some(Value::String(s)) => s.clone(),
                Some(other) => {
                    return Err(at.err(
                        "routine",
                        format!("expected a routine name, found {}", kind_of(other)),
                    ))
                }
                None => return Err(at.err("routine", "missing; expected a routine name")),
            };
            let routine = Routine::from_name(&name).ok_or_else(|| {
                at.err(
                    "routine",
                    format!(
                        "unknown routine {name:?}; expected one of: {}",
                        Routine::ALL
                            .iter()
                            .map(|r| r.name())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                )
            })?;
            Op::Linux { routine }
        }
        "note" => match obj.get("text") {
            Some(Value::String(s)) => Op::Note { text: s.clone() },
            Some(other) => {
                return Err(at.err(
                    "text",
                    format!("expected a string, found {}", kind_of(other)),
                ))
            }
            None => return Err(at.err("text", "missing; expected the narration text")),
        },
        "expect" => Op::Expect(Box::new(parse_expect(&at, obj)?)),
        _ => return Err(at.err("do", "unknown operation")),
    };
    Ok(Step { op, label, note })
}

fn optional_text(
    at: &At,
    obj: &Map<String, Value>,
    field: &str,
) -> Result<Option<String>, ScenarioError> {
    match obj.get(field) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(at.err(
            field,
            format!("expected a string, found {}", kind_of(other)),
        )),
    }
}

/// A number, or a string "0x..." in hex. Negative, fractional or larger
/// than 64 bits is an error.
fn number(v: &Value) -> Result<u64, String> {
    match v {
        Value::Number(n) => n
            .as_u64()
            .ok_or_else(|| format!("{n} is not a non-negative integer below 2^64")),
        Value::String(s) => {
            let digits = s
                .strip_prefix("0x")
                .or_else(|| s.strip_prefix("0X"))
                .ok_or_else(|| {
                    format!("{s:?} is not a number; write a number or a hex string like \"0x1ff\"")
                })?;
            if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_hexdigit()) {
                return Err(format!("{s:?} is not a hex number like \"0x1ff\""));
            }
            u64::from_str_radix(digits, 16).map_err(|_| format!("{s:?} does not fit in 64 bits"))
        }
        other => Err(format!(
            "expected a number or a hex string like \"0x1ff\", found {}",
            kind_of(other)
        )),
    }
}

fn required_value(at: &At, obj: &Map<String, Value>, field: &str) -> Result<u64, ScenarioError> {
    let v = obj.get(field).ok_or_else(|| {
        at.err(
            field,
            "missing; expected a number or a hex string like \"0x1ff\"",
        )
    })?;
    number(v).map_err(|e| at.err(field, e))
}

fn vector_of(v: &Value) -> Result<u8, String> {
    let n = number(v)?;
    u8::try_from(n).map_err(|_| format!("{n:#x} is not a vector (0 to 0xff)"))
}

fn required_vector(at: &At, obj: &Map<String, Value>, field: &str) -> Result<u8, ScenarioError> {
    let v = obj
        .get(field)
        .ok_or_else(|| at.err(field, "missing; expected a vector (0 to 0xff)"))?;
    vector_of(v).map_err(|e| at.err(field, e))
}

fn parse_expect(at: &At, obj: &Map<String, Value>) -> Result<Expect, ScenarioError> {
    let vectors = |field: &str| -> Result<Option<Vec<u8>>, ScenarioError> {
        let Some(v) = obj.get(field) else {
            return Ok(None);
        };
        let Value::Array(items) = v else {
            return Err(at.err(
                field,
                format!(
                    "expected an array of vectors like [\"0xec\"], found {}",
                    kind_of(v)
                ),
            ));
        };
        let mut out = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            let vec = vector_of(item).map_err(|e| at.err(field, format!("item {}: {e}", i + 1)))?;
            if out.contains(&vec) {
                return Err(at.err(
                    field,
                    format!("item {}: {} is listed twice", i + 1, hex(vec)),
                ));
            }
            out.push(vec);
        }
        out.sort_unstable();
        Ok(Some(out))
    };
    let byte = |field: &str| -> Result<Option<u8>, ScenarioError> {
        let Some(v) = obj.get(field) else {
            return Ok(None);
        };
        let n = number(v).map_err(|e| at.err(field, e))?;
        u8::try_from(n)
            .map(Some)
            .map_err(|_| at.err(field, format!("{n:#x} is too wide for {field} (8 bits)")))
    };
    let word = |field: &str| -> Result<Option<u32>, ScenarioError> {
        let Some(v) = obj.get(field) else {
            return Ok(None);
        };
        let n = number(v).map_err(|e| at.err(field, e))?;
        u32::try_from(n)
            .map(Some)
            .map_err(|_| at.err(field, format!("{n:#x} is too wide for {field} (32 bits)")))
    };
    let boolean = |field: &str| -> Result<Option<bool>, ScenarioError> {
        match obj.get(field) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(other) => Err(at.err(
                field,
                format!("expected true or false, found {}", kind_of(other)),
            )),
        }
    };
    let profiles = match obj.get("profiles") {
        None => None,
        Some(Value::Array(items)) => {
            let mut out = Vec::new();
            for (i, item) in items.iter().enumerate() {
                let Value::String(s) = item else {
                    return Err(at.err(
                        "profiles",
                        format!(
                            "item {}: expected a profile id, found {}",
                            i + 1,
                            kind_of(item)
                        ),
                    ));
                };
                let p = Profile::from_id(s).ok_or_else(|| {
                    at.err(
                        "profiles",
                        format!(
                            "item {}: unknown profile {s:?}; expected one of: {}",
                            i + 1,
                            Profile::ALL
                                .iter()
                                .map(|p| p.id())
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    )
                })?;
                if !out.contains(&p) {
                    out.push(p);
                }
            }
            if out.is_empty() {
                return Err(at.err(
                    "profiles",
                    "an empty list would check nothing; leave the field out to check every profile",
                ));
            }
            Some(out)
        }
        Some(other) => {
            return Err(at.err(
                "profiles",
                format!("expected an array of profile ids, found {}", kind_of(other)),
            ))
        }
    };
    let cpu = match obj.get("cpu") {
        None => None,
        Some(Value::String(s)) => Some(match s.as_str() {
            "running" => CpuRun::Running,
            "halted" => CpuRun::Halted,
            "wait_for_sipi" => CpuRun::WaitForSipi,
            _ => {
                return Err(at.err(
                    "cpu",
                    format!("{s:?}: expected \"running\", \"halted\" or \"wait_for_sipi\""),
                ))
            }
        }),
        Some(other) => {
            return Err(at.err(
                "cpu",
                format!(
                    "expected \"running\", \"halted\" or \"wait_for_sipi\", found {}",
                    kind_of(other)
                ),
            ))
        }
    };
    let e = Expect {
        profiles,
        irr: vectors("irr")?,
        isr: vectors("isr")?,
        tmr: vectors("tmr")?,
        tpr: byte("tpr")?,
        ppr: byte("ppr")?,
        spiv: word("spiv")?,
        sw_enabled: boolean("sw_enabled")?,
        if_flag: boolean("if")?,
        cpu,
        lvt_timer: word("lvt_timer")?,
        lvt_lint0: word("lvt_lint0")?,
        lvt_lint1: word("lvt_lint1")?,
        lvt_error: word("lvt_error")?,
        lvt_pmc: word("lvt_pmc")?,
        lvt_thermal: word("lvt_thermal")?,
        warn: boolean("warn")?,
    };
    if e.is_empty() {
        return Err(ScenarioError::new(format!(
            "step {} (`expect`): names no field to check; expected at least one of: {}",
            at.n,
            EXPECT_FIELDS.get(1..).unwrap_or_default().join(", ")
        )));
    }
    Ok(e)
}

#[cfg(test)]
mod tests {
    #![allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::panic
    )]
    use super::*;

    fn err(json: &str) -> String {
        parse(json).unwrap_err().message
    }

    #[test]
    fn minimal_scenario() {
        let s = parse(r#"{"id":"a","title":"A","steps":[{"do":"cli"},{"do":"write","reg":"spiv","value":"0x1ff"}]}"#).unwrap();
        assert_eq!(s.handlers, Handlers::AutoEoi);
        assert_eq!(
            s.steps[1].op,
            Op::Write {
                reg: Reg::Spiv,
                value: 0x1ff
            }
        );
        assert_eq!(s.steps[1].display_label(), "write spiv 0x1ff");
    }

    #[test]
    fn syntax_error_has_line_and_column() {
        let m = err("{\n  \"id\": \"a\",\n  \"title\" \"x\"\n}");
        assert!(m.contains("line 3, column 11"), "{m}");
    }

    #[test]
    fn unknown_field_names_step_and_field() {
        let m = err(
            r#"{"id":"a","title":"A","steps":[{"do":"cli"},{"do":"write","reg":"spiv","vlaue":1}]}"#,
        );
        assert!(
            m.starts_with("step 2 (`write`), field `vlaue`: unknown field"),
            "{m}"
        );
    }

    #[test]
    fn out_of_range_values() {
        let m = err(r#"{"id":"a","title":"A","steps":[{"do":"irq","vector":256}]}"#);
        assert!(
            m.contains("step 1 (`irq`), field `vector`") && m.contains("0x100 is not a vector"),
            "{m}"
        );
        let m = err(
            r#"{"id":"a","title":"A","steps":[{"do":"write","reg":"tpr","value":"0x100000000"}]}"#,
        );
        assert!(m.contains("too wide for tpr"), "{m}");
        let m = err(r#"{"id":"a","title":"A","steps":[{"do":"write","reg":"tpr","value":-1}]}"#);
        assert!(m.contains("field `value`"), "{m}");
    }

    #[test]
    fn too_many_steps() {
        let steps = vec![r#"{"do":"cli"}"#; MAX_STEPS + 1].join(",");
        let m = err(&format!(r#"{{"id":"a","title":"A","steps":[{steps}]}}"#));
        assert!(m.contains("at most 10000"), "{m}");
    }

    #[test]
    fn empty_expect_rejected() {
        let m = err(r#"{"id":"a","title":"A","steps":[{"do":"expect","profiles":["hardware"]}]}"#);
        assert!(m.contains("names no field"), "{m}");
    }
}
