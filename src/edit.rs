//! Edits of a scenario of one's own, as pure functions of `Scenario`
//! values (the page edits scenarios directly: it needs no reader for
//! that). The editor's step list, the timeline's what-if palette and the
//! reducer's undo history all go through `apply`.

use apic_core::format::{
    Expect, Field, FieldValue, Kind, Op, OpName, Reg, Routine, Scenario, Step,
};

/// One change to a scenario's steps or header. Step indices count from 0
/// (step i is the trace's state i + 1).
#[derive(Clone, Debug, PartialEq)]
pub enum StepEdit {
    /// A new step at `at` (0..=len).
    Insert(usize, Step),
    /// Step `at` becomes `step`.
    Replace(usize, Step),
    /// Remove step `at`.
    Delete(usize),
    /// A copy of step `at` right after it.
    Duplicate(usize),
    /// Step `from` moves to index `to`.
    Move(usize, usize),
    /// Title and summary.
    Header(String, String),
}

/// The most steps the editor adds up to (format v1's own cap).
pub const MAX_STEPS: usize = apic_core::format::MAX_STEPS;

/// The scenario after `edit`, `None` when the edit does not apply.
pub fn apply(s: &Scenario, edit: &StepEdit) -> Option<Scenario> {
    let mut out = s.clone();
    let n = out.steps.len();
    match edit {
        StepEdit::Insert(at, step) if *at <= n && n < MAX_STEPS => {
            out.steps.insert(*at, step.clone())
        }
        StepEdit::Replace(at, step) => *out.steps.get_mut(*at)? = step.clone(),
        StepEdit::Delete(at) if *at < n => {
            out.steps.remove(*at);
        }
        StepEdit::Duplicate(at) if *at < n && n < MAX_STEPS => {
            let copy = out.steps.get(*at)?.clone();
            out.steps.insert(at + 1, copy);
        }
        StepEdit::Move(from, to) if *from < n && *to < n && from != to => {
            let step = out.steps.remove(*from);
            out.steps.insert(*to, step);
        }
        StepEdit::Header(title, summary) => {
            out.title = title.clone();
            out.summary = summary.clone();
        }
        _ => return None,
    }
    (out != *s).then_some(out)
}

/// A copy to edit: id `<id>-copy` (cut to the format's 64 characters),
/// title, summary, steps, labels and notes kept.
pub fn fork(s: &Scenario) -> Scenario {
    let base: String = s.id.chars().take(64 - 5).collect();
    Scenario {
        id: format!("{base}-copy"),
        ..s.clone()
    }
}

/// The op a step gets when its `do` is chosen: the same fields where the
/// old op had them, else a typical value.
pub fn op_for(name: OpName, old: &Op) -> Op {
    let vector = match old {
        Op::Irq { vector, .. } | Op::SelfIpi { vector } | Op::Sipi { vector } => *vector,
        _ => 0xec,
    };
    match name {
        OpName::Write => match old {
            Op::Write { .. } => old.clone(),
            _ => Op::Write {
                reg: Reg::Tpr,
                value: 0,
            },
        },
        OpName::Cli => Op::Cli,
        OpName::Sti => Op::Sti,
        OpName::Hlt => Op::Hlt,
        OpName::Irq => Op::Irq {
            vector,
            level: matches!(old, Op::Irq { level: true, .. }),
        },
        OpName::SelfIpi => Op::SelfIpi { vector },
        OpName::Nmi => Op::Nmi,
        OpName::Init => Op::Init,
        OpName::Sipi => Op::Sipi {
            vector: if matches!(old, Op::Sipi { .. }) {
                vector
            } else {
                0x9a
            },
        },
        OpName::TimerFire => Op::TimerFire,
        OpName::Eoi => Op::Eoi,
        OpName::Linux => match old {
            Op::Linux { .. } => old.clone(),
            _ => Op::Linux {
                routine: Routine::SetupLocalApic,
            },
        },
        OpName::Expect => match old {
            Op::Expect(_) => old.clone(),
            _ => Op::Expect(Expect {
                profiles: None,
                checks: vec![(Field::Irr, FieldValue::Vectors(Vec::new()))],
                predict: None,
            }),
        },
        OpName::Note => match old {
            Op::Note { .. } => old.clone(),
            _ => Op::Note {
                text: String::new(),
            },
        },
    }
}

/// The what-if palette of the timeline: the ops worth trying at a step.
pub const PALETTE: [OpName; 11] = [
    OpName::Cli,
    OpName::Sti,
    OpName::Irq,
    OpName::SelfIpi,
    OpName::Nmi,
    OpName::Init,
    OpName::Sipi,
    OpName::TimerFire,
    OpName::Eoi,
    OpName::Write,
    OpName::Linux,
];

/// A number as files write it: decimal, or hex with `0x`.
pub fn number(text: &str) -> Option<u64> {
    let t = text.trim();
    match t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        Some(hex) if !hex.is_empty() => u64::from_str_radix(hex, 16).ok(),
        Some(_) => None,
        None => t.parse().ok(),
    }
}

/// A value in a register's width (`None` when it does not fit).
pub fn reg_value(reg: Reg, text: &str) -> Option<u64> {
    let v = number(text)?;
    (reg.width_bits() >= 64 || v >> reg.width_bits() == 0).then_some(v)
}

/// A vector, 0 to 255.
pub fn vector(text: &str) -> Option<u8> {
    u8::try_from(number(text)?).ok()
}

/// An expect field's value from the editor's text: vectors as a comma
/// list (`0xec, 0x31`), numbers in hex or decimal, `true`/`false` (or
/// 1/0), a CPU state's name.
pub fn field_value(field: Field, text: &str) -> Option<FieldValue> {
    let t = text.trim();
    match field.kind() {
        Kind::Vectors => {
            let mut v: Vec<u8> = t
                .trim_start_matches('[')
                .trim_end_matches(']')
                .split(',')
                .map(|x| x.trim().trim_matches('"'))
                .filter(|x| !x.is_empty())
                .map(vector)
                .collect::<Option<_>>()?;
            v.sort_unstable();
            v.dedup();
            Some(FieldValue::Vectors(v))
        }
        Kind::U8 => u8::try_from(number(t)?)
            .ok()
            .map(|n| FieldValue::Number(n.into())),
        Kind::U32 => u32::try_from(number(t)?).ok().map(FieldValue::Number),
        Kind::Bool => match t {
            "true" | "1" => Some(FieldValue::Bool(true)),
            "false" | "0" => Some(FieldValue::Bool(false)),
            _ => None,
        },
        Kind::Cpu => apic_core::format::CpuRun::from_name(t).map(FieldValue::Cpu),
    }
}

/// A value as the editor shows it (`0xec, 0x31` for vectors).
pub fn show_value(value: &FieldValue, field: Field) -> String {
    match value {
        FieldValue::Vectors(v) => v
            .iter()
            .map(|x| format!("{x:#04x}"))
            .collect::<Vec<_>>()
            .join(", "),
        other => other.show(field),
    }
}

/// The default value of a field newly added to an expect.
pub fn default_value(field: Field) -> FieldValue {
    match field.kind() {
        Kind::Vectors => FieldValue::Vectors(Vec::new()),
        Kind::U8 | Kind::U32 => FieldValue::Number(0),
        Kind::Bool => FieldValue::Bool(false),
        Kind::Cpu => FieldValue::Cpu(apic_core::format::CpuRun::Running),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn sample() -> Scenario {
        apic_core::builtin::get("hotplug-cpu0").unwrap()
    }

    #[test]
    fn edits_apply_or_refuse() {
        let s = sample();
        let n = s.steps.len();
        let ins = apply(&s, &StepEdit::Insert(6, Step::new(Op::Sti))).unwrap();
        assert_eq!(ins.steps.len(), n + 1);
        assert_eq!(ins.steps.get(6).unwrap().op, Op::Sti);
        assert_eq!(apply(&ins, &StepEdit::Delete(6)).unwrap(), s);
        assert!(apply(&s, &StepEdit::Insert(n + 1, Step::new(Op::Sti))).is_none());
        assert!(apply(&s, &StepEdit::Delete(n)).is_none());
        let moved = apply(&s, &StepEdit::Move(0, 1)).unwrap();
        assert_eq!(moved.steps.get(1), s.steps.first());
        assert_eq!(apply(&moved, &StepEdit::Move(1, 0)).unwrap(), s);
        let dup = apply(&s, &StepEdit::Duplicate(0)).unwrap();
        assert_eq!(dup.steps.first(), dup.steps.get(1));
    }

    #[test]
    fn fork_keeps_all_but_the_id() {
        let s = sample();
        let f = fork(&s);
        assert_eq!(f.id, "hotplug-cpu0-copy");
        assert_eq!((f.title.clone(), f.steps.clone()), (s.title, s.steps));
        let long = Scenario {
            id: "x".repeat(64),
            ..f
        };
        assert_eq!(fork(&long).id.len(), 64);
    }

    #[test]
    fn numbers_in_hex_or_decimal() {
        assert_eq!(number("0xec"), Some(236));
        assert_eq!(number("236"), Some(236));
        assert_eq!(number("0x"), None);
        assert_eq!(number("ec"), None);
        assert_eq!(vector("256"), None);
        assert_eq!(reg_value(Reg::Tpr, "0x100000000"), None);
        assert_eq!(
            field_value(Field::Irr, "0xec, 49"),
            Some(FieldValue::Vectors(vec![49, 0xec]))
        );
        assert_eq!(field_value(Field::Tpr, "0x1ff"), None);
    }
}
