//! The four behaviour profiles (reference/apic-semantics.md, section 3): one
//! model, and the differences between implementations as a few explicit
//! policy decisions, each with its source.

use serde::{Deserialize, Serialize};

/// One implementation's behaviour.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Profile {
    /// A real Intel local APIC, as Thomas Gleixner observed it in the seed.
    Hardware,
    /// KVM with APICv (virtual-interrupt delivery, SDM 29.2).
    KvmApicv,
    /// KVM with apicv=0, Linux v5.2: the bug.
    KvmEmulated,
    /// KVM with apicv=0 and commit bb34e690e934: the fix.
    KvmEmulatedFixed,
}

impl Profile {
    /// Every profile, in the order the UI shows them.
    pub const ALL: [Profile; 4] = [
        Profile::Hardware,
        Profile::KvmApicv,
        Profile::KvmEmulated,
        Profile::KvmEmulatedFixed,
    ];

    /// The id used in scenarios, URLs and traces.
    pub fn id(self) -> &'static str {
        match self {
            Profile::Hardware => "hardware",
            Profile::KvmApicv => "kvm-apicv",
            Profile::KvmEmulated => "kvm-emulated",
            Profile::KvmEmulatedFixed => "kvm-emulated-fixed",
        }
    }

    /// The profile for an id, if there is one.
    pub fn from_id(id: &str) -> Option<Profile> {
        Profile::ALL.into_iter().find(|p| p.id() == id)
    }

    /// A short human name.
    pub fn name(self) -> &'static str {
        match self {
            Profile::Hardware => "Real hardware",
            Profile::KvmApicv => "KVM, apicv=1",
            Profile::KvmEmulated => "KVM, apicv=0 (v5.2, bug)",
            Profile::KvmEmulatedFixed => "KVM, apicv=0 with the fix",
        }
    }

    /// One line on what it is.
    pub fn summary(self) -> &'static str {
        match self {
            Profile::Hardware => {
                "An Intel local APIC: a held IRR bit is delivered as a spurious interrupt once IF=1."
            }
            Profile::KvmApicv => {
                "The CPU delivers from RVI with no SPIV check, so a held bit is delivered normally."
            }
            Profile::KvmEmulated => {
                "Software emulation: kvm_apic_has_interrupt() ignores IRR while the APIC is software-disabled."
            }
            Profile::KvmEmulatedFixed => {
                "The fix: only a hardware-disabled APIC blocks delivery, so the held bit is delivered."
            }
        }
    }

    /// Where its behaviour comes from.
    pub fn source(self) -> &'static str {
        match self {
            Profile::Hardware => "observed by Thomas Gleixner, LKML 2019-07-01 (the SDM is silent)",
            Profile::KvmApicv => "SDM 29.2; KVM vmx_sync_pir_to_irr(), kvm_cpu_has_injectable_intr()",
            Profile::KvmEmulated => "arch/x86/kvm/lapic.c v5.2: kvm_apic_has_interrupt(), apic_enabled()",
            Profile::KvmEmulatedFixed => {
                "commit bb34e690e934 \"KVM: LAPIC: Fix pending interrupt in IRR blocked by software disable LAPIC\""
            }
        }
    }
}
