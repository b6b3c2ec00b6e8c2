//! The decisions of the implementations beyond the seed's four (issue 16):
//! QEMU's own APIC, Xen's HVM vlapic, bhyve's vlapic and VirtualBox's APIC,
//! each read from its own source, with the file, the function and the
//! version read. Everything not named here is the one model.
//!
//! Versions read (public mirrors):
//! - QEMU: `hw/intc/apic.c` at qemu/qemu 0436c55edf6b (with the "Userspace
//!   local APIC is deprecated for KVM" warning) and 21f80e8fa74d (an older
//!   text with `apic_unrealize(DeviceState *, Error **)`): the functions
//!   quoted below are the same in both; `hw/intc/apic_common.c` at
//!   003f8dbc8e09; `do_cpu_init()` in `target/i386/helper.c` as it reads in
//!   several copies (`cpu_reset(cs); ... apic_init_reset(cpu->apic_state);`).
//! - Xen: `xen/arch/x86/hvm/vlapic.c` at xen-project/xen d7cd999faa1e (the
//!   emulated vlapic; with APICv, `hvm_funcs.virtual_intr_delivery_enabled`,
//!   the CPU delivers, which this profile does not model).
//! - bhyve: `sys/amd64/vmm/io/vlapic.c` at freebsd/freebsd-src 0162500b7d2d
//!   (with `vm_handle_ipi()`; the emulated path, not `ops.pending_intr`).
//! - VirtualBox: `src/VBox/VMM/VMMAll/APICAll.cpp` r106320 (2024-10-15) at
//!   VirtualBox/virtualbox 4908d8d1a85c; `apicInitIpi()`, `apicResetCpu()`
//!   and `APICSetBaseMsr()` read in a mirror copy of the same file 47
//!   characters shorter; `XAPIC_LVT_*_VALID` in `include/VBox/apic.h`
//!   (mirror copies).
//!
//! Where the model has no choice that matches what a source does, the
//! source text says "not modelled" and names the nearest choice; where a
//! source does not settle a point, it says "unverified".

use super::{
    BspLint0, FixedIpiFlags, HeldIrr, HwDisable, LvtStatusBits, Policy, ReservedBits, Sourced,
    SwDisabledFixed, SwDisabledLvts,
};
use crate::format::Profile;

const NO_VIRTUAL: Sourced<bool> = Sourced {
    choice: false,
    source: "sdm-10.8.4 (an emulated APIC: no virtual-interrupt delivery modelled)",
};

/// Reserved SPIV and LVT bits, where the implementation's source was not
/// read for them: the SDM's choice.
const UNVERIFIED_RESERVED_BITS: Sourced<ReservedBits> = Sourced {
    choice: ReservedBits::Dropped,
    source: "sdm-10.5.1, sdm-10.9; unverified: what this implementation keeps of reserved SPIV and LVT bits was not read in its source",
};

/// QEMU's `apic_mem_write()`: `case 0x0f: s->spurious_vec = val & 0x1ff;`
/// and `case 0x32 ... 0x37: ... s->lvt[n] = val;`; `apic_mem_read()`
/// returns both as stored. Recorded on QEMU 7.2 under TCG: SPIV reads
/// 0x1ff after 0xffffffff or 0x11ff is written, and every LVT reads
/// 0xffffffff after 0xffffffff (kvm/recorded-qemu/).
const QEMU_RESERVED_BITS: Sourced<ReservedBits> = Sourced {
    choice: ReservedBits::QemuStored,
    source: "qemu: apic_mem_write(): case 0x0f: s->spurious_vec = val & 0x1ff (focus and EOI-broadcast suppression cannot be set); case 0x32 ... 0x37: s->lvt[n] = val (every bit kept); apic_mem_read() returns them as stored (hw/intc/apic.c, qemu/qemu 0436c55e and 21f80e8f; recorded on QEMU 7.2)",
};

/// What the CPU does after INIT, for the other implementations.
pub(super) fn init_run_source(profile: Profile, bsp: bool) -> Option<&'static str> {
    Some(match (profile, bsp) {
        // target/i386/helper.c do_cpu_init() -> apic_init_reset():
        // `s->wait_for_sipi = !cpu_is_bsp(s->cpu);`
        (Profile::Qemu, _) => "sdm-8.4.2; qemu: apic_init_reset() sets s->wait_for_sipi = !cpu_is_bsp(s->cpu) (hw/intc/apic_common.c)",
        // vlapic_init_sipi_one(): `hvm_vcpu_down(target); ... vcpu_reset(target);
        // ... vlapic_do_init(...)` for every target, the BSP too.
        (Profile::Xen, true) => "sdm-8.4.2; not modelled: xen's vlapic_init_sipi_one() takes every INIT target down (hvm_vcpu_down(), vcpu_reset()) until a SIPI, the BSP too (xen/arch/x86/hvm/vlapic.c); the model runs the BSP",
        (Profile::Xen, false) => "sdm-8.4.2; xen: vlapic_init_sipi_one(): hvm_vcpu_down(target), vcpu_reset(target), vlapic_do_init(); APIC_DM_STARTUP: hvm_vcpu_reset_state(target, reset_cs, 0) (xen/arch/x86/hvm/vlapic.c)",
        // vm_handle_ipi(): APIC_DELMODE_INIT: vlapic_handle_init() on each
        // active target, then vm_await_start(vm, dmask).
        (Profile::Bhyve, true) => "sdm-8.4.2; not modelled: bhyve's vm_handle_ipi() resets each INIT target (vlapic_handle_init()) and then vm_await_start() on all of them, the BSP too (sys/amd64/vmm/io/vlapic.c); the model runs the BSP",
        (Profile::Bhyve, false) => "sdm-8.4.2; bhyve: vm_handle_ipi(), APIC_DELMODE_INIT: vlapic_handle_init() -> vlapic_reset(), vm_await_start(); a SIPI starts only CPUs in vm_start_cpus() (sys/amd64/vmm/io/vlapic.c)",
        // apicSendIntr(): XAPICDELIVERYMODE_INIT -> VMMR3SendInitIpi();
        // apicInitIpi() is "the state following an INIT reset
        // ('Wait-for-SIPI' state)"; what VMMR3SendInitIpi() does to the
        // BSP's run state was not read.
        (Profile::Virtualbox, true) => "sdm-8.4.2; virtualbox: apicSendIntr() -> VMMR3SendInitIpi(); whether the BSP then runs or waits for SIPI is unverified (VMMR3SendInitIpi() not read)",
        (Profile::Virtualbox, false) => "sdm-8.4.2; virtualbox: apicSendIntr() -> VMMR3SendInitIpi(); apicInitIpi(): the \"Wait-for-SIPI\" state (src/VBox/VMM/VMMAll/APICAll.cpp)",
        _ => return None,
    })
}

/// QEMU's own local APIC.
///
/// - New fixed interrupts while software-disabled: accepted.
///   `apic_bus_deliver()`, `APIC_DM_FIXED`: `foreach_apic(apic_iter,
///   deliver_bitmask, apic_set_irq(apic_iter, vector_num, trigger_mode) );`
///   and `apic_set_irq()`: `apic_set_bit(s->irr, vector_num);` with no
///   check of `spurious_vec`; `apic_local_deliver()` (timer, LINT) only
///   checks `if (lvt & APIC_LVT_MASKED) return;`.
/// - A held IRR bit: held. `apic_irq_pending()`: `if (!(s->spurious_vec &
///   APIC_SV_ENABLE)) { return 0; }`, so `apic_update_irq()` raises no
///   `CPU_INTERRUPT_HARD`; `apic_get_interrupt()`: `if (!(s->spurious_vec &
///   APIC_SV_ENABLE)) return -1;`. A SPIV write with bit 8 set calls
///   `apic_update_irq(s)` and the bit is delivered then.
/// - SPIV disable and the LVTs: untouched. `apic_mem_write()`, `case 0x0f:
///   s->spurious_vec = val & 0x1ff; apic_update_irq(s);` and `case 0x32 ...
///   0x37: ... s->lvt[n] = val;`: no mask is forced on disable, and an
///   unmask is kept while disabled.
/// - LVT status bits: `s->lvt[n] = val;` keeps every bit written.
/// - BSP LINT0: masked, like every LVT. `apic_init_reset()` sets
///   `s->lvt[i] = APIC_LVT_MASKED` for every LVT; the BSP's ExtINT preset
///   in `apic_reset_common()` (`if (bsp) { ... s->lvt[APIC_LVT_LINT0] =
///   0x700; }`, still in the text at 003f8dbc) was removed by b8eb5512fd
///   ("target-i386: disable LINT0 after reset"), and QEMU 7.2 under TCG
///   reads LINT0 = 0x10000 after RESET (kvm/recorded-qemu/).
/// - Fixed IPI flags: `apic_mem_write()`, `case 0x30: ... apic_deliver(dev,
///   ..., (s->icr[0] >> 15) & 1);` passes the trigger mode to
///   `apic_set_irq()`, which sets or clears the TMR bit; the level bit (14)
///   is read only for `APIC_DM_INIT`.
/// - Reserved bits: `apic_mem_write()`, `case 0x0f: s->spurious_vec = val
///   & 0x1ff;` (focus, bit 9, and EOI-broadcast suppression, bit 12, are
///   never stored) and `case 0x32 ... 0x37: s->lvt[n] = val;` (all 32 bits).
/// - Hardware disable: `apic_set_base()`: `s->apicbase = (val & 0xfffff000)
///   | (s->apicbase & (MSR_IA32_APICBASE_BSP | MSR_IA32_APICBASE_ENABLE));
///   /* if disabled, cannot be enabled again */ if (!(val &
///   MSR_IA32_APICBASE_ENABLE)) { s->apicbase &= ~MSR_IA32_APICBASE_ENABLE;
///   cpu_clear_apic_feature(&s->cpu->env); s->spurious_vec &=
///   ~APIC_SV_ENABLE; }`; nothing else in `hw/intc/apic.c` reads the enable
///   bit, so MMIO, acceptance and (with SPIV bit 8 set again) delivery go
///   on. QEMU 7.2 under TCG does exactly that (kvm/recorded-qemu/).
pub(super) fn qemu() -> Policy {
    Policy {
        profile: Profile::Qemu,
        fixed_while_sw_disabled: Sourced {
            choice: SwDisabledFixed::Accept,
            source: "qemu: apic_bus_deliver() -> apic_set_irq(): apic_set_bit(s->irr, vector_num) with no SPIV check; apic_local_deliver() checks only APIC_LVT_MASKED (hw/intc/apic.c, qemu/qemu 0436c55e and 21f80e8f)",
        },
        held_irr: Sourced {
            choice: HeldIrr::Hold,
            source: "qemu: apic_irq_pending(): if (!(s->spurious_vec & APIC_SV_ENABLE)) return 0; apic_get_interrupt(): if (!(s->spurious_vec & APIC_SV_ENABLE)) return -1; (hw/intc/apic.c, qemu/qemu 0436c55e and 21f80e8f)",
        },
        sw_disabled_lvts: Sourced {
            choice: SwDisabledLvts::Untouched,
            source: "qemu: apic_mem_write(): case 0x0f: s->spurious_vec = val & 0x1ff; apic_update_irq(s); and case 0x32 ... 0x37: s->lvt[n] = val; no LVT mask is forced by software disable (hw/intc/apic.c, qemu/qemu 0436c55e and 21f80e8f)",
        },
        virtual_delivery: NO_VIRTUAL,
        init_source: "sdm-10.4.7.3; qemu: do_cpu_init() -> apic_init_reset(): tpr = 0, spurious_vec = 0xff, isr/tmr/irr cleared, every LVT = APIC_LVT_MASKED, id kept (hw/intc/apic_common.c, qemu/qemu 003f8dbc)",
        bsp_lint0: Sourced {
            choice: BspLint0::Masked,
            source: "qemu: apic_init_reset() sets every s->lvt[i] = APIC_LVT_MASKED, and since qemu/qemu b8eb5512fd (\"target-i386: disable LINT0 after reset\", QEMU 2.4) apic_reset_common() no longer sets LINT0 to ExtINT (0x700) on the BSP, which the older text at 003f8dbc did; recorded on QEMU 7.2 under TCG: LVT LINT0 = 0x10000 after RESET (hw/intc/apic_common.c; kvm/recorded-qemu/)",
        },
        lvt_status_bits: Sourced {
            choice: LvtStatusBits::Writable,
            source: "qemu: apic_mem_write(), case 0x32 ... 0x37: s->lvt[n] = val; every bit is kept as written (hw/intc/apic.c, qemu/qemu 0436c55e and 21f80e8f)",
        },
        hw_disable: Sourced {
            choice: HwDisable::ApicKeepsWorking,
            source: "qemu: apic_set_base(): s->apicbase = (val & 0xfffff000) | (s->apicbase & (MSR_IA32_APICBASE_BSP | MSR_IA32_APICBASE_ENABLE)), and if bit 11 of val is clear: apicbase &= ~ENABLE, s->spurious_vec &= ~APIC_SV_ENABLE (\"if disabled, cannot be enabled again\"); apic_mem_write(), apic_set_irq() and apic_irq_pending() never look at the enable bit (hw/intc/apic.c, qemu/qemu 0436c55e and 21f80e8f; recorded on QEMU 7.2: kvm/recorded-qemu/conf-hw-disable.json)",
        },
        fixed_ipi_flags: Sourced {
            choice: FixedIpiFlags::TriggerModeKept,
            source: "qemu: apic_mem_write(), case 0x30: apic_deliver(..., (s->icr[0] >> 15) & 1) -> apic_set_irq(): if (trigger_mode) apic_set_bit(s->tmr, ...) else apic_reset_bit(s->tmr, ...); ICR bit 14 is read only for APIC_DM_INIT (hw/intc/apic.c, qemu/qemu 0436c55e and 21f80e8f)",
        },
        reserved_bits: QEMU_RESERVED_BITS,
    }
}

/// Xen's HVM vlapic (the emulated path).
///
/// - New fixed interrupts while software-disabled: IPIs dropped, MSIs
///   accepted. `vlapic_accept_irq()`: `case APIC_DM_FIXED: case
///   APIC_DM_LOWEST: if ( vlapic_enabled(vlapic) ) vlapic_set_irq(vlapic,
///   vector, 0);`; but `xen/arch/x86/hvm/vmsi.c` `vmsi_deliver()`, `case
///   dest_Fixed:`, calls `vmsi_inj_irq()` for every matching vCPU, and
///   `vmsi_inj_irq()` does `vlapic_set_irq(target, vector, trig_mode);`
///   with no `vlapic_enabled()` check (read in a mirror copy of vmsi.c of
///   the `hvm_domain.msixtbl_list` era; only `dest_LowestPrio` goes through
///   `vlapic_lowest_prio()`, which wants an enabled vlapic). The I/O APIC
///   path (`vioapic.c`) was not read: unverified; the model's `irq` stands
///   for both. The LVT timer cannot fire: SPIV disable masks it.
/// - A held IRR bit: held. `vlapic_has_pending_irq()`: `if (
///   !vlapic_enabled(vlapic) ) return -1;` (`vlapic_enabled()` is neither
///   hardware- nor software-disabled), like KVM before bb34e690e934.
/// - SPIV disable and the LVTs: forced. `vlapic_reg_write()`, `case
///   APIC_SPIV: ... if ( !(val & APIC_SPIV_APIC_ENABLED) ) { ...
///   vlapic_set_reg(vlapic, APIC_LVTT + 0x10 * i, lvt_val |
///   APIC_LVT_MASKED); }`; LVT writes: `if ( vlapic_sw_disabled(vlapic) )
///   val |= APIC_LVT_MASKED;`.
/// - LVT status bits: `#define LVT_MASK (APIC_LVT_MASKED | APIC_SEND_PENDING
///   | APIC_VECTOR_MASK)`, `LINT_MASK` adds `APIC_LVT_REMOTE_IRR`, and
///   `val &= array_access_nospec(vlapic_lvt_mask, ...)`: kept as written.
/// - INIT: `vlapic_do_init()`: IRR, ISR, TMR = 0, TPR = 0, every LVT =
///   `APIC_LVT_MASKED` (LINT0 too, on the BSP), SPIV = 0xff; the ID is not
///   touched.
/// - Hardware disable: `guest_wrmsr_apic_base()`: on enable
///   `vlapic_reset(vlapic)`; on disable only `VLAPIC_HW_DISABLED`. The
///   registers come back in their power-up state, as the model's
///   power-cycle shows; what an MMIO read returns while disabled
///   (`vlapic_range()` refuses the access) is unverified.
/// - Fixed IPI flags: `vlapic_accept_irq()` calls `vlapic_set_irq(vlapic,
///   vector, 0)`: edge, the TMR bit cleared, the level bit ignored.
pub(super) fn xen() -> Policy {
    Policy {
        profile: Profile::Xen,
        fixed_while_sw_disabled: Sourced {
            choice: SwDisabledFixed::DropIpis,
            source: "xen: an IPI is dropped, vlapic_accept_irq(): if ( vlapic_enabled(vlapic) ) vlapic_set_irq(vlapic, vector, 0); (xen/arch/x86/hvm/vlapic.c, xen-project/xen d7cd999f); an MSI is not, vmsi_deliver(), dest_Fixed -> vmsi_inj_irq(): vlapic_set_irq(target, vector, trig_mode) with no vlapic_enabled() check (xen/arch/x86/hvm/vmsi.c, mirror copy); the I/O APIC path (vioapic.c) unverified",
        },
        held_irr: Sourced {
            choice: HeldIrr::Hold,
            source: "xen: vlapic_has_pending_irq(): if ( !vlapic_enabled(vlapic) ) return -1; (xen/arch/x86/hvm/vlapic.c, xen-project/xen d7cd999f): like KVM before bb34e690e934",
        },
        sw_disabled_lvts: Sourced {
            choice: SwDisabledLvts::Forced,
            source: "xen: vlapic_reg_write(), APIC_SPIV without APIC_SPIV_APIC_ENABLED ORs APIC_LVT_MASKED into every LVT; LVT writes: if ( vlapic_sw_disabled(vlapic) ) val |= APIC_LVT_MASKED; (xen/arch/x86/hvm/vlapic.c, xen-project/xen d7cd999f)",
        },
        virtual_delivery: NO_VIRTUAL,
        init_source: "sdm-10.4.7.3; xen: vlapic_init_sipi_one() -> vlapic_do_init(): IRR, ISR, TMR, ICR, TPR = 0, every LVT = APIC_LVT_MASKED, SPIV = 0xff, ID untouched (xen/arch/x86/hvm/vlapic.c, xen-project/xen d7cd999f)",
        bsp_lint0: Sourced {
            choice: BspLint0::Masked,
            source: "xen: vlapic_reset() and vlapic_do_init() set every LVT to APIC_LVT_MASKED, LINT0 of vCPU 0 too (xen/arch/x86/hvm/vlapic.c, xen-project/xen d7cd999f)",
        },
        lvt_status_bits: Sourced {
            choice: LvtStatusBits::Writable,
            source: "xen: LVT_MASK = APIC_LVT_MASKED | APIC_SEND_PENDING | APIC_VECTOR_MASK, LINT_MASK adds APIC_LVT_REMOTE_IRR; vlapic_reg_write(): val &= vlapic_lvt_mask[...] (xen/arch/x86/hvm/vlapic.c, xen-project/xen d7cd999f)",
        },
        hw_disable: Sourced {
            choice: HwDisable::PowerCycle,
            source: "xen: guest_wrmsr_apic_base(): enable -> vlapic_reset(vlapic) (power-on state: vlapic_do_init(), ID = vcpu_id * 2); disable only sets VLAPIC_HW_DISABLED (xen/arch/x86/hvm/vlapic.c, xen-project/xen d7cd999f); the value of an MMIO read while disabled (vlapic_range() refuses it) is unverified",
        },
        fixed_ipi_flags: Sourced {
            choice: FixedIpiFlags::Ignored,
            source: "xen: vlapic_accept_irq(): vlapic_set_irq(vlapic, vector, 0): a fixed IPI is edge-triggered whatever ICR bits 15 and 14 say (xen/arch/x86/hvm/vlapic.c, xen-project/xen d7cd999f)",
        },
        reserved_bits: UNVERIFIED_RESERVED_BITS,
    }
}

/// bhyve's vlapic (the emulated path, not `vlapic->ops.pending_intr`).
///
/// - New fixed interrupts while software-disabled: dropped, from every
///   source. `vlapic_set_intr_ready()`: `if (!(lapic->svr &
///   APIC_SVR_ENABLE)) { VLAPIC_CTR1(vlapic, "vlapic is software disabled,
///   ignoring interrupt %d", vector); return (0); }` (IPIs through
///   `lapic_intr_edge()`, the I/O APIC and MSIs through
///   `vlapic_deliver_intr()` -> `lapic_set_intr()`, LVTs through
///   `vlapic_fire_lvt()`).
/// - A held IRR bit: delivered. `vlapic_pending_intr()` compares the
///   highest IRR vector with the PPR (`if (PRIO(vector) >
///   PRIO(lapic->ppr))`) and never reads the SVR; nor do its callers
///   `vmx_inject_interrupts()` (`sys/amd64/vmm/intel/vmx.c`: `if
///   (!vlapic_pending_intr(vlapic, &vector)) return;`, then only `rflags &
///   PSL_I` and the interruptibility state) and the SVM injection in
///   `sys/amd64/vmm/amd/svm.c` (read in mirror copies of the same era).
///   With virtual-interrupt delivery `vmx_inject_pir()` hands it to the
///   CPU instead, which this profile does not model.
/// - SPIV disable and the LVTs: forced. `vlapic_svr_write_handler()`: "The
///   apic is now disabled so stop the apic timer and mask all the LVT
///   entries" (`callout_stop()`, `vlapic_mask_lvts()`);
///   `vlapic_lvt_write_handler()`: `if (!(lapic->svr & APIC_SVR_ENABLE))
///   val |= APIC_LVT_M;`.
/// - LVT status bits: `mask = APIC_LVT_M | APIC_LVT_DS | APIC_LVT_VECTOR;`
///   and for LINT0/LINT1 `mask |= APIC_LVT_TM | APIC_LVT_RIRR |
///   APIC_LVT_IIPP;`: kept as written.
/// - INIT: `vm_handle_ipi()` -> `vlapic_handle_init()` -> `vlapic_reset()`:
///   `bzero(lapic, ...)`, `lapic->id = vlapic_get_id(vlapic)`, `lapic->svr
///   = APIC_SVR_VECTOR`, `vlapic_mask_lvts()`: LINT0 of the BSP masked.
/// - Hardware disable: `vlapic_set_apicbase()`: `if (vlapic->msr_apicbase
///   != new) { ... "Changing APIC_BASE MSR from %#lx to %#lx not
///   supported" ...; return (-1); }`. Not modelled (what the guest sees of
///   the -1 was not read); the nearest choice, registers kept, is shown.
/// - Fixed IPI flags: `vlapic_is_icr_valid()`: a fixed IPI with trigger
///   level is valid only with `APIC_LEVEL_ASSERT` ("Intel converts a level
///   assert IPI into an edge IPI"), an invalid ICR is ignored, and
///   `vlapic_icrlo_write_handler()` sends it with `lapic_intr_edge()`.
pub(super) fn bhyve() -> Policy {
    Policy {
        profile: Profile::Bhyve,
        fixed_while_sw_disabled: Sourced {
            choice: SwDisabledFixed::Drop,
            source: "bhyve: vlapic_set_intr_ready(): if (!(lapic->svr & APIC_SVR_ENABLE)) { \"vlapic is software disabled, ignoring interrupt\"; return (0); } (sys/amd64/vmm/io/vlapic.c, freebsd/freebsd-src 0162500b)",
        },
        held_irr: Sourced {
            choice: HeldIrr::Deliver,
            source: "bhyve: vlapic_pending_intr() offers the highest IRR vector when PRIO(vector) > PRIO(lapic->ppr) and never reads the SVR (sys/amd64/vmm/io/vlapic.c, freebsd/freebsd-src 0162500b), and vmx_inject_interrupts() (intel/vmx.c) checks only RFLAGS.IF and the interruptibility state before injecting it: like KVM with bb34e690e934",
        },
        sw_disabled_lvts: Sourced {
            choice: SwDisabledLvts::Forced,
            source: "bhyve: vlapic_svr_write_handler(): \"The apic is now disabled so stop the apic timer and mask all the LVT entries\" (vlapic_mask_lvts()); vlapic_lvt_write_handler(): if (!(lapic->svr & APIC_SVR_ENABLE)) val |= APIC_LVT_M; (sys/amd64/vmm/io/vlapic.c, freebsd/freebsd-src 0162500b)",
        },
        virtual_delivery: NO_VIRTUAL,
        init_source: "sdm-10.4.7.3; bhyve: vm_handle_ipi() -> vlapic_handle_init() -> vlapic_reset(): bzero(lapic), id = vlapic_get_id(), svr = APIC_SVR_VECTOR, vlapic_mask_lvts() (sys/amd64/vmm/io/vlapic.c, freebsd/freebsd-src 0162500b)",
        bsp_lint0: Sourced {
            choice: BspLint0::Masked,
            source: "bhyve: vlapic_reset() masks every LVT (vlapic_mask_lvts()), LINT0 of vCPU 0 too (sys/amd64/vmm/io/vlapic.c, freebsd/freebsd-src 0162500b)",
        },
        lvt_status_bits: Sourced {
            choice: LvtStatusBits::Writable,
            source: "bhyve: vlapic_lvt_write_handler(): mask = APIC_LVT_M | APIC_LVT_DS | APIC_LVT_VECTOR; LINT0/LINT1 add APIC_LVT_RIRR (sys/amd64/vmm/io/vlapic.c, freebsd/freebsd-src 0162500b)",
        },
        hw_disable: Sourced {
            choice: HwDisable::KeepRegisters,
            source: "not modelled: bhyve's vlapic_set_apicbase() refuses any change (\"Changing APIC_BASE MSR ... not supported\", return (-1)) (sys/amd64/vmm/io/vlapic.c, freebsd/freebsd-src 0162500b); what the guest sees of the refusal is unverified; the model shows the nearest choice, registers kept",
        },
        fixed_ipi_flags: Sourced {
            choice: FixedIpiFlags::EdgeDeassertDropped,
            source: "bhyve: vlapic_is_icr_valid(): a level-triggered fixed IPI is valid only with APIC_LEVEL_ASSERT (\"Intel converts a level assert IPI into an edge IPI\"), an invalid ICR is ignored; vlapic_icrlo_write_handler() sends with lapic_intr_edge() (sys/amd64/vmm/io/vlapic.c, freebsd/freebsd-src 0162500b)",
        },
        reserved_bits: UNVERIFIED_RESERVED_BITS,
    }
}

/// VirtualBox's APIC.
///
/// - New fixed interrupts while software-disabled: accepted.
///   `apicSendIntr()`, `XAPICDELIVERYMODE_FIXED`: `if
///   (APICIsEnabled(pItVCpu)) fAccepted = apicPostInterrupt(...)`, and
///   `APICIsEnabled()` is `RT_BOOL(pApicCpu->uApicBaseMsr &
///   MSR_IA32_APICBASE_EN)`: the hardware enable only; `apicPostInterrupt()`
///   checks the vector, not the SVR.
/// - A held IRR bit: held. `APICGetInterrupt()`: `if (fApicHwEnabled &&
///   pXApicPage->svr.u.fApicSoftwareEnable) { ... }` else
///   `VERR_APIC_INTR_NOT_PENDING`. `apicSetSvr()` ends with
///   `apicSignalNextPendingIntr(pVCpu)`, so enabling delivers it.
/// - SPIV disable and the LVTs: forced. `apicSetSvr()`: `if
///   (!pXApicPage->svr.u.fApicSoftwareEnable) { ... lvt_timer.u.u1Mask = 1;
///   ... lvt_error.u.u1Mask = 1; }`; `apicSetLvtEntry()`: "In the
///   software-disabled state, LVT mask-bit must remain set" (`uLvt |=
///   XAPIC_LVT_MASK`).
/// - LVT status bits: `uLvt &= g_au32LvtValidMasks[idxLvt]`, where
///   `XAPIC_LVT_COMMON_VALID` includes `XAPIC_LVT_DELIVERY_STATUS` and
///   `XAPIC_LVT_LINT_VALID` `XAPIC_LVT_REMOTE_IRR`: kept as written.
/// - INIT and RESET: `apicInitIpi()` zeroes IRR, ISR, TMR, TPR and masks
///   every LVT (`RT_ZERO(pXApicPage->lvt_lint0); ... u1Mask = 1;`), SVR =
///   0xff; `apicResetCpu()` adds the version, base MSR and ID: LINT0 of the
///   BSP masked.
/// - Hardware disable: `APICSetBaseMsr()`, `APICMODE_DISABLED`: "The APIC
///   state needs to be reset ... We can start with a clean slate identical
///   to the state after a power-up/reset" (`apicResetCpu(pVCpu, false)`);
///   enabling again is allowed only from disabled to xAPIC.
/// - Fixed IPI flags: `apicSendIpi()` ignores a level de-assert ("INIT Level
///   De-assert is not support on Pentium 4 and Xeon processors. Apparently,
///   this also applies to NMI, SMI, lowest-priority and fixed delivery
///   modes") and passes the trigger mode on; `apicPostInterrupt()` queues a
///   level-triggered vector in `ApicPibLevel`, which sets its TMR bit.
pub(super) fn virtualbox() -> Policy {
    Policy {
        profile: Profile::Virtualbox,
        fixed_while_sw_disabled: Sourced {
            choice: SwDisabledFixed::Accept,
            source: "virtualbox: apicSendIntr(), XAPICDELIVERYMODE_FIXED: if (APICIsEnabled(pItVCpu)) apicPostInterrupt(...); APICIsEnabled() tests only MSR_IA32_APICBASE_EN, apicPostInterrupt() not the SVR (src/VBox/VMM/VMMAll/APICAll.cpp r106320, VirtualBox/virtualbox 4908d8d1)",
        },
        held_irr: Sourced {
            choice: HeldIrr::Hold,
            source: "virtualbox: APICGetInterrupt(): if (fApicHwEnabled && pXApicPage->svr.u.fApicSoftwareEnable) ... else VERR_APIC_INTR_NOT_PENDING (src/VBox/VMM/VMMAll/APICAll.cpp r106320, VirtualBox/virtualbox 4908d8d1)",
        },
        sw_disabled_lvts: Sourced {
            choice: SwDisabledLvts::Forced,
            source: "virtualbox: apicSetSvr(): if (!pXApicPage->svr.u.fApicSoftwareEnable) sets u1Mask in every LVT; apicSetLvtEntry(): if (!pXApicPage->svr.u.fApicSoftwareEnable) uLvt |= XAPIC_LVT_MASK; (src/VBox/VMM/VMMAll/APICAll.cpp r106320, VirtualBox/virtualbox 4908d8d1)",
        },
        virtual_delivery: NO_VIRTUAL,
        init_source: "sdm-10.4.7.3; virtualbox: apicInitIpi(): IRR, ISR, TMR, ICR, LDR, TPR, PPR and the timer zeroed, every LVT masked, SVR = 0xff, ID untouched (src/VBox/VMM/VMMAll/APICAll.cpp, read in a mirror copy of r106320's text)",
        bsp_lint0: Sourced {
            choice: BspLint0::Masked,
            source: "virtualbox: apicInitIpi() (called by apicResetCpu()) sets lvt_lint0 = 0 with u1Mask = 1 on every vCPU (src/VBox/VMM/VMMAll/APICAll.cpp, read in a mirror copy of r106320's text)",
        },
        lvt_status_bits: Sourced {
            choice: LvtStatusBits::Writable,
            source: "virtualbox: apicSetLvtEntry(): uLvt &= g_au32LvtValidMasks[idxLvt]; XAPIC_LVT_COMMON_VALID includes XAPIC_LVT_DELIVERY_STATUS, XAPIC_LVT_LINT_VALID XAPIC_LVT_REMOTE_IRR (APICAll.cpp r106320; include/VBox/apic.h)",
        },
        hw_disable: Sourced {
            choice: HwDisable::PowerCycle,
            source: "virtualbox: APICSetBaseMsr(), APICMODE_DISABLED: \"We can start with a clean slate identical to the state after a power-up/reset\" (apicResetCpu(pVCpu, false)); enabling again only from disabled to xAPIC (src/VBox/VMM/VMMAll/APICAll.cpp, read in a mirror copy of r106320's text); the value of an MMIO read while disabled is unverified",
        },
        fixed_ipi_flags: Sourced {
            choice: FixedIpiFlags::LevelDeassertDropped,
            source: "virtualbox: apicSendIpi() ignores a level de-assert for fixed, lowest-priority, SMI, NMI and INIT (\"level de-assert unsupported, ignoring!\"); apicPostInterrupt() queues a level-triggered vector in ApicPibLevel, which sets its TMR bit (src/VBox/VMM/VMMAll/APICAll.cpp r106320, VirtualBox/virtualbox 4908d8d1)",
        },
        reserved_bits: UNVERIFIED_RESERVED_BITS,
    }
}
