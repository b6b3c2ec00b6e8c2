//! What each of the four behaviour profiles is: its name, a line on what
//! it does and its source. The ids are declared in `format`; how the
//! profiles differ is `policy.rs`.

use crate::format::Profile;

impl Profile {
    /// A short human name.
    pub fn title(self) -> &'static str {
        match self {
            Profile::Hardware => "Real hardware",
            Profile::KvmApicv => "KVM, apicv=1",
            Profile::KvmEmulated => {
                "KVM, apicv=0, before the fix (v5.2-rc7 and earlier, e.g. v5.1)"
            }
            Profile::KvmEmulatedFixed => "KVM, apicv=0, with the fix (v5.2 and later)",
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
                "Software emulation before the fix: kvm_apic_has_interrupt() ignores IRR while the APIC is software-disabled."
            }
            Profile::KvmEmulatedFixed => {
                "Software emulation with the fix: only a hardware-disabled APIC blocks delivery, so the held bit is delivered."
            }
        }
    }

    /// Where its behaviour comes from.
    pub fn source(self) -> &'static str {
        match self {
            Profile::Hardware => "observed by Thomas Gleixner, LKML 2019-07-01 (the SDM is silent)",
            Profile::KvmApicv => "SDM 29.2; KVM vmx_sync_pir_to_irr(), kvm_cpu_has_injectable_intr()",
            Profile::KvmEmulated => {
                "arch/x86/kvm/lapic.c before commit bb34e690e934 (v5.2-rc7 and earlier; quoted from v5.1.15): kvm_apic_has_interrupt(): if (!apic_enabled(apic)) return -1;"
            }
            Profile::KvmEmulatedFixed => {
                "commit bb34e690e934 \"KVM: LAPIC: Fix pending interrupt in IRR blocked by software disable LAPIC\", merged for v5.2 (after v5.2-rc7; stable 5.1.17, 4.19.58): if (!kvm_apic_hw_enabled(apic)) return -1;"
            }
        }
    }
}
