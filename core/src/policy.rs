//! Every way the profiles differ, as named decisions with their sources
//! (reference: Thomas Gleixner's report, LKML 2019-07-01; SDM Vol. 3A
//! 10.4.3, 10.4.7.1, 10.4.7.2, 10.5.1, 10.6.1 and 29.2; arch/x86/kvm/lapic.c
//! at v5.1.15 for the code before the fix, v5.2 for the fix and for
//! `kvm_lapic_reset()`; the LVT masks, `kvm_lapic_set_base()`,
//! `apic_mmio_read()` and `__apic_accept_irq()` are the same text in both).
//! Everything else is one model.
//! The explanation layer quotes a decision's source in the events it
//! causes, so a learner sees which choice made a profile do what it did.
//! The other implementations (QEMU, Xen, bhyve, VirtualBox) are
//! `policy/others.rs`, each from its own source.

mod others;

use crate::format::Profile;

/// The named decisions, for "which choice made these two profiles differ".
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Decision {
    /// `Policy::fixed_while_sw_disabled`.
    FixedWhileSwDisabled,
    /// `Policy::held_irr`.
    HeldIrr,
    /// `Policy::virtual_delivery`.
    VirtualDelivery,
    /// `Policy::bsp_lint0`.
    BspLint0,
    /// `Policy::lvt_status_bits`.
    LvtStatusBits,
    /// `Policy::hw_disable`.
    HwDisable,
    /// `Policy::fixed_ipi_flags`.
    FixedIpiFlags,
    /// `Policy::sw_disabled_lvts`.
    SwDisabledLvts,
    /// `Policy::reserved_bits`.
    ReservedBits,
}

impl Decision {
    /// Every decision.
    pub const ALL: [Decision; 9] = [
        Decision::FixedWhileSwDisabled,
        Decision::HeldIrr,
        Decision::VirtualDelivery,
        Decision::BspLint0,
        Decision::LvtStatusBits,
        Decision::HwDisable,
        Decision::FixedIpiFlags,
        Decision::SwDisabledLvts,
        Decision::ReservedBits,
    ];
}

/// What software disable (SPIV bit 8 = 0) does to the LVT mask bits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SwDisabledLvts {
    /// Every mask bit is set, and a write that clears one is refused
    /// while disabled (SDM 10.4.7.2).
    Forced,
    /// Neither: the LVTs keep what they hold and take what is written
    /// (QEMU's `apic_mem_write()`).
    Untouched,
}

/// Whether a software write reaches LVT bit 12 (delivery status) and
/// LINT0/LINT1 bit 14 (remote IRR).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum LvtStatusBits {
    /// Read only (SDM 10.5.1, figure 10-8): a write keeps what they were.
    ReadOnly,
    /// Kept as written: KVM's `apic_lvt_mask[]` includes them.
    Writable,
}

/// What a write keeps of the bits SPIV and the LVTs do not define.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ReservedBits {
    /// Only the defined bits are kept (SDM figures 10-8 and 10-23): SPIV
    /// its vector, enable (8), focus (9) and EOI-broadcast suppression (12);
    /// each LVT its fields; reserved bits read 0.
    Dropped,
    /// QEMU's `apic_mem_write()`: SPIV keeps bits 8:0 only (`val & 0x1ff`,
    /// so focus and EOI-broadcast suppression read 0), and an LVT keeps
    /// all 32 bits as written (`s->lvt[n] = val`).
    QemuStored,
}

/// What clearing IA32_APIC_BASE bit 11, and setting it again, does to the
/// APIC's registers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HwDisable {
    /// The state is lost, and the APIC comes back in its power-up state
    /// (SDM 10.4.3 says it "may be lost"; the model loses it). MMIO reads
    /// return 0 while disabled.
    PowerCycle,
    /// Nothing is reset: every register is kept (only the xAPIC ID is set
    /// to the vCPU's id on enable), and MMIO reads return all ones while
    /// disabled.
    KeepRegisters,
    /// Bit 11 can be cleared but never set again, and clearing it clears
    /// SPIV bit 8; the APIC itself keeps working: its registers are read
    /// and written, interrupts are accepted, and they are delivered once
    /// SPIV bit 8 is set again (QEMU's `apic_set_base()`; `apic_mem_write()`
    /// and `apic_irq_pending()` look at SPIV only).
    ApicKeepsWorking,
}

/// What a fixed (or lowest-priority) IPI does with ICR bit 15 (trigger
/// mode) and bit 14 (level).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FixedIpiFlags {
    /// Both are ignored: the IPI is sent edge-triggered and asserted.
    Ignored,
    /// Trigger mode level sets the TMR bit; level with de-assert is
    /// dropped.
    LevelDeassertDropped,
    /// Trigger mode level sets the TMR bit; the level bit is ignored, so
    /// nothing is dropped (QEMU's `apic_deliver()`).
    TriggerModeKept,
    /// Level with de-assert is dropped; anything else is sent
    /// edge-triggered (bhyve's `vlapic_is_icr_valid()` and
    /// `lapic_intr_edge()`).
    EdgeDeassertDropped,
}

/// What LVT LINT0 holds after RESET or INIT of the bootstrap processor.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BspLint0 {
    /// Masked, as every LVT entry (SDM 10.4.7.1, 10.4.7.3).
    Masked,
    /// ExtINT, unmasked (0x700): KVM's `kvm_lapic_reset()` under
    /// `KVM_X86_QUIRK_LINT0_REENABLED`.
    ExtInt,
    /// ExtINT, unmasked (0x700), after RESET only; INIT masks it like every
    /// LVT (QEMU's `apic_reset_common()` and `apic_init_reset()`).
    ExtIntAtReset,
}

/// What a *new* fixed interrupt does while the APIC is software-disabled.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SwDisabledFixed {
    /// It does not set IRR.
    Drop,
    /// It sets IRR as usual (QEMU's own APIC would).
    Accept,
    /// An IPI or an LVT interrupt does not set IRR; one from outside (the
    /// model's `irq`: an MSI) does (Xen: `vlapic_accept_irq()` checks
    /// `vlapic_enabled()`, `vmsi_inj_irq()` does not).
    DropIpis,
}

/// What an IRR bit that is already set does once IF=1 while the APIC is
/// software-disabled (SPIV bit 8 = 0).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HeldIrr {
    /// Delivered as a spurious interrupt (the SPIV vector, no ISR bit, no
    /// EOI) and the IRR bit is cleared.
    Spurious,
    /// Held: the APIC offers no interrupt to the CPU while disabled.
    Hold,
    /// Delivered normally: IRR -> ISR, handler, EOI.
    Deliver,
}

/// A decision and the source it comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Sourced<T> {
    /// The choice.
    pub choice: T,
    /// Where it comes from, as events quote it.
    pub source: &'static str,
}

/// One profile's decisions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Policy {
    /// The profile these decisions belong to.
    pub profile: Profile,
    /// Whether a new fixed interrupt sets IRR while software-disabled.
    pub fixed_while_sw_disabled: Sourced<SwDisabledFixed>,
    /// What a held IRR bit does once IF=1 while software-disabled.
    pub held_irr: Sourced<HeldIrr>,
    /// Virtual-interrupt delivery (APICv): the trace shows RVI/SVI, and
    /// delivery is judged against VPPR (SDM 29.2.1).
    pub virtual_delivery: Sourced<bool>,
    /// The source of an INIT's reset of the APIC state under this profile.
    pub init_source: &'static str,
    /// LVT LINT0 of the BSP after RESET and INIT (an AP's is masked
    /// under every profile).
    pub bsp_lint0: Sourced<BspLint0>,
    /// Whether LVT delivery status and LINT remote IRR take what is written.
    pub lvt_status_bits: Sourced<LvtStatusBits>,
    /// What a hardware disable and re-enable does to the registers.
    pub hw_disable: Sourced<HwDisable>,
    /// What a fixed IPI does with its trigger mode and level flags.
    pub fixed_ipi_flags: Sourced<FixedIpiFlags>,
    /// What software disable does to the LVT mask bits.
    pub sw_disabled_lvts: Sourced<SwDisabledLvts>,
    /// What a write keeps of SPIV's and the LVTs' undefined bits.
    pub reserved_bits: Sourced<ReservedBits>,
}

const KVM_DROPS_FIXED: &str =
    "kvm: __apic_accept_irq() ignores APIC_DM_FIXED when apic_enabled() is false";
const KVM_INIT: &str =
    "sdm-10.4.7.3; kvm: kvm_lapic_reset(init_event=true) (arch/x86/kvm/lapic.c, v5.2)";
/// `kvm_lapic_reset()` at v5.2 (and v5.1.15): `if (kvm_vcpu_is_reset_bsp(vcpu)
/// && kvm_check_has_quirk(vcpu->kvm, KVM_X86_QUIRK_LINT0_REENABLED))
/// kvm_lapic_set_reg(apic, APIC_LVT0, SET_APIC_DELIVERY_MODE(0,
/// APIC_MODE_EXTINT));`, on RESET and on INIT.
const KVM_BSP_LINT0: Sourced<BspLint0> = Sourced {
    choice: BspLint0::ExtInt,
    source: "kvm: kvm_lapic_reset() sets LVT0 = SET_APIC_DELIVERY_MODE(0, APIC_MODE_EXTINT) for the reset BSP under KVM_X86_QUIRK_LINT0_REENABLED (arch/x86/kvm/lapic.c, v5.2)",
};
/// arch/x86/kvm/lapic.c (the same text at v5.1.15 and v5.2):
/// `#define LVT_MASK (APIC_LVT_MASKED | APIC_SEND_PENDING | APIC_VECTOR_MASK)`,
/// `#define LINT_MASK (LVT_MASK | APIC_MODE_MASK | APIC_INPUT_POLARITY |
/// APIC_LVT_REMOTE_IRR | APIC_LVT_LEVEL_TRIGGER)`, `apic_lvt_mask[] = {
/// LVT_MASK, LVT_MASK | APIC_MODE_MASK, LVT_MASK | APIC_MODE_MASK,
/// LINT_MASK, LINT_MASK, LVT_MASK }`, and `kvm_lapic_reg_write()` keeps
/// `val &= apic_lvt_mask[(reg - APIC_LVTT) >> 4]` (the timer: `apic_lvt_mask[0]
/// | apic->lapic_timer.timer_mode_mask`). APICv traps LVT writes to the same
/// function (`kvm_apic_write_nodecode()`).
const KVM_LVT_STATUS_BITS: Sourced<LvtStatusBits> = Sourced {
    choice: LvtStatusBits::Writable,
    source: "kvm: kvm_lapic_reg_write() keeps val &= apic_lvt_mask[]; LVT_MASK = APIC_LVT_MASKED | APIC_SEND_PENDING | APIC_VECTOR_MASK, LINT_MASK adds APIC_LVT_REMOTE_IRR (arch/x86/kvm/lapic.c, v5.1.15 and v5.2): delivery status (bit 12) and LINT remote IRR (bit 14) keep what is written",
};
/// arch/x86/kvm/lapic.c (the same text at v5.1.15 and v5.2),
/// `kvm_lapic_set_base()`: `if ((old_value ^ value) &
/// MSR_IA32_APICBASE_ENABLE) { if (value & MSR_IA32_APICBASE_ENABLE) {
/// kvm_apic_set_xapic_id(apic, vcpu->vcpu_id);
/// static_key_slow_dec_deferred(&apic_hw_disabled); } else {
/// static_key_slow_inc(&apic_hw_disabled.key);
/// recalculate_apic_map(vcpu->kvm); } }` and no reset; `apic_mmio_read()`:
/// `if (!kvm_apic_hw_enabled(apic) || apic_x2apic_mode(apic)) { if
/// (!kvm_check_has_quirk(vcpu->kvm, KVM_X86_QUIRK_LAPIC_MMIO_HOLE)) return
/// -EOPNOTSUPP; memset(data, 0xff, len); return 0; }`.
const KVM_HW_DISABLE: Sourced<HwDisable> = Sourced {
    choice: HwDisable::KeepRegisters,
    source: "kvm: kvm_lapic_set_base() on IA32_APIC_BASE bit 11 only flips the apic_hw_disabled static key (and on enable sets the xAPIC ID to vcpu_id): no reset, every register kept; apic_mmio_read() answers 0xff bytes while !kvm_apic_hw_enabled() under KVM_X86_QUIRK_LAPIC_MMIO_HOLE (arch/x86/kvm/lapic.c, v5.1.15 and v5.2)",
};
/// arch/x86/kvm/lapic.c (the same text at v5.1.15 and v5.2),
/// `__apic_accept_irq()`: `case APIC_DM_LOWEST: ... case APIC_DM_FIXED: if
/// (unlikely(trig_mode && !level)) break;` and later `if
/// (apic_test_vector(vector, apic->regs + APIC_TMR) != !!trig_mode) { if
/// (trig_mode) kvm_lapic_set_vector(vector, apic->regs + APIC_TMR); else
/// apic_clear_vector(vector, apic->regs + APIC_TMR); }`; `apic_send_ipi()`:
/// `irq.level = (icr_low & APIC_INT_ASSERT) != 0; irq.trig_mode = icr_low &
/// APIC_INT_LEVELTRIG;`.
const KVM_FIXED_IPI_FLAGS: Sourced<FixedIpiFlags> = Sourced {
    choice: FixedIpiFlags::LevelDeassertDropped,
    source: "kvm: __apic_accept_irq(), APIC_DM_FIXED: if (unlikely(trig_mode && !level)) break; otherwise the TMR bit follows trig_mode (arch/x86/kvm/lapic.c, v5.1.15 and v5.2)",
};

/// SDM 10.4.7.2 ("all LVT mask bits are set"; attempts to reset them are
/// ignored), and KVM (the same text at v5.1.15 and v5.2): `apic_set_spiv()`
/// ORs `APIC_LVT_MASKED` into every LVT when bit 8 goes to 0, and
/// `kvm_lapic_reg_write()` keeps `if (!kvm_apic_sw_enabled(apic)) val |=
/// APIC_LVT_MASKED;` for LVT writes.
const FORCED_LVTS: Sourced<SwDisabledLvts> = Sourced {
    choice: SwDisabledLvts::Forced,
    source: "sdm-10.4.7.2; linux commit 39c89dff9c36",
};

/// SDM figures 10-8 (LVT) and 10-23 (SPIV): reserved bits.
const SDM_RESERVED_BITS: Sourced<ReservedBits> = Sourced {
    choice: ReservedBits::Dropped,
    source: "sdm-10.5.1, sdm-10.9: a write keeps the defined fields of an LVT entry and of SPIV (vector, enable, focus, EOI-broadcast suppression); reserved bits read 0",
};
/// arch/x86/kvm/lapic.c (v5.1.15 and v5.2), `kvm_lapic_reg_write()`: `case
/// APIC_SPIV: { u32 mask = 0x3ff; if (kvm_lapic_get_reg(apic, APIC_LVR) &
/// APIC_LVR_DIRECTED_EOI) mask |= APIC_SPIV_DIRECTED_EOI; apic_set_spiv(apic,
/// val & mask);` and LVT writes `val &= apic_lvt_mask[...]`.
const KVM_RESERVED_BITS: Sourced<ReservedBits> = Sourced {
    choice: ReservedBits::Dropped,
    source: "kvm: kvm_lapic_reg_write(): APIC_SPIV keeps val & (0x3ff | APIC_SPIV_DIRECTED_EOI when the version register offers directed EOI); an LVT keeps val & apic_lvt_mask[] (arch/x86/kvm/lapic.c, v5.1.15 and v5.2)",
};

impl Policy {
    /// The decisions of a profile.
    pub fn for_profile(profile: Profile) -> Policy {
        let drop = |source| Sourced {
            choice: SwDisabledFixed::Drop,
            source,
        };
        let no_virtual = Sourced {
            choice: false,
            source: "sdm-10.8.4",
        };
        match profile {
            Profile::Hardware => Policy {
                profile,
                fixed_while_sw_disabled: drop(
                    "sdm-10.4.7.2; linux commit 52d6b926aabc: an interrupt arriving after disabling the local APIC does not set the IRR bit",
                ),
                held_irr: Sourced {
                    choice: HeldIrr::Spurious,
                    source: "observed: tglx 2019-07-01 (\"once the dying CPU reenables interrupts the pending interrupt gets delivered as a spurious interrupt\"; the SDM is silent)",
                },
                virtual_delivery: no_virtual,
                init_source: "sdm-10.4.7.3",
                bsp_lint0: Sourced {
                    choice: BspLint0::Masked,
                    source: "sdm-10.4.7.1: every LVT entry is masked after RESET and INIT, on the BSP as on an AP",
                },
                lvt_status_bits: Sourced {
                    choice: LvtStatusBits::ReadOnly,
                    source: "sdm-10.5.1: delivery status (bit 12) and remote IRR (bit 14) are read only",
                },
                hw_disable: Sourced {
                    choice: HwDisable::PowerCycle,
                    source: "sdm-10.4.3: with IA32_APIC_BASE bit 11 clear the processor acts as if it had no APIC and the APIC's state may be lost (the model loses it: the APIC comes back in its power-up state)",
                },
                fixed_ipi_flags: Sourced {
                    choice: FixedIpiFlags::Ignored,
                    source: "sdm-10.6.1: ICR level (bit 14) \"has no meaning in Pentium 4 and Intel Xeon processors, and will always be issued as a 1\"; trigger mode (bit 15) \"is ignored for all other delivery modes\" than INIT level de-assert and \"will always be issued as a 0\"",
                },
                sw_disabled_lvts: FORCED_LVTS,
                reserved_bits: SDM_RESERVED_BITS,
            },
            Profile::KvmApicv => Policy {
                profile,
                fixed_while_sw_disabled: drop(KVM_DROPS_FIXED),
                held_irr: Sourced {
                    choice: HeldIrr::Deliver,
                    source: "sdm-29.2.1: virtual-interrupt delivery evaluates RVI against VPPR with no SPIV check (kvm: kvm_cpu_has_injectable_intr() returns 0 under APICv)",
                },
                virtual_delivery: Sourced {
                    choice: true,
                    source: "sdm-29.2.2",
                },
                init_source: KVM_INIT,
                bsp_lint0: KVM_BSP_LINT0,
                lvt_status_bits: KVM_LVT_STATUS_BITS,
                hw_disable: KVM_HW_DISABLE,
                fixed_ipi_flags: KVM_FIXED_IPI_FLAGS,
                sw_disabled_lvts: FORCED_LVTS,
                reserved_bits: KVM_RESERVED_BITS,
            },
            Profile::KvmEmulated => Policy {
                profile,
                fixed_while_sw_disabled: drop(KVM_DROPS_FIXED),
                held_irr: Sourced {
                    choice: HeldIrr::Hold,
                    source: "kvm: kvm_apic_has_interrupt() returns -1 because apic_enabled() is false (arch/x86/kvm/lapic.c, v5.2-rc7 and earlier, e.g. v5.1.15)",
                },
                virtual_delivery: no_virtual,
                init_source: KVM_INIT,
                bsp_lint0: KVM_BSP_LINT0,
                lvt_status_bits: KVM_LVT_STATUS_BITS,
                hw_disable: KVM_HW_DISABLE,
                fixed_ipi_flags: KVM_FIXED_IPI_FLAGS,
                sw_disabled_lvts: FORCED_LVTS,
                reserved_bits: KVM_RESERVED_BITS,
            },
            Profile::KvmEmulatedFixed => Policy {
                profile,
                fixed_while_sw_disabled: drop(KVM_DROPS_FIXED),
                held_irr: Sourced {
                    choice: HeldIrr::Deliver,
                    source: "kvm: commit bb34e690e934 (in v5.2; stable 5.1.17, 4.19.58): kvm_apic_has_interrupt() only returns -1 when !kvm_apic_hw_enabled()",
                },
                virtual_delivery: no_virtual,
                init_source: KVM_INIT,
                bsp_lint0: KVM_BSP_LINT0,
                lvt_status_bits: KVM_LVT_STATUS_BITS,
                hw_disable: KVM_HW_DISABLE,
                fixed_ipi_flags: KVM_FIXED_IPI_FLAGS,
                sw_disabled_lvts: FORCED_LVTS,
                reserved_bits: KVM_RESERVED_BITS,
            },
            Profile::Qemu => others::qemu(),
            Profile::Xen => others::xen(),
            Profile::Bhyve => others::bhyve(),
            Profile::Virtualbox => others::virtualbox(),
        }
    }

    /// The source of what the CPU does after INIT: the BSP runs (at the
    /// reset vector), an AP waits for SIPI. Every profile does the same;
    /// KVM's events also name the KVM code that does it.
    pub fn init_run_source(&self, bsp: bool) -> &'static str {
        if let Some(s) = others::init_run_source(self.profile, bsp) {
            return s;
        }
        match (self.profile, bsp) {
            (Profile::Hardware, true) => "sdm-8.4.2",
            (Profile::Hardware, false) => "sdm-8.4.2; sdm-10.4.7.3",
            (_, true) => "sdm-8.4.2; kvm: kvm_apic_accept_events() leaves the BSP KVM_MP_STATE_RUNNABLE (arch/x86/kvm/lapic.c, v5.2)",
            (_, false) => "sdm-8.4.2; kvm: kvm_apic_accept_events() puts an AP in KVM_MP_STATE_INIT_RECEIVED (arch/x86/kvm/lapic.c, v5.2)",
        }
    }

    /// Whether two profiles make the same choice for `decision`.
    pub fn same(&self, other: &Policy, decision: Decision) -> bool {
        match decision {
            Decision::FixedWhileSwDisabled => {
                self.fixed_while_sw_disabled.choice == other.fixed_while_sw_disabled.choice
            }
            Decision::HeldIrr => self.held_irr.choice == other.held_irr.choice,
            Decision::VirtualDelivery => {
                self.virtual_delivery.choice == other.virtual_delivery.choice
            }
            Decision::BspLint0 => self.bsp_lint0.choice == other.bsp_lint0.choice,
            Decision::LvtStatusBits => self.lvt_status_bits.choice == other.lvt_status_bits.choice,
            Decision::HwDisable => self.hw_disable.choice == other.hw_disable.choice,
            Decision::FixedIpiFlags => self.fixed_ipi_flags.choice == other.fixed_ipi_flags.choice,
            Decision::SwDisabledLvts => {
                self.sw_disabled_lvts.choice == other.sw_disabled_lvts.choice
            }
            Decision::ReservedBits => self.reserved_bits.choice == other.reserved_bits.choice,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Thomas Gleixner's report and the fix (LKML 2019-07-01:
    /// hardware delivers the held bit as spurious, KVM apicv=0 holds it,
    /// the fix bb34e690e934 and APICv deliver it).
    #[test]
    fn the_held_irr_decision_of_each_profile() {
        let held: Vec<_> = Profile::ALL
            .iter()
            .map(|p| Policy::for_profile(*p).held_irr.choice)
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
        let virtual_delivery: Vec<_> = Profile::ALL
            .iter()
            .map(|p| Policy::for_profile(*p).virtual_delivery.choice)
            .collect();
        assert_eq!(virtual_delivery, [false, true, false, false]);
        // kvm_lapic_reset() (v5.2): LVT0 = ExtINT for the reset BSP under
        // KVM_X86_QUIRK_LINT0_REENABLED; SDM 10.4.7.1: masked on hardware.
        let lint0: Vec<_> = Profile::ALL
            .iter()
            .map(|p| Policy::for_profile(*p).bsp_lint0.choice)
            .collect();
        assert_eq!(
            lint0,
            [
                BspLint0::Masked,
                BspLint0::ExtInt,
                BspLint0::ExtInt,
                BspLint0::ExtInt
            ]
        );
    }
}
