//! A scenario and its traces under every profile, computed once when the
//! scenario (or the guest kernel) is chosen (the engine is pure, so this is a plain function call).
//! Everything a step's screen needs is derived here ahead of time: bit sets,
//! the bits and fields this step changed, and what differs from real
//! hardware. Rendering a step is then indexing, never recomputing.

use std::rc::Rc;

use apic_core::{compare, Event, Profile, ProfileTrace, State, Trace};
use yew::AttrValue;

use crate::bits::Bits256;
use crate::predict::Checkpoint;

pub use apic_core::format::Field;
use apic_core::format::Kernel;
pub use apic_core::view::Meta;

/// How the screen names a field of the visible state.
pub fn label(field: Field) -> &'static str {
    match field {
        Field::Irr => "IRR",
        Field::Isr => "ISR",
        Field::Tmr => "TMR",
        Field::Tpr => "TPR",
        Field::Ppr => "PPR",
        Field::Spiv => "SPIV",
        Field::SwEnabled => "APIC enabled",
        Field::If => "IF",
        Field::Cpu => "CPU state",
        Field::LvtTimer => "LVT timer",
        Field::LvtLint0 => "LVT LINT0",
        Field::LvtLint1 => "LVT LINT1",
        Field::LvtError => "LVT error",
        Field::LvtPmc => "LVT PMC",
        Field::LvtThermal => "LVT thermal",
        Field::Warn => "guest warnings",
    }
}

/// A line the guest kernel printed, and the step that printed it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Warning {
    /// The step (state index) at which it was printed.
    pub step: usize,
    /// What was printed.
    pub text: AttrValue,
}

/// One profile's state after one step, with what the screen derives from it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StepView {
    /// The core's state, as computed.
    pub state: State,
    /// IRR as a bit set.
    pub irr: Bits256,
    /// ISR as a bit set.
    pub isr: Bits256,
    /// TMR as a bit set.
    pub tmr: Bits256,
    /// IRR bits this step changed.
    pub irr_changed: Bits256,
    /// ISR bits this step changed.
    pub isr_changed: Bits256,
    /// TMR bits this step changed.
    pub tmr_changed: Bits256,
    /// Fields this step changed (relative to the previous state).
    pub changed: Vec<Field>,
    /// Whether this step changed APICv's RVI/SVI.
    pub apicv_changed: bool,
    /// Fields that differ from real hardware at this step
    /// (`apic_core::compare`, the one definition).
    pub differs: Vec<Field>,
}

impl StepView {
    /// Whether this step changed `field`.
    pub fn changed(&self, field: Field) -> bool {
        self.changed.contains(&field)
    }
}

/// One profile's whole run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProfileRun {
    /// Which profile.
    pub profile: Profile,
    /// `steps[k]` is the state after step k (`steps[0]` the initial state).
    pub steps: Vec<Rc<StepView>>,
    /// Every warning of the run, in step order.
    pub warnings: Rc<[Warning]>,
    /// `warned[k]`: the guest has warned at state k or before.
    pub warned: Vec<bool>,
}

impl ProfileRun {
    /// The view at step `k`, if the run has one.
    pub fn at(&self, k: usize) -> Option<&Rc<StepView>> {
        self.steps.get(k)
    }
}

/// A step of the timeline, the same under every profile.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StepInfo {
    /// The label (a Linux function name, mostly).
    pub label: AttrValue,
    /// The scenario's narration for it.
    pub note: Option<AttrValue>,
}

/// A scenario with a run per profile.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScenarioData {
    /// The scenario's id (`hotplug-cpu0`).
    pub id: AttrValue,
    /// Its title.
    pub title: AttrValue,
    /// Its summary.
    pub summary: AttrValue,
    /// `steps[k]` describes state k; `steps[0]` is the initial state.
    pub steps: Rc<[StepInfo]>,
    /// One run per profile, in `Profile::EVERY` order.
    pub runs: Vec<Rc<ProfileRun>>,
    /// Its prediction checkpoints (`crate::predict`).
    pub checkpoints: Rc<[Checkpoint]>,
}

impl ScenarioData {
    /// Builds the screen's data from a trace, taking its states (a clone of
    /// every state, events and all, had cost most of a re-trace). Fails
    /// (with a message) on a trace the screen cannot show: no profile, or no
    /// state.
    pub fn from_trace(meta: Meta, trace: Trace) -> Result<ScenarioData, String> {
        let mut traces: Vec<(Profile, ProfileTrace)> = trace
            .profiles
            .into_iter()
            .filter_map(|pt| Profile::from_id(&pt.profile).map(|p| (p, pt)))
            .collect();
        sort_short(&mut traces, |(a, _), (b, _)| a < b);
        traces.dedup_by_key(|(p, _)| *p);
        // Lockstep needs equal lengths; a shorter run would leave panes blank.
        let len = traces
            .iter()
            .map(|(_, pt)| pt.states.len())
            .min()
            .unwrap_or(0);
        if len == 0 {
            return Err(format!(
                "scenario \"{}\" produced no state to show",
                meta.id
            ));
        }
        // What differs from real hardware needs every run beside it, so it
        // is worked out before the states move into their views.
        let from_hardware: Vec<Vec<Vec<Field>>> = {
            let hardware = traces
                .iter()
                .find(|(p, _)| *p == Profile::Hardware)
                .map(|(_, pt)| pt);
            traces
                .iter()
                .map(|(p, pt)| match hardware {
                    Some(hw) if *p != Profile::Hardware => compare::runs(pt, hw),
                    _ => Vec::new(),
                })
                .collect()
        };
        let steps: Rc<[StepInfo]> = traces
            .first()
            .map(|(_, pt)| {
                pt.states
                    .iter()
                    .take(len)
                    .enumerate()
                    .map(|(k, s)| StepInfo {
                        label: AttrValue::from(s.label.as_str().to_owned()),
                        note: k
                            .checked_sub(1)
                            .and_then(|i| meta.notes.get(i))
                            .and_then(|n| n.clone())
                            .map(AttrValue::from),
                    })
                    .collect()
            })
            .unwrap_or_else(|| Rc::from(Vec::new()));
        let runs = traces
            .into_iter()
            .zip(from_hardware)
            .map(|((p, pt), differs)| Rc::new(build_run(p, pt, differs, len)))
            .collect();
        Ok(ScenarioData {
            id: meta.id.into(),
            title: meta.title.into(),
            summary: meta.summary.into(),
            steps,
            runs,
            // A checkpoint past the last state could never be shown.
            checkpoints: meta
                .checkpoints
                .into_iter()
                .filter(|c| c.step < len)
                .collect(),
        })
    }

    /// The index of the last state (the number of steps).
    pub fn last(&self) -> usize {
        self.steps.len().saturating_sub(1)
    }

    /// The run of `profile`.
    pub fn run(&self, profile: Profile) -> Option<&Rc<ProfileRun>> {
        self.runs.iter().find(|r| r.profile == profile)
    }
}

fn build_run(
    profile: Profile,
    pt: ProfileTrace,
    differs: Vec<Vec<Field>>,
    len: usize,
) -> ProfileRun {
    let warnings: Rc<[Warning]> = pt
        .states
        .iter()
        .take(len)
        .flat_map(|s| {
            s.warnings.iter().map(move |w| Warning {
                step: s.step,
                text: AttrValue::from(w.clone()),
            })
        })
        .collect();
    let warned = compare::warned_so_far(&pt);
    let mut differs = differs.into_iter();
    let mut steps: Vec<Rc<StepView>> = Vec::with_capacity(len);
    for (k, state) in pt.states.into_iter().take(len).enumerate() {
        let irr = Bits256::from_bits(&state.irr);
        let isr = Bits256::from_bits(&state.isr);
        let tmr = Bits256::from_bits(&state.tmr);
        let was_warned = k
            .checked_sub(1)
            .and_then(|j| warned.get(j))
            .copied()
            .unwrap_or(false);
        let now_warned = warned.get(k).copied().unwrap_or(false);
        let (irr_changed, isr_changed, tmr_changed, changed, apicv_changed) =
            match steps.last().map(|v| &v.state) {
                Some(prev) => (
                    irr.changed_from(Bits256::from_bits(&prev.irr)),
                    isr.changed_from(Bits256::from_bits(&prev.isr)),
                    tmr.changed_from(Bits256::from_bits(&prev.tmr)),
                    compare::differing(prev, was_warned, &state, now_warned),
                    state.apicv != prev.apicv,
                ),
                None => (
                    Bits256::EMPTY,
                    Bits256::EMPTY,
                    Bits256::EMPTY,
                    Vec::new(),
                    false,
                ),
            };
        steps.push(Rc::new(StepView {
            state,
            irr,
            isr,
            tmr,
            irr_changed,
            isr_changed,
            tmr_changed,
            changed,
            apicv_changed,
            differs: differs.next().unwrap_or_default(),
        }));
    }
    ProfileRun {
        profile,
        steps,
        warnings,
        warned,
    }
}

/// The events of a step that every pane shows alike (same kind, vector,
/// text and rule), in the first pane's order: what the panes fold, so that
/// what differs between them is what the eye meets. With fewer than two
/// panes nothing is alike.
pub fn shared_events<'a>(views: impl IntoIterator<Item = &'a StepView>) -> Vec<Event> {
    let views: Vec<&StepView> = views.into_iter().collect();
    let Some((first, rest)) = views.split_first() else {
        return Vec::new();
    };
    if rest.is_empty() {
        return Vec::new();
    }
    first
        .state
        .events
        .iter()
        .filter(|e| rest.iter().all(|v| v.state.events.contains(e)))
        .cloned()
        .collect()
}

/// A built-in scenario of the core, run under every profile with `guest`'s
/// routines.
#[cfg(feature = "play")]
pub fn load_builtin(id: &str, guest: Kernel) -> Result<ScenarioData, String> {
    let scenario = crate::library::scenario(id)?;
    let trace = apic_core::engine::run_all_guest(&scenario, &Profile::EVERY, guest);
    ScenarioData::from_trace(Meta::of(&scenario), trace)
}

/// A built-in scenario of the core under every profile with `guest`'s
/// routines, as the engine traced it ahead of time (the viewer links no
/// engine: `crate::library`).
#[cfg(not(feature = "play"))]
pub fn load_builtin(id: &str, guest: Kernel) -> Result<ScenarioData, String> {
    let (meta, trace) = crate::library::view(id, guest)?;
    ScenarioData::from_trace(meta, trace)
}

/// Sorts a short list (a run's few profiles, the dozen built-ins) by
/// insertion, keeping equal items in order. The standard library's sorts
/// are made for long slices and cost the page's first load some 6 KiB of
/// code (README, "Performance": first load).
fn sort_short<T>(v: &mut [T], less: impl Fn(&T, &T) -> bool) {
    for i in 1..v.len() {
        let mut j = i;
        while j > 0 && matches!((v.get(j), v.get(j - 1)), (Some(a), Some(b)) if less(a, b)) {
            v.swap(j, j - 1);
            j -= 1;
        }
    }
}

/// Where a built-in stands in the picker: the seed's story first, then the
/// guided tour, the scenarios that teach one rule each, and the exercises
/// (numbered in their titles, so in title order).
fn picker_group(id: &str) -> u8 {
    if id.starts_with("hotplug-cpu0") && !id.ends_with("irqs-off") {
        0
    } else if id.starts_with("hotplug") {
        1
    } else if id.starts_with("tour") {
        2
    } else if id.starts_with("exercise") {
        4
    } else {
        3
    }
}

/// The built-in scenarios for the picker, in picker order: id, title.
pub fn catalog() -> Vec<(AttrValue, AttrValue)> {
    let mut list: Vec<_> = apic_core::builtin::titles().collect();
    sort_short(&mut list, |a, b| {
        (picker_group(a.0), a.1) < (picker_group(b.0), b.1)
    });
    list.into_iter()
        .map(|(id, title)| (AttrValue::Static(id), AttrValue::Static(title)))
        .collect()
}

/// The scenario shown when the URL names none: the seed's story.
pub const DEFAULT_SCENARIO: &str = apic_core::builtin::SEED_ID;

#[cfg(test)]
mod tests {
    use super::sort_short;

    /// Insertion by `less`: ascending, and items that compare equal keep
    /// their order (the picker's built-ins of one group and title).
    #[test]
    fn sort_short_is_ascending_and_stable() {
        let mut v = [(3, 'a'), (1, 'b'), (3, 'c'), (2, 'd'), (1, 'e'), (0, 'f')];
        sort_short(&mut v, |x, y| x.0 < y.0);
        assert_eq!(
            v,
            [(0, 'f'), (1, 'b'), (1, 'e'), (2, 'd'), (3, 'a'), (3, 'c')]
        );
        let mut none: [u8; 0] = [];
        sort_short(&mut none, |x, y| x < y);
        let mut one = [7];
        sort_short(&mut one, |x, y| x < y);
        assert_eq!(one, [7]);
    }
}
