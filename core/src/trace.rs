//! The trace: what the engine computes and the UI renders (README.md, "The
//! trace"). `states[0]` is the initial state, `states[k]` the state
//! after step k. Every field here is part of the JSON contract of
//! `apic-trace run --format json`; rename nothing without updating the README.

use serde::{Deserialize, Serialize};
// A trace is built and read on one thread (the page's, the CLI's): its
// shared parts are counted by `Rc`, not `Arc`, and a text's words are
// cached in a `OnceCell`, not a `OnceLock`. Every state of every run
// clones and drops its label's and its events' share: with atomic
// counts, tracing every built-in under the four profiles took 95 and 105
// us, with these 82 and 85 us (criterion medians, two runs of each).
use std::cell::OnceCell;
use std::rc::Rc;

pub use crate::apic::VectorBits;

#[cfg(feature = "engine")]
use crate::explain::LvtWrites;
pub use crate::format::CpuRun;
#[cfg(feature = "engine")]
use crate::format::{Field, FieldValue, Profile};
#[cfg(feature = "engine")]
use crate::outcome::Outcome;

/// The traces of one scenario under one or more profiles.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trace {
    /// The scenario's id.
    pub scenario: String,
    /// One entry per profile, in the order they were asked for.
    pub profiles: Vec<ProfileTrace>,
}

/// One profile's run through a scenario.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileTrace {
    /// The profile id (`hardware`, `kvm-apicv`, `kvm-emulated`, `kvm-emulated-fixed`).
    pub profile: String,
    /// `states[0]` before any step, `states[k]` after step k.
    pub states: Vec<State>,
}

/// APICv's virtual-interrupt delivery state (SDM 29.1.1, 29.2): the
/// guest-interrupt status field's RVI and SVI.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApicvState {
    /// Requesting virtual interrupt: the highest vector in VIRR (0 if none).
    pub rvi: u8,
    /// Servicing virtual interrupt: the highest vector in VISR (0 if none).
    pub svi: u8,
}

/// The kind of an event: what sort of thing happened (or did not).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, strum::VariantArray)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// A register was written.
    Write,
    /// A vector was accepted into IRR (TMR set or cleared with it).
    Accept,
    /// An incoming interrupt was dropped (not recorded in IRR).
    Drop,
    /// A vector moved IRR -> ISR and its handler was entered.
    Dispatch,
    /// A spurious interrupt was delivered (SPIV vector, no ISR, no EOI).
    Spurious,
    /// EOI cleared an ISR bit (or found none).
    Eoi,
    /// A pending IRR bit was not delivered, and why.
    Held,
    /// An LVT mask or value changed because of a rule.
    Mask,
    /// The CPU's state changed: IF, halt, wake, wait-for-SIPI.
    Cpu,
    /// NMI, INIT or SIPI.
    Signal,
    /// The timer armed, fired or was cancelled.
    Timer,
    /// A reset (power-up or INIT) of the APIC state.
    Reset,
    /// The guest kernel did something worth saying (a Linux routine's step).
    Guest,
    /// The guest kernel printed a warning.
    Warning,
    /// An error was recorded in ESR.
    Error,
    /// Narration from the scenario.
    Note,
}

/// One explained change (or interesting non-change) in a step.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// What sort of event.
    pub kind: EventKind,
    /// The vector concerned, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vector: Option<u8>,
    /// Plain words: what happened and why.
    pub text: Text,
    /// The rule or source that makes it happen: `sdm-10.4.7.2`,
    /// `kvm: kvm_apic_has_interrupt()`, `linux: apic_pending_intr_clear()`.
    pub rule: Rule,
}

/// A state's events: its part of its run's events, which every state of
/// the run shares (one allocation per run, not one per state: most states
/// have a few events, and a run has tens of states). Read as a slice
/// (`Deref`, `iter`); two are equal when their events are; serialized as
/// the list of events (README.md, "The trace").
#[derive(Clone, Default)]
pub struct Events {
    /// The run's events, once the run is complete (`share_events`); `None`
    /// for a state without events. A shared `Vec` rather than an
    /// `Rc<[Event]>`: the run's vector is shared as it is, not copied.
    all: Option<Rc<Vec<Event>>>,
    /// Where this state's events start in `all`.
    start: usize,
    /// Where they end.
    end: usize,
}

impl Events {
    /// Events `start..end` of a run's events, which the run gives every
    /// state once it is complete (`share_events`).
    pub(crate) fn pending(start: usize, end: usize) -> Events {
        Events {
            all: None,
            start,
            end,
        }
    }

    /// The events, in order.
    pub fn as_slice(&self) -> &[Event] {
        self.all
            .as_deref()
            .and_then(|all| all.get(self.start..self.end))
            .unwrap_or_default()
    }
}

/// Give each state of a run its part of the run's events (`Events::pending`),
/// now that they are all in `all`, which is left empty. One allocation for
/// the run's events (and one for their count), shared by every state that
/// has some.
pub(crate) fn share_events(states: &mut [State], all: &mut Vec<Event>) {
    if all.is_empty() {
        return;
    }
    let shared = Rc::new(std::mem::take(all));
    for s in states {
        if s.events.start < s.events.end {
            s.events.all = Some(Rc::clone(&shared));
        }
    }
}

impl From<Vec<Event>> for Events {
    fn from(events: Vec<Event>) -> Events {
        if events.is_empty() {
            return Events::default();
        }
        let end = events.len();
        Events {
            all: Some(Rc::new(events)),
            start: 0,
            end,
        }
    }
}

impl std::ops::Deref for Events {
    type Target = [Event];
    fn deref(&self) -> &[Event] {
        self.as_slice()
    }
}

impl<'a> IntoIterator for &'a Events {
    type Item = &'a Event;
    type IntoIter = std::slice::Iter<'a, Event>;
    fn into_iter(self) -> Self::IntoIter {
        self.as_slice().iter()
    }
}

impl PartialEq for Events {
    fn eq(&self, other: &Events) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl Eq for Events {}

impl std::fmt::Debug for Events {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self.as_slice(), f)
    }
}

impl Serialize for Events {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.as_slice().serialize(s)
    }
}

impl<'de> Deserialize<'de> for Events {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Events, D::Error> {
        Vec::<Event>::deserialize(d).map(Events::from)
    }
}

/// Words in a trace: an event's text, a step's label, a checkpoint's
/// detail. The engine keeps an event as data (the step's `Outcome` and the
/// profile) and formats its words (`explain.rs`) only when something reads
/// them: the page shows one step at a time, so most events of a trace are
/// never formatted. Words every profile's run shows alike (a label) are
/// shared, not copied. Read as a `str` (`Deref`, `Display`); two texts are
/// equal when their words are; serialized as the string (README.md, "The
/// trace").
#[derive(Deserialize)]
#[serde(from = "String")]
pub struct Text {
    of: TextOf,
    /// The words of a text formatted from an outcome, once read. A
    /// `Box<str>`, not a `String`: the words never grow, and every event,
    /// label and checkpoint of a trace carries this cell.
    #[cfg_attr(not(feature = "engine"), allow(dead_code))]
    words: OnceCell<Box<str>>,
}

/// What a text is formatted from. Without the engine (feature `engine`)
/// a text is only ever words: those of a trace the engine computed ahead
/// of time (`library`).
#[derive(Clone, Debug)]
pub(crate) enum TextOf {
    /// One outcome, as `profile` explains it.
    #[cfg(feature = "engine")]
    Outcome(Outcome, Profile),
    /// A guest routine's LVT writes in one step, folded into one event
    /// (boxed: at most one per step, and it would double every text's size).
    #[cfg(feature = "engine")]
    LvtWrites(Box<LvtWrites>),
    /// A checkpoint met: "<what it checks>: ok", shared by every
    /// profile's run.
    #[cfg(feature = "engine")]
    Met(Rc<[(Field, FieldValue)]>),
    /// Words given as they are (a trace read back, another runner's
    /// events, a step's label): bytes `start..end` of `all`, shared by
    /// every clone (a scenario's labels share one string).
    Words {
        /// The string the words are part of.
        all: Rc<str>,
        /// Where they start in it.
        start: usize,
        /// Where they end.
        end: usize,
    },
}

impl Text {
    pub(crate) fn of(of: TextOf) -> Text {
        Text {
            of,
            words: OnceCell::new(),
        }
    }

    /// Bytes `start..end` of `all` (char boundaries), shared.
    pub(crate) fn part(all: &Rc<str>, start: usize, end: usize) -> Text {
        Text::of(TextOf::Words {
            all: Rc::clone(all),
            start,
            end,
        })
    }

    /// The words, formatted on first use.
    pub fn as_str(&self) -> &str {
        match &self.of {
            TextOf::Words { all, start, end } => all.get(*start..*end).unwrap_or_default(),
            #[cfg(feature = "engine")]
            TextOf::Outcome(o, profile) => self
                .words
                .get_or_init(|| crate::explain::outcome_text(o, *profile).into()),
            #[cfg(feature = "engine")]
            TextOf::LvtWrites(w) => self
                .words
                .get_or_init(|| crate::explain::lvt_writes_text(w).into()),
            #[cfg(feature = "engine")]
            TextOf::Met(e) => self.words.get_or_init(|| crate::expect::met_text(e).into()),
        }
    }
}

impl Clone for Text {
    fn clone(&self) -> Text {
        match &self.of {
            // Shared words: a reference count, nothing else to copy.
            TextOf::Words { all, start, end } => Text::part(all, *start, *end),
            #[cfg(feature = "engine")]
            of => Text {
                of: of.clone(),
                words: self.words.clone(),
            },
        }
    }
}

impl Default for Text {
    fn default() -> Text {
        Text::from("")
    }
}

impl From<Rc<str>> for Text {
    fn from(words: Rc<str>) -> Text {
        Text::part(&words, 0, words.len())
    }
}

impl From<String> for Text {
    fn from(words: String) -> Text {
        Text::from(Rc::<str>::from(words))
    }
}

impl From<&str> for Text {
    fn from(words: &str) -> Text {
        Text::from(Rc::<str>::from(words))
    }
}

impl Serialize for Text {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl std::ops::Deref for Text {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl PartialEq for Text {
    fn eq(&self, other: &Text) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for Text {}

impl PartialEq<str> for Text {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Text {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl std::fmt::Debug for Text {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self.as_str(), f)
    }
}

impl std::fmt::Display for Text {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An event's rule or source: one of the model's `&'static str` sources
/// (the SDM section, a kernel function, a profile's decision), or words
/// read back (a trace's JSON, another runner's events, the library, whose
/// rules share the entry's one copy of each text). Read as a `str`; two
/// rules are equal when their words are; serialized as the string.
#[derive(Clone, Deserialize)]
#[serde(from = "String")]
pub struct Rule(RuleOf);

#[derive(Clone)]
enum RuleOf {
    /// One of the model's sources.
    Static(&'static str),
    /// Words read back, shared by every clone.
    Shared(Rc<str>),
}

impl Rule {
    /// The rule as a string.
    pub fn as_str(&self) -> &str {
        match &self.0 {
            RuleOf::Static(rule) => rule,
            RuleOf::Shared(rule) => rule,
        }
    }
}

impl From<&'static str> for Rule {
    fn from(rule: &'static str) -> Rule {
        Rule(RuleOf::Static(rule))
    }
}

impl From<Rc<str>> for Rule {
    fn from(rule: Rc<str>) -> Rule {
        Rule(RuleOf::Shared(rule))
    }
}

impl From<String> for Rule {
    fn from(rule: String) -> Rule {
        Rule::from(Rc::<str>::from(rule))
    }
}

impl Serialize for Rule {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl PartialEq for Rule {
    fn eq(&self, other: &Rule) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for Rule {}

impl std::ops::Deref for Rule {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl PartialEq<str> for Rule {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Rule {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl std::fmt::Debug for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self.as_str(), f)
    }
}

impl std::fmt::Display for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The result of an `expect` step under one profile.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExpectResult {
    /// Whether every named field matched.
    pub ok: bool,
    /// What was checked and, when it failed, what differed.
    pub detail: Text,
}

/// The visible state after a step, with what happened in that step.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct State {
    /// 0 for the initial state, k after step k.
    pub step: usize,
    /// The step's label (the initial state's is "initial state").
    pub label: Text,
    /// Vectors set in IRR (a list, ascending, in JSON).
    pub irr: VectorBits,
    /// Vectors set in ISR.
    pub isr: VectorBits,
    /// Vectors set in TMR.
    pub tmr: VectorBits,
    /// Task-priority register.
    pub tpr: u8,
    /// Processor-priority register (SDM 10.8.3.1).
    pub ppr: u8,
    /// Spurious-interrupt vector register.
    pub spiv: u32,
    /// KVM's `apic_enabled()` (arch/x86/kvm/lapic.h): IA32_APIC_BASE bit 11
    /// (hardware enable) and SPIV bit 8 (software enable) both set. The
    /// name is the trace contract's.
    pub sw_enabled: bool,
    /// The CPU's interrupt flag.
    #[serde(rename = "if")]
    pub if_flag: bool,
    /// Running, halted or waiting for SIPI.
    pub cpu: CpuRun,
    /// LVT timer register.
    pub lvt_timer: u32,
    /// LVT LINT0 register.
    pub lvt_lint0: u32,
    /// LVT LINT1 register.
    pub lvt_lint1: u32,
    /// LVT error register.
    pub lvt_error: u32,
    /// LVT performance-counter register.
    pub lvt_pmc: u32,
    /// LVT thermal-sensor register.
    pub lvt_thermal: u32,
    /// RVI/SVI under `kvm-apicv`, `null` elsewhere.
    pub apicv: Option<ApicvState>,
    /// What happened in this step, in order.
    pub events: Events,
    /// What the guest kernel printed at this step.
    pub warnings: Vec<String>,
    /// The checkpoint's result, when this step is an `expect`. In place,
    /// not boxed: a quarter of the runs' states are checkpoints, and an
    /// allocation each cost more than the room in every state.
    pub expect: Option<ExpectResult>,
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    // An event of the engine keeps its outcome and is worded when read; read
    // back from JSON it holds the words. Both are the same event (README.md,
    // "The trace": the text is a string), so a trace survives its JSON.
    #[test]
    fn an_outcome_worded_when_read_equals_the_same_words_read_back() {
        let of_outcome = Text::of(TextOf::Outcome(Outcome::EoiNone, Profile::Hardware));
        let words = Text::from("EOI with ISR empty: no effect");
        assert_eq!(of_outcome, words);
        assert_eq!(of_outcome.as_str(), "EOI with ISR empty: no effect");
        let json = serde_json::to_string(&of_outcome).unwrap();
        assert_eq!(json, r#""EOI with ISR empty: no effect""#);
        assert_eq!(serde_json::from_str::<Text>(&json).unwrap(), of_outcome);
        assert_eq!(format!("{of_outcome}"), "EOI with ISR empty: no effect");
        assert_eq!(
            format!("{of_outcome:?}"),
            r#""EOI with ISR empty: no effect""#
        );
        assert_ne!(of_outcome, Text::from("EOI"));
    }

    // The words name the implementation of the profile kept with the
    // outcome (`Profile::implementer`), as when they were formatted at once.
    #[test]
    fn the_words_follow_the_profile_kept_with_the_outcome() {
        let kept = Outcome::HwDisabled { kept: true };
        let kvm = Text::of(TextOf::Outcome(kept.clone(), Profile::KvmEmulated));
        let qemu = Text::of(TextOf::Outcome(kept, Profile::Qemu));
        assert!(kvm.contains("but KVM resets nothing"), "{kvm}");
        assert!(qemu.contains("but QEMU resets nothing"), "{qemu}");
        assert_eq!(kvm.clone(), kvm);
    }

    #[test]
    fn a_rule_reads_as_its_string() {
        let rule = Rule::from("sdm-10.8.5");
        assert_eq!(rule, "sdm-10.8.5");
        assert_eq!(rule.as_str(), "sdm-10.8.5");
        assert_eq!(serde_json::to_string(&rule).unwrap(), r#""sdm-10.8.5""#);
        assert_eq!(
            serde_json::from_str::<Rule>(r#""sdm-10.8.5""#).unwrap(),
            rule
        );
    }
}
