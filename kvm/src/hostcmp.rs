//! Holding a model run to a run on the host's KVM (`kvm-host`) or on QEMU
//! (`qemu-tcg`), on every machine (it needs neither, so recorded traces can
//! be checked anywhere): every state and field that differs, except
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
/// runner artefact, a host limitation, or a KVM behaviour that depends on
/// how the VMM configures KVM).
#[derive(Debug)]
pub struct Quirk {
    /// A short id, shown with each difference it explains.
    pub id: &'static str,
    /// A host or runner quirk, or a known model difference.
    pub kind: QuirkKind,
    /// What differs and why.
    pub reason: &'static str,
    /// Where it comes from (a kernel function, a finding).
    pub source: &'static str,
    /// Whether it explains a difference (`d.left` is the model's value as
    /// shown, `d.right` the host's).
    pub explains: fn(&Scenario, &ProfileTrace, &Difference) -> bool,
}

/// Whose the difference is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QuirkKind {
    /// The host or the runner differs from the profile it stands for, for a
    /// reason outside the profile's meaning: the comparison leaves it out.
    Host,
    /// The model's KVM profiles differ from the `lapic.c` they cite: a model
    /// error, reported to the model's owner and listed here until the model
    /// is fixed (remove the entry with the fix).
    ModelPending,
}

/// Vectors as `FieldValue::show` writes them: `[0x31,0x32]`.
fn vectors(shown: &str) -> Option<Vec<u8>> {
    let inner = shown.strip_prefix('[')?.strip_suffix(']')?;
    if inner.is_empty() {
        return Some(Vec::new());
    }
    inner
        .split(',')
        .map(|v| u8::from_str_radix(v.trim().trim_start_matches("0x"), 16).ok())
        .collect()
}

fn number(shown: &str) -> Option<u32> {
    u32::from_str_radix(shown.trim_start_matches("0x"), 16).ok()
}

/// The documented host quirks; see each one's reason.
pub static QUIRKS: &[Quirk] = &[
    Quirk {
        id: "lint0-boot-vcpu",
        kind: QuirkKind::Host,
        reason: "the runner's only vCPU is KVM's boot vCPU (vcpu_id 0 = bsp_vcpu_id), so \
                 kvm_lapic_reset() programs LVT LINT0 as ExtINT (0x700; 0x10700 once software \
                 disable masks it) even when the scenario's processor is an AP, whose LINT0 the \
                 model keeps masked (0x10000)",
        source: "arch/x86/kvm/lapic.c kvm_lapic_reset(): if (kvm_vcpu_is_reset_bsp(vcpu) && \
                 kvm_check_has_quirk(vcpu->kvm, KVM_X86_QUIRK_LINT0_REENABLED)) LVT0 = ExtINT",
        explains: |s, _, d| {
            s.processor == Processor::Ap
                && d.field == Field::LvtLint0
                && d.left == "0x10000"
                && (d.right == "0x700" || d.right == "0x10700")
        },
    },
    Quirk {
        id: "isr-not-set",
        kind: QuirkKind::Host,
        reason: "this host never sets ISR (kvm-host-findings.md, surprise 1; probe(): \
                 unobservable isr, ppr), so no vector is held back by one in service: where the \
                 model holds a vector in IRR behind a non-empty ISR (manual handlers), the host \
                 has already delivered it",
        source: "probed on kvm_pvm (Linux 6.18): ISR empty inside the handler before any EOI; \
                 SDM 10.8.4 and KVM's apic_set_isr() set it on acceptance",
        explains: |_, model, d| {
            let (Some(m), Some(h)) = (vectors(&d.left), vectors(&d.right)) else {
                return false;
            };
            d.field == Field::Irr
                && h.iter().all(|v| m.contains(v))
                && model
                    .states
                    .iter()
                    .take(d.step + 1)
                    .any(|st| !st.isr.is_empty())
        },
    },
    Quirk {
        id: "spiv-no-directed-eoi",
        kind: QuirkKind::Host,
        reason: "SPIV bit 12 (suppress EOI broadcast) is writable only when the APIC version \
                 register offers directed EOI, which KVM does only for a guest with x2APIC in \
                 CPUID and no in-kernel IOAPIC (a split irqchip); the runner uses the full \
                 in-kernel irqchip (KVM_CREATE_IRQCHIP), so the bit reads 0. The model's kvm \
                 profiles keep it, as a VMM with a split irqchip sees it",
        source: "arch/x86/kvm/lapic.c kvm_apic_set_version(): if (x2apic in CPUID && \
                 !ioapic_in_kernel(vcpu->kvm)) v |= APIC_LVR_DIRECTED_EOI; kvm_lapic_reg_write() \
                 APIC_SPIV: mask |= APIC_SPIV_DIRECTED_EOI only if LVR has it",
        explains: |_, _, d| {
            d.field == Field::Spiv
                && matches!((number(&d.left), number(&d.right)), (Some(m), Some(h)) if m & 0x1000 != 0 && h == m & !0x1000)
        },
    },
];

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

/// Holds `model` to `host` (the host's KVM), leaving out `unobservable`
/// fields; [`QUIRKS`] explain differences.
pub fn compare(
    scenario: &Scenario,
    model: &ProfileTrace,
    host: &ProfileTrace,
    unobservable: &[Field],
) -> Comparison {
    compare_with(QUIRKS, scenario, model, host, unobservable)
}

/// The documented quirks of the QEMU runner (`qemu-tcg`). None so far:
/// every difference QEMU 7.2 showed was the `qemu` profile's, and was fixed
/// there (`core/src/policy/others.rs`).
pub static QEMU_QUIRKS: &[Quirk] = &[];

/// Holds `model` to `target`, a run on the host's KVM or on QEMU, leaving
/// out `unobservable` fields; `quirks` explain differences.
pub fn compare_with(
    quirks: &'static [Quirk],
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
        match quirks.iter().find(|q| (q.explains)(scenario, model, &d)) {
            Some(quirk) => c.explained.push(Explained {
                difference: d,
                quirk,
            }),
            None => c.differences.push(d),
        }
    }
    c
}
