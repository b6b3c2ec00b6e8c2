//! Holding a model run to a run on the host's KVM (`kvm-host`), on every
//! machine (it needs no KVM, so recorded host traces can be checked
//! anywhere): every state and field that differs, except
//!
//! - the fields this host cannot show (`HostFacts::unobservable`, e.g. ISR
//!   and PPR on the paravirtual `kvm_pvm` host): left out, and said so;
//! - the documented host quirks of [`QUIRKS`]: each difference one of them
//!   explains is listed with its reason and source, never dropped silently.

use apic_core::compare::{differences, Difference};
use apic_core::format::{Field, Processor, Scenario};
use apic_core::trace::ProfileTrace;

/// A documented way in which the host differs from the model profile it
/// stands for, for a reason that lies outside the profile's meaning (a
/// runner artefact, or a KVM behaviour the profiles deliberately leave out).
#[derive(Debug)]
pub struct Quirk {
    /// A short id, shown with each difference it explains.
    pub id: &'static str,
    /// What differs and why.
    pub reason: &'static str,
    /// Where it comes from (a kernel function, a finding).
    pub source: &'static str,
    /// Whether it explains a difference (`model` and `host` are the two
    /// values as shown, e.g. `0x10000` and `0x700`).
    pub explains: fn(&Scenario, Field, &str, &str) -> bool,
}

/// The documented host quirks; see each one's reason.
pub static QUIRKS: &[Quirk] = &[Quirk {
    id: "lint0-boot-vcpu",
    reason: "the runner's only vCPU is KVM's boot vCPU (vcpu_id 0 = bsp_vcpu_id), so \
             kvm_lapic_reset() programs LVT LINT0 as ExtINT (0x700; 0x10700 once software \
             disable masks it) even when the scenario's processor is an AP, whose LINT0 the \
             model keeps masked (0x10000)",
    source: "arch/x86/kvm/lapic.c kvm_lapic_reset(): if (kvm_vcpu_is_reset_bsp(vcpu) && \
             kvm_check_has_quirk(vcpu->kvm, KVM_X86_QUIRK_LINT0_REENABLED)) \
             kvm_lapic_set_reg(apic, APIC_LVT0, SET_APIC_DELIVERY_MODE(0, APIC_MODE_EXTINT))",
    explains: |s, field, model, host| {
        s.processor == Processor::Ap
            && field == Field::LvtLint0
            && matches!((model, host), ("0x10000", "0x700") | ("0x10000", "0x10700"))
    },
}];

/// A difference a quirk explains.
#[derive(Debug)]
pub struct Explained {
    /// The difference (left: the model, right: the host).
    pub difference: Difference,
    /// The quirk.
    pub quirk: &'static Quirk,
}

/// A model run held to a host run.
#[derive(Debug, Default)]
pub struct Comparison {
    /// States compared (the shorter run's length).
    pub states: usize,
    /// Differences nothing explains (left: the model, right: the host).
    pub differences: Vec<Difference>,
    /// Differences a documented quirk explains.
    pub explained: Vec<Explained>,
    /// Fields left out because the host cannot show them.
    pub left_out: Vec<Field>,
    /// The two runs' lengths, when they differ.
    pub lengths: Option<(usize, usize)>,
}

impl Comparison {
    /// Whether the runs agree (quirks and left-out fields aside).
    pub fn agree(&self) -> bool {
        self.differences.is_empty() && self.lengths.is_none()
    }

    /// The states with an unexplained difference, ascending.
    pub fn differing_states(&self) -> Vec<usize> {
        let mut v: Vec<usize> = self.differences.iter().map(|d| d.step).collect();
        v.dedup();
        v
    }
}

/// Holds `model` to `host`, leaving out `unobservable` fields.
pub fn compare(
    scenario: &Scenario,
    model: &ProfileTrace,
    host: &ProfileTrace,
    unobservable: &[Field],
) -> Comparison {
    let mut c = Comparison {
        states: model.states.len().min(host.states.len()),
        left_out: unobservable.to_vec(),
        lengths: (model.states.len() != host.states.len())
            .then_some((model.states.len(), host.states.len())),
        ..Comparison::default()
    };
    for d in differences(model, host) {
        if unobservable.contains(&d.field) {
            continue;
        }
        match QUIRKS
            .iter()
            .find(|q| (q.explains)(scenario, d.field, &d.left, &d.right))
        {
            Some(quirk) => c.explained.push(Explained {
                difference: d,
                quirk,
            }),
            None => c.differences.push(d),
        }
    }
    c
}
