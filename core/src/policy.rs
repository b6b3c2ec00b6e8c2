//! The policy decisions in which the four profiles differ
//! (reference/apic-semantics.md, section 3). Everything else is one model.
//! Each decision carries the source it comes from, and the engine quotes
//! that source in the events it emits.

use crate::profile::Profile;

/// What happens to an IRR bit that is already set when the CPU has IF=1 and
/// the APIC is software-disabled (SPIV bit 8 = 0).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HeldIrr {
    /// Delivered as a spurious interrupt (the SPIV vector, no ISR bit, no
    /// EOI) and the IRR bit is cleared. Real hardware as observed by Thomas
    /// Gleixner in the seed; the SDM does not say.
    Spurious,
    /// Held forever: nothing is delivered while the APIC is disabled.
    /// KVM apicv=0 v5.2: `kvm_apic_has_interrupt()` returns -1 because
    /// `apic_enabled()` is false.
    Hold,
    /// Delivered normally: IRR -> ISR, handler, EOI. KVM after commit
    /// bb34e690e934, and APICv (no virtual SPIV check exists, SDM 29.2).
    Deliver,
}

/// The explicit differences between implementations.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Policy {
    /// The profile these decisions belong to.
    pub profile: Profile,
    /// Whether a *new* fixed interrupt may set IRR while the APIC is
    /// software-disabled. False for all four profiles (QEMU's userspace
    /// APIC would say true); kept explicit because it is a decision each
    /// implementation makes, and the engine cites it when it drops one.
    pub accept_while_sw_disabled: bool,
    /// What a held IRR bit does once IF=1 while software-disabled.
    pub held_irr: HeldIrr,
    /// Virtual-interrupt delivery (APICv): the trace shows RVI/SVI and the
    /// events cite SDM 29.2.
    pub virtual_delivery: bool,
}

impl Policy {
    /// The decisions of a profile.
    pub fn for_profile(profile: Profile) -> Policy {
        let (held_irr, virtual_delivery) = match profile {
            Profile::Hardware => (HeldIrr::Spurious, false),
            Profile::KvmApicv => (HeldIrr::Deliver, true),
            Profile::KvmEmulated => (HeldIrr::Hold, false),
            Profile::KvmEmulatedFixed => (HeldIrr::Deliver, false),
        };
        Policy {
            profile,
            accept_while_sw_disabled: false,
            held_irr,
            virtual_delivery,
        }
    }

    /// Why a new fixed interrupt is dropped while software-disabled.
    pub fn drop_rule(&self) -> &'static str {
        match self.profile {
            Profile::Hardware => {
                "sdm-10.4.7.2; linux commit 52d6b926aabc: an interrupt arriving after disabling the local APIC does not set the IRR bit"
            }
            Profile::KvmApicv | Profile::KvmEmulated | Profile::KvmEmulatedFixed => {
                "kvm: __apic_accept_irq() ignores APIC_DM_FIXED when apic_enabled() is false"
            }
        }
    }

    /// Why a held IRR bit does what it does while software-disabled.
    pub fn held_irr_rule(&self) -> &'static str {
        match self.profile {
            Profile::Hardware => {
                "observed: tglx 2019-07-01 (\"once the dying CPU reenables interrupts the pending interrupt gets delivered as a spurious interrupt\"; the SDM is silent)"
            }
            Profile::KvmEmulated => "kvm: kvm_apic_has_interrupt() returns -1 because apic_enabled() is false",
            Profile::KvmEmulatedFixed => {
                "kvm: commit bb34e690e934: kvm_apic_has_interrupt() only returns -1 when !kvm_apic_hw_enabled()"
            }
            Profile::KvmApicv => {
                "sdm-29.2.1: virtual-interrupt delivery evaluates RVI against VPPR with no SPIV check (kvm: kvm_cpu_has_injectable_intr() returns 0 under APICv)"
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_decisions_of_section_3() {
        let held: Vec<_> = Profile::ALL
            .iter()
            .map(|p| Policy::for_profile(*p).held_irr)
            .collect();
        assert_eq!(
            held,
            [
                HeldIrr::Spurious,
                HeldIrr::Deliver,
                HeldIrr::Hold,
                HeldIrr::Deliver
            ]
        );
        assert!(Profile::ALL
            .iter()
            .all(|p| !Policy::for_profile(*p).accept_while_sw_disabled));
        assert!(Policy::for_profile(Profile::KvmApicv).virtual_delivery);
    }
}
