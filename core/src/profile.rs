//! What each behaviour profile is: its name, a line on what it does and its
//! source. The ids are declared in `format` (`Profile::ALL` for the seed's
//! four, `Profile::EVERY` for all of them); how the profiles differ is
//! `policy.rs` (the other implementations: `policy/others.rs`).

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
            Profile::Qemu => "QEMU's own APIC (TCG, or kernel-irqchip=off)",
            Profile::Xen => "Xen HVM vlapic (emulated, no APICv)",
            Profile::Bhyve => "bhyve vlapic (emulated)",
            Profile::Virtualbox => "VirtualBox APIC (emulated)",
        }
    }

    /// A short label for a toggle or a picker (the page's header used the
    /// same four strings for the seed's profiles).
    pub fn short_name(self) -> &'static str {
        match self {
            Profile::Hardware => "Hardware",
            Profile::KvmApicv => "KVM apicv=1",
            Profile::KvmEmulated => "KVM apicv=0",
            Profile::KvmEmulatedFixed => "apicv=0 + fix",
            Profile::Qemu => "QEMU",
            Profile::Xen => "Xen",
            Profile::Bhyve => "bhyve",
            Profile::Virtualbox => "VirtualBox",
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
            Profile::Qemu => {
                "Accepts new IRR bits while software-disabled and offers none to the CPU until SPIV bit 8 is set again; SPIV disable leaves the LVTs as they are."
            }
            Profile::Xen => {
                "Like KVM before the fix: vlapic_has_pending_irq() offers nothing while the vlapic is software-disabled, so the held bit stays."
            }
            Profile::Bhyve => {
                "Like KVM with the fix: vlapic_pending_intr() does not look at the SVR, so the held bit is delivered normally."
            }
            Profile::Virtualbox => {
                "Accepts new IRR bits while software-disabled (only the hardware enable is checked) and APICGetInterrupt() offers nothing until the SVR enables it again."
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
            Profile::Qemu => {
                "QEMU hw/intc/apic.c (qemu/qemu 0436c55e and 21f80e8f, the same text): apic_irq_pending(): if (!(s->spurious_vec & APIC_SV_ENABLE)) return 0; apic_set_irq() sets IRR unchecked; hw/intc/apic_common.c apic_reset_common(), apic_init_reset(); checked against QEMU 7.2 under TCG (kvm/recorded-qemu/)"
            }
            Profile::Xen => {
                "Xen xen/arch/x86/hvm/vlapic.c (xen-project/xen d7cd999f): vlapic_has_pending_irq(): if ( !vlapic_enabled(vlapic) ) return -1; vlapic_accept_irq(): if ( vlapic_enabled(vlapic) ) vlapic_set_irq(...)"
            }
            Profile::Bhyve => {
                "FreeBSD sys/amd64/vmm/io/vlapic.c (freebsd/freebsd-src 0162500b): vlapic_set_intr_ready() ignores an interrupt while !(lapic->svr & APIC_SVR_ENABLE); vlapic_pending_intr() has no SVR check"
            }
            Profile::Virtualbox => {
                "VirtualBox src/VBox/VMM/VMMAll/APICAll.cpp r106320 (VirtualBox/virtualbox 4908d8d1): apicSendIntr() posts a fixed interrupt if APICIsEnabled() (IA32_APIC_BASE EN only); APICGetInterrupt() needs fApicHwEnabled && svr.u.fApicSoftwareEnable"
            }
        }
    }

    /// Who implements it, as an explanation names it ("KVM sets ...").
    pub fn implementer(self) -> &'static str {
        match self {
            Profile::Hardware => "the processor",
            Profile::KvmApicv | Profile::KvmEmulated | Profile::KvmEmulatedFixed => "KVM",
            Profile::Qemu => "QEMU",
            Profile::Xen => "Xen",
            Profile::Bhyve => "bhyve",
            Profile::Virtualbox => "VirtualBox",
        }
    }
}
