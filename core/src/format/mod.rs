//! Scenario format v1, declared once (README, "Scenarios"): the types a
//! scenario is made of, the strict reader (`read.rs`), the writer
//! (`write.rs`) and every list of names (`names.rs`). This module depends
//! on nothing else in the crate: the machine, the guest, the CLI and the
//! page all build on it, never the other way round.

mod names;
mod read;
mod schema;
pub mod wire;
mod write;

pub use names::{
    CpuRun, Field, Handlers, Kernel, Kind, OpName, Processor, Profile, ProfileGroup, Reg, Routine,
};
pub use read::{parse, FormatError, MAX_BYTES, MAX_STEPS};
pub use schema::{schema, schema_text};
pub use write::to_json;

/// A whole scenario.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scenario {
    /// Short id (`hotplug-cpu0`): 1 to 64 characters of a-z, A-Z, 0-9, `-`, `_`.
    pub id: String,
    /// Title shown in the picker.
    pub title: String,
    /// One or two sentences on what it shows (may be empty).
    pub summary: String,
    /// How the guest's interrupt handlers behave.
    pub handlers: Handlers,
    /// Which processor the CPU is (`bsp`, the default, or `ap`).
    pub processor: Processor,
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
    /// A step with no label and no note.
    pub fn new(op: Op) -> Step {
        Step {
            op,
            label: None,
            note: None,
        }
    }

    /// The label, or a short text made from the op (`write spiv 0x1ff`).
    pub fn display_label(&self) -> std::borrow::Cow<'_, str> {
        match &self.label {
            Some(l) => l.as_str().into(),
            None => self.op.describe().into(),
        }
    }
}

/// What a step does (the `do` field and that operation's fields).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Op {
    /// Software writes a register; `value` fits the register's width.
    Write {
        /// The register.
        reg: Reg,
        /// The value.
        value: u64,
    },
    /// The CPU clears IF.
    Cli,
    /// The CPU sets IF.
    Sti,
    /// The CPU halts until an interrupt, NMI or INIT.
    Hlt,
    /// A fixed interrupt from the I/O APIC or an MSI.
    Irq {
        /// The vector.
        vector: u8,
        /// Level-triggered (default edge).
        level: bool,
    },
    /// A fixed, edge-triggered IPI to self through the ICR.
    SelfIpi {
        /// The vector.
        vector: u8,
    },
    /// An NMI arrives.
    Nmi,
    /// An INIT arrives.
    Init,
    /// A start-up IPI arrives.
    Sipi {
        /// The start page (entry at vector * 0x1000).
        vector: u8,
    },
    /// The armed LVT timer or TSC deadline expires now.
    TimerFire,
    /// The running handler writes EOI.
    Eoi,
    /// A guest kernel routine.
    Linux {
        /// Which routine.
        routine: Routine,
    },
    /// A checkpoint; changes nothing.
    Expect(Expect),
    /// Narration only.
    Note {
        /// The text.
        text: String,
    },
}

impl Op {
    /// The `do` name.
    pub fn name(&self) -> OpName {
        match self {
            Op::Write { .. } => OpName::Write,
            Op::Cli => OpName::Cli,
            Op::Sti => OpName::Sti,
            Op::Hlt => OpName::Hlt,
            Op::Irq { .. } => OpName::Irq,
            Op::SelfIpi { .. } => OpName::SelfIpi,
            Op::Nmi => OpName::Nmi,
            Op::Init => OpName::Init,
            Op::Sipi { .. } => OpName::Sipi,
            Op::TimerFire => OpName::TimerFire,
            Op::Eoi => OpName::Eoi,
            Op::Linux { .. } => OpName::Linux,
            Op::Expect(_) => OpName::Expect,
            Op::Note { .. } => OpName::Note,
        }
    }

    /// A short text for a step without a label.
    pub fn describe(&self) -> String {
        match self {
            Op::Write { reg, value } => format!("write {reg} {value:#x}"),
            Op::Irq { vector, level } => {
                format!(
                    "irq {}{}",
                    hex(*vector),
                    if *level { " (level)" } else { "" }
                )
            }
            Op::SelfIpi { vector } => format!("self_ipi {}", hex(*vector)),
            Op::Sipi { vector } => format!("sipi {}", hex(*vector)),
            Op::Linux { routine } => format!("{routine}()"),
            Op::Expect(e) => format!("expect {}", e.describe()),
            other => other.name().name().into(),
        }
    }
}

/// A value a checkpoint expects, shaped by its field's `Kind`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FieldValue {
    /// A set of vectors, ascending, no repeats.
    Vectors(Vec<u8>),
    /// A register value (8 or 32 bits as the field says).
    Number(u32),
    /// true or false.
    Bool(bool),
    /// A CPU run state.
    Cpu(CpuRun),
}

impl FieldValue {
    /// As the trace and messages show it: `[0xec]`, `0x1ff`, `true`, `halted`;
    /// an 8-bit field with two hex digits (`0x20`).
    pub fn show(&self, field: Field) -> String {
        match self {
            FieldValue::Vectors(v) => {
                format!(
                    "[{}]",
                    v.iter().map(|x| hex(*x)).collect::<Vec<_>>().join(",")
                )
            }
            FieldValue::Number(n) if field.kind() == Kind::U8 => format!("{n:#04x}"),
            FieldValue::Number(n) => format!("{n:#x}"),
            FieldValue::Bool(b) if field == Field::If => u8::from(*b).to_string(),
            FieldValue::Bool(b) => b.to_string(),
            FieldValue::Cpu(c) => c.name().into(),
        }
    }
}

/// A checkpoint: the fields it names must match the state after the step
/// before it, under the profiles it names (all when `profiles` is None).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expect {
    /// Only these profiles (None: all).
    pub profiles: Option<Vec<Profile>>,
    /// The fields and their expected values, in `Field` order, at least one.
    pub checks: Vec<(Field, FieldValue)>,
    /// The fields a reader predicts here before seeing them, in `Field`
    /// order, no repeats (`"predict"`; None: not a prediction checkpoint).
    /// Only the page uses it: it hides these fields until the prediction is
    /// checked or revealed. It checks nothing by itself.
    pub predict: Option<Vec<Field>>,
}

impl Expect {
    /// Whether it applies to `profile`.
    pub fn applies_to(&self, profile: Profile) -> bool {
        self.profiles
            .as_ref()
            .is_none_or(|ps| ps.contains(&profile))
    }

    /// The expected value of `field`, if the checkpoint names it.
    pub fn get(&self, field: Field) -> Option<&FieldValue> {
        self.checks
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, v)| v)
    }

    /// `irr=[0xec] isr=[] warn=true`.
    pub fn describe(&self) -> String {
        describe_checks(&self.checks)
    }
}

/// A checkpoint's checks as `Expect::describe` words them.
pub fn describe_checks(checks: &[(Field, FieldValue)]) -> String {
    checks
        .iter()
        .map(|(f, v)| format!("{f}={}", v.show(*f)))
        .collect::<Vec<_>>()
        .join(" ")
}

/// A vector as the trace and the kernel show it: `0xec`.
pub fn hex(vector: u8) -> String {
    format!("{vector:#04x}")
}
