//! The explanation layer: turns a step's `Outcome`s into the trace's
//! events, each with its text in plain words and the rule or source that
//! makes it happen. A profile's decision is quoted from `policy.rs`, so an
//! event caused by a decision names the source of that decision. Nothing
//! here changes state.

use crate::apic::{class, hex, Lvt, SPIV_APIC_ENABLED};
use crate::decode::TimerMode;
use crate::format::ProfileGroup;
use crate::format::{Reg, Routine};
use crate::outcome::{Blocked, DeliveryMode, DropReason, Guest, Outcome, Source, Waker};
use crate::policy::{BspLint0, Policy, SwDisabledLvts};
use crate::trace::{Event, EventKind};

fn list(v: &[u8]) -> String {
    v.iter().map(|x| hex(*x)).collect::<Vec<_>>().join(" ")
}

fn source_name(s: Source) -> &'static str {
    match s {
        Source::Irq { level: false } => "interrupt",
        Source::Irq { level: true } => "level-triggered interrupt",
        Source::SelfIpi { level: false } => "self-IPI",
        Source::SelfIpi { level: true } => "level-triggered self-IPI",
        Source::LvtTimer => "LVT timer",
    }
}

fn mode_name(mode: DeliveryMode) -> String {
    match mode {
        DeliveryMode::Fixed => "fixed".into(),
        DeliveryMode::LowestPriority => "lowest-priority".into(),
        DeliveryMode::Smi => "SMI".into(),
        DeliveryMode::Nmi => "NMI".into(),
        DeliveryMode::Init => "INIT".into(),
        DeliveryMode::StartUp => "start-up".into(),
        DeliveryMode::Reserved(m) => format!("reserved ({m})"),
    }
}

/// The source of `apic_pending_intr_clear()`'s loop.
const PENDING_V52: &str = "linux: apic_pending_intr_clear() (arch/x86/kernel/apic/apic.c, v5.2)";

/// The source of v5.4's `apic_pending_intr_clear()`.
const PENDING_V54: &str =
    "linux: apic_pending_intr_clear() (arch/x86/kernel/apic/apic.c, v5.4; commit cc8bf191378c)";

/// What a routine does as v5.2 or v5.4 mainline has it, and the source.
fn routine_text_as(r: Routine, k: crate::format::Kernel) -> (&'static str, &'static str) {
    use crate::format::Kernel;
    match (r, k) {
        (Routine::NativeCpuDisable, Kernel::V5_2) => (
            "native_cpu_disable(): clear_local_APIC() masks every LVT entry; the APIC stays software-enabled (SPIV bit 8 set), so a pending bit is delivered as soon as IF=1",
            "linux: native_cpu_disable() (arch/x86/kernel/smpboot.c, v5.2): lapic_can_unplug_cpu(); clear_local_APIC(); cpu_disable_common();",
        ),
        (Routine::NativeCpuDisable, _) => (
            "native_cpu_disable(): apic_soft_disable(), \"Otherwise IPI broadcasts will reach it. It still responds normally to INIT, NMI, SMI, and SIPI messages.\"",
            "linux: native_cpu_disable() (arch/x86/kernel/smpboot.c, v5.4; commit 60dcaad5736f)",
        ),
        (Routine::SetupLocalApic, Kernel::V5_2) => (
            "setup_local_APIC(): TPR = 0 (accept all), apic_pending_intr_clear() once, then enable the APIC (SPIV = APIC_SPIV_APIC_ENABLED | SPURIOUS_APIC_VECTOR)",
            "linux: setup_local_APIC() (arch/x86/kernel/apic/apic.c, v5.2)",
        ),
        (Routine::SetupLocalApic, _) => (
            "setup_local_APIC(): soft-disable the APIC first, TPR = 0x10 (accept all but vectors 0-31), apic_pending_intr_clear() (\"Clear eventually stale ISR/IRR bits\"), then enable the APIC",
            "linux: setup_local_APIC() (arch/x86/kernel/apic/apic.c, v5.4; commits 2640da4cccf5, 229b969b3d38)",
        ),
        (_, _) => (
            "apic_pending_intr_clear(): up to 512 rounds of apic_check_and_ack() (read IRR and ISR, EOI per ISR bit); if IRR is still set after them, pr_warn(\"APIC: Stale IRR: %256pb ISR: %256pb\")",
            PENDING_V54,
        ),
    }
}

/// What a routine does, in a line, and the kernel source it follows.
fn routine_text(r: Routine) -> (&'static str, &'static str) {
    match r {
        Routine::ClearLocalApic => (
            "clear_local_APIC(): mask every LVT entry and clear ESR; IRR, ISR and TPR are left alone",
            "linux: clear_local_APIC()",
        ),
        Routine::ApicSoftDisable => (
            "apic_soft_disable(): clear_local_APIC(), then clear SPIV bit 8 (APIC_SPIV_APIC_ENABLED)",
            "linux: apic_soft_disable()",
        ),
        Routine::NativeCpuDisable => (
            "native_cpu_disable(): software-disable the local APIC so that IPI broadcasts no longer reach this CPU (it still takes INIT, NMI, SMI and SIPI); v5.2 only masked the LVT entries with clear_local_APIC()",
            "linux: native_cpu_disable() as in the 2019 test tree (tip WIP.x86/ipi commit e1056a25daa6); mainline from commit 60dcaad5736f, v5.4",
        ),
        Routine::SetupLocalApic => (
            "setup_local_APIC(): TPR = 0, clear stale bits if the APIC is enabled, enable it (SPIV bit 9, focus, left alone: that line is #ifdef CONFIG_X86_32), clear stale bits",
            "linux: setup_local_APIC() as LKML 2019-07-01 describes the 2019 test tree (its exact text unverified; mainline v5.2 calls apic_pending_intr_clear() once, before enabling)",
        ),
        Routine::ApicPendingIntrClear => (
            "apic_pending_intr_clear(): read IRR (queued) and ISR, EOI once per ISR bit; repeat while IRR was non-empty, for at most cpu_khz << 10 TSC cycles; then WARN_ON(max_loops <= 0)",
            PENDING_V52,
        ),
        Routine::PlayDead => (
            "native_play_dead(): play_dead_common(), then halt in a loop",
            "linux: native_play_dead()",
        ),
        Routine::WakeupCpu0Nmi => (
            "do_boot_cpu() -> wakeup_cpu0_nmi(): the boot CPU wakes CPU0 with an NMI IPI, not INIT, so nothing in CPU0's APIC is reset",
            "linux: wakeup_cpu0_nmi() (arch/x86/kernel/smpboot.c; removed in 2023)",
        ),
        Routine::LocalIrqEnable => ("local_irq_enable(): sti", "linux: local_irq_enable()"),
        Routine::LocalIrqDisable => ("local_irq_disable(): cli", "linux: local_irq_disable()"),
        Routine::StartSecondary => (
            "start_secondary(): smp_callin() -> apic_ap_setup() -> setup_local_APIC(), later local_irq_enable()",
            "linux: start_secondary() (arch/x86/kernel/smpboot.c)",
        ),
    }
}

fn written(reg: Reg, old: u64, new: u64, ppr: u8) -> (String, &'static str) {
    let v32 = (new & 0xffff_ffff) as u32;
    match reg {
        Reg::Id => (format!("APIC ID = {} (bits 31:24)", v32 >> 24), "sdm-10.4.6"),
        Reg::Tpr => (
            format!(
                "TPR = {v32:#04x} (class {}): PPR is now {ppr:#04x}; only classes above {} are dispatched",
                v32 >> 4,
                ppr >> 4
            ),
            "sdm-10.8.3.1",
        ),
        Reg::Ldr => (format!("LDR = {v32:#010x}"), "sdm-10.6.2.2"),
        Reg::Dfr => (
            format!(
                "DFR = {v32:#010x} ({} model)",
                if v32 >> 28 == 0xf { "flat" } else { "cluster" }
            ),
            "sdm-10.6.2.2",
        ),
        Reg::Spiv => (
            format!(
                "SPIV = {v32:#x}: spurious vector {}, software {}",
                hex((v32 & 0xff) as u8),
                if v32 & SPIV_APIC_ENABLED != 0 { "enabled" } else { "disabled" }
            ),
            "sdm-10.9",
        ),
        Reg::Esr => (
            format!("ESR write: the errors found since the last write become visible, ESR = {v32:#04x}"),
            "sdm-10.5.3",
        ),
        Reg::TimerDivide => {
            let bits = ((v32 & 8) >> 1) | (v32 & 3);
            let by = if bits == 7 { 1 } else { 2u32 << bits };
            (format!("timer divide configuration: divide by {by}"), "sdm-10.5.4")
        }
        Reg::ApicBase => (format!("IA32_APIC_BASE = {new:#x}"), "sdm-10.4.4"),
        _ => (format!("{reg} = {new:#x} (was {old:#x})"), "sdm-10.5.1"),
    }
}

/// One outcome as an event, or none (an outcome that only matters next to
/// another, such as IF=0 keeping a bit pending when nothing new arrived).
fn event(o: &Outcome, policy: &Policy, accepted_in_step: bool) -> Option<Event> {
    use EventKind as K;
    let ev = |kind, vector: Option<u8>, text: String, rule: &str| {
        Some(Event {
            kind,
            vector,
            text,
            rule: rule.to_owned(),
        })
    };
    match o {
        Outcome::PowerUp => ev(
            K::Reset,
            None,
            "power-up: IRR, ISR, TMR and TPR are 0, every LVT is masked, SPIV = 0xff (software-disabled); the CPU runs with IF=0".into(),
            "sdm-10.4.7.1",
        ),
        Outcome::Written { reg, old, new, ppr } => {
            let (text, rule) = written(*reg, *old, *new, *ppr);
            ev(K::Write, None, text, rule)
        }
        Outcome::WriteIgnoredHwDisabled(reg) => ev(
            K::Write,
            None,
            format!("write to {reg} ignored: the APIC is hardware-disabled (IA32_APIC_BASE bit 11 = 0), so its registers are not there"),
            "sdm-10.4.3",
        ),
        Outcome::X2apicIgnored => ev(
            K::Write,
            None,
            "IA32_APIC_BASE bit 10 (x2APIC mode) ignored: this model is an xAPIC".into(),
            "sdm-10.12.1",
        ),
        Outcome::SoftwareDisabled { masked } => {
            let names: Vec<&str> = masked.iter().map(|l| l.name()).collect();
            let text = if names.is_empty() {
                "APIC software-disabled: every LVT mask bit is forced set (all were masked already)".to_owned()
            } else {
                format!(
                    "APIC software-disabled: every LVT mask bit is forced set ({} masked now)",
                    names.join(", ")
                )
            };
            ev(K::Mask, None, text, other_impl(policy, "sdm-10.4.7.2", policy.sw_disabled_lvts.source))
        }
        Outcome::SoftwareDisabledLvtsKept => ev(
            K::Mask,
            None,
            format!("APIC software-disabled: {} leaves every LVT entry as it is (no mask bit is forced set, unlike SDM 10.4.7.2)", policy.profile.implementer()),
            policy.sw_disabled_lvts.source,
        ),
        Outcome::UnmaskKept(lvt) => ev(
            K::Mask,
            None,
            format!("{} unmasked although the APIC is software-disabled: {} keeps the write (the SDM says the mask bit stays set)", lvt.name(), policy.profile.implementer()),
            policy.sw_disabled_lvts.source,
        ),
        Outcome::AcceptedWhileSwDisabled(v) => ev(
            K::Accept,
            Some(*v),
            format!("the APIC is software-disabled (SPIV bit 8 = 0), but {} still sets IRR for a new fixed interrupt ({})", policy.profile.implementer(), hex(*v)),
            policy.fixed_while_sw_disabled.source,
        ),
        Outcome::HeldAtDisable { irr, isr } => {
            let mut held = Vec::new();
            if !irr.is_empty() {
                held.push(format!("IRR [{}]", list(irr)));
            }
            if !isr.is_empty() {
                held.push(format!("ISR [{}]", list(isr)));
            }
            ev(
                K::Held,
                irr.last().or(isr.last()).copied(),
                format!(
                    "{} held as is: software disable clears no IRR or ISR bit; they need masking or handling by the CPU",
                    held.join(" and ")
                ),
                "sdm-10.4.7.2",
            )
        }
        Outcome::SoftwareEnabled if policy.sw_disabled_lvts.choice == SwDisabledLvts::Untouched => ev(
            K::Write,
            None,
            "APIC software-enabled: the LVT entries are as software left them".into(),
            policy.sw_disabled_lvts.source,
        ),
        Outcome::SoftwareEnabled => ev(
            K::Write,
            None,
            "APIC software-enabled: the LVT entries stay masked until software unmasks them".into(),
            "sdm-10.4.7.2",
        ),
        Outcome::UnmaskRefused(lvt) => ev(
            K::Mask,
            None,
            format!("unmask of {} ignored: while the APIC is software-disabled every LVT mask bit stays set", lvt.name()),
            other_impl(policy, "sdm-10.4.7.2; linux commit 39c89dff9c36", policy.sw_disabled_lvts.source),
        ),
        Outcome::TimerDisarmed { from, to } => ev(
            K::Timer,
            None,
            format!("timer mode {} -> {}: the switch disarms the timer", from.name(), to.name()),
            "sdm-10.5.4.1",
        ),
        Outcome::HwDisabled { kept: false } => ev(
            K::Reset,
            None,
            "APIC hardware-disabled (IA32_APIC_BASE bit 11 = 0): it acts as absent and its state is lost (IRR, ISR, TMR cleared, LVTs masked)".into(),
            policy.hw_disable.source,
        ),
        Outcome::HwDisabled { kept: true } => ev(
            K::Reset,
            None,
            format!("APIC hardware-disabled (IA32_APIC_BASE bit 11 = 0): it acts as absent (its MMIO reads return all ones, writes and interrupts are dropped, nothing is delivered), but {} resets nothing: IRR, ISR, TMR, TPR, SPIV and the LVTs keep their values", policy.profile.implementer()),
            policy.hw_disable.source,
        ),
        Outcome::HwDisabledApicWorks => ev(
            K::Reset,
            None,
            format!("IA32_APIC_BASE bit 11 = 0: {} also clears SPIV bit 8 (software-disabled), resets nothing, and its APIC keeps working: MMIO reads and writes reach it, interrupts are accepted, and they are delivered once SPIV bit 8 is set again", policy.profile.implementer()),
            policy.hw_disable.source,
        ),
        Outcome::HwEnableIgnored => ev(
            K::Reset,
            None,
            format!("IA32_APIC_BASE bit 11 stays 0: once cleared, {} never sets it again", policy.profile.implementer()),
            policy.hw_disable.source,
        ),
        Outcome::HwEnabled { kept: false } => ev(
            K::Reset,
            None,
            "APIC hardware-enabled again: it comes back in its power-up state, software-disabled (SPIV = 0xff)".into(),
            policy.hw_disable.source,
        ),
        Outcome::HwEnabled { kept: true } => ev(
            K::Reset,
            None,
            format!("APIC hardware-enabled again: {} did not reset it, so every register is as it was before the disable (a bit kept in IRR can be delivered now); only the APIC ID is set to the vCPU's id, 0", policy.profile.implementer()),
            policy.hw_disable.source,
        ),
        Outcome::ReservedBits { reg, kept, dropped } => {
            let text = if *dropped != 0 {
                format!("{reg}: bits {dropped:#x} are not stored: {} keeps only bits 8:0 of SPIV, so focus (bit 9) and EOI-broadcast suppression (bit 12) read 0", policy.profile.implementer())
            } else {
                format!("{reg}: reserved bits {kept:#x} kept as written: {} stores every bit of an LVT entry", policy.profile.implementer())
            };
            ev(K::Write, None, text, policy.reserved_bits.source)
        }
        Outcome::LvtStatusBits { lvt, written, kept } => {
            let bits = if *written & crate::apic::LVT_REMOTE_IRR != 0 && *written & crate::apic::LVT_DELIVERY_STATUS != 0 {
                "delivery status (bit 12) and remote IRR (bit 14)"
            } else if *written & crate::apic::LVT_REMOTE_IRR != 0 {
                "remote IRR (bit 14)"
            } else {
                "delivery status (bit 12)"
            };
            let text = if *kept {
                format!("{}: {bits} kept as written: {}'s LVT write mask includes them, although the SDM makes them read only", lvt.name(), policy.profile.implementer())
            } else {
                format!("{}: {bits} is read only: the write does not change it", lvt.name())
            };
            ev(K::Write, None, text, policy.lvt_status_bits.source)
        }
        Outcome::FixedIpiTriggerIgnored(v) => ev(
            K::Signal,
            Some(*v),
            format!("ICR trigger mode = level (bit 15) is ignored for a fixed IPI, and so is the level bit (14): {} is sent edge-triggered and asserted, so its TMR bit will not be set", hex(*v)),
            policy.fixed_ipi_flags.source,
        ),
        Outcome::IpiSent { icr, mode, vector } => ev(
            K::Write,
            Some(*vector),
            format!("ICR = {icr:#x}: {} IPI, vector {}", mode_name(*mode), hex(*vector)),
            "sdm-10.6.1",
        ),
        Outcome::IpiToOthers(v) => ev(
            K::Signal,
            Some(*v),
            "the IPI also goes to other CPUs, which this model does not hold".into(),
            "sdm-10.6.1",
        ),
        Outcome::SelfShorthandNotFixed { mode, vector } => ev(
            K::Error,
            Some(*vector),
            format!("the self shorthand is only valid with fixed delivery, not {}: nothing is sent", mode_name(*mode)),
            "sdm-10.6.1",
        ),
        Outcome::IllegalSendVector(v) => ev(
            K::Error,
            Some(*v),
            format!("{} is an illegal vector: ESR will show \"send illegal vector\" (bit 5)", hex(*v)),
            "sdm-10.5.3",
        ),
        Outcome::InitDeassert => ev(
            K::Signal,
            None,
            "INIT level de-assert: only synchronises arbitration IDs; no effect on this CPU".into(),
            "sdm-10.6.1",
        ),
        Outcome::SmiToSelf => ev(
            K::Signal,
            None,
            "SMI to self: system management mode is not modelled".into(),
            "sdm-10.6.1",
        ),
        Outcome::ReservedMode { mode, vector } => ev(
            K::Error,
            Some(*vector),
            format!("reserved delivery mode {mode}: nothing is sent"),
            "sdm-10.6.1",
        ),
        Outcome::IllegalVector(v) => ev(
            K::Error,
            Some(*v),
            format!("{} is an illegal vector (0-15): not accepted; ESR will show \"receive illegal vector\" (bit 6) on its next write", hex(*v)),
            "sdm-10.5.3",
        ),
        Outcome::Accepted { source, vector, tmr_changed } => {
            let level = matches!(source, Source::Irq { level: true } | Source::SelfIpi { level: true });
            let tmr = match (level, tmr_changed) {
                (true, true) => "TMR bit set",
                (false, true) => "TMR bit cleared",
                (true, false) => "TMR bit stays set",
                (false, false) => "TMR bit stays clear",
            };
            let mut text = format!(
                "{}: {} accepted into IRR ({}-triggered, {tmr})",
                source_name(*source),
                hex(*vector),
                if level { "level" } else { "edge" }
            );
            if *vector < 32 {
                text.push_str("; vectors 16-31 are reserved for exceptions");
            }
            ev(K::Accept, Some(*vector), text, "sdm-10.8.4")
        }
        Outcome::Merged { source, vector } => ev(
            K::Drop,
            Some(*vector),
            format!("{} {} is already pending in IRR: the new request merges with it (one IRR and one ISR bit per vector)", source_name(*source), hex(*vector)),
            "sdm-10.8.4",
        ),
        Outcome::Dropped { source, vector, why } => {
            let s = source_name(*source);
            let v = hex(*vector);
            match why {
                DropReason::HwDisabled => ev(
                    K::Drop,
                    Some(*vector),
                    format!("{s} {v} dropped: the APIC is hardware-disabled (IA32_APIC_BASE bit 11 = 0) and acts as absent"),
                    "sdm-10.4.3",
                ),
                DropReason::SwDisabled => ev(
                    K::Drop,
                    Some(*vector),
                    format!("{s} {v} dropped: the APIC is software-disabled (SPIV bit 8 = 0), so a new fixed interrupt does not set IRR"),
                    policy.fixed_while_sw_disabled.source,
                ),
                DropReason::Masked => ev(
                    K::Drop,
                    Some(*vector),
                    format!("the LVT timer is masked: no interrupt is sent for {v}"),
                    "sdm-10.5.1",
                ),
                DropReason::LevelDeassert => ev(
                    K::Drop,
                    Some(*vector),
                    format!("{s} {v} with level de-assert (ICR bit 15 = 1, bit 14 = 0) ignored: {} accepts a level-triggered fixed interrupt only when it is asserted", policy.profile.implementer()),
                    policy.fixed_ipi_flags.source,
                ),
            }
        }
        Outcome::EoiNone => ev(K::Eoi, None, "EOI with ISR empty: no effect".into(), "sdm-10.8.5"),
        Outcome::Eoi { vector, ppr } => ev(
            K::Eoi,
            Some(*vector),
            format!("EOI clears the highest in-service vector, {}; PPR is now {ppr:#04x}", hex(*vector)),
            "sdm-10.8.5",
        ),
        Outcome::LevelEoi { vector, suppressed: true } => ev(
            K::Eoi,
            Some(*vector),
            format!("{} is level-triggered (TMR set) but SPIV bit 12 suppresses the EOI broadcast: software must EOI the I/O APIC itself", hex(*vector)),
            "sdm-10.8.5",
        ),
        Outcome::LevelEoi { vector, suppressed: false } => ev(
            K::Eoi,
            Some(*vector),
            format!("{} is level-triggered (TMR set): EOI is broadcast to the I/O APICs, which clear Remote IRR for it", hex(*vector)),
            "sdm-10.8.5",
        ),
        Outcome::Pending { vector, why } => {
            let v = hex(*vector);
            let stays = |why: &str| format!("{v} stays pending in IRR: {why}");
            match why {
                Blocked::IfClear | Blocked::HaltedIfClear | Blocked::WaitForSipi if !accepted_in_step => None,
                Blocked::IfClear => ev(K::Held, Some(*vector), stays("IF=0: the CPU does not take maskable interrupts"), "sdm-6.8.1"),
                Blocked::HaltedIfClear => ev(
                    K::Held,
                    Some(*vector),
                    stays("IF=0, and a maskable interrupt does not end HLT while IF=0"),
                    "sdm-6.8.1",
                ),
                Blocked::WaitForSipi => ev(K::Held, Some(*vector), stays("the CPU is waiting for SIPI"), "sdm-6.8.1"),
                Blocked::Priority { ppr } => {
                    let (name, rule) = if policy.virtual_delivery.choice {
                        ("VPPR", "sdm-29.2.1")
                    } else {
                        ("PPR", "sdm-10.8.3.1")
                    };
                    ev(
                        K::Held,
                        Some(*vector),
                        format!(
                            "{v} stays pending: its priority class {} is not above {name} {ppr:#04x} (class {})",
                            class(*vector),
                            class(*ppr)
                        ),
                        rule,
                    )
                }
                Blocked::Policy => ev(
                    K::Held,
                    Some(*vector),
                    format!("IRR bit {v} held although IF=1: the emulated APIC is software-disabled and offers no interrupt to the CPU"),
                    policy.held_irr.source,
                ),
            }
        }
        Outcome::Woken(Waker::Interrupt) => ev(K::Cpu, None, "the interrupt wakes the CPU from HLT".into(), "sdm-6.8.1"),
        Outcome::Woken(Waker::Nmi) => ev(
            K::Cpu,
            Some(2),
            "the NMI wakes the CPU from HLT; the NMI handler runs and returns".into(),
            "sdm-6.8.1",
        ),
        Outcome::Spurious { held, vector } => ev(
            K::Spurious,
            Some(*vector),
            format!(
                "IF=1 and IRR bit {h} is pending while the APIC is software-disabled: it is delivered as a spurious interrupt, vector {} (SPIV); IRR bit {h} cleared, no ISR bit set",
                hex(*vector),
                h = hex(*held)
            ),
            policy.held_irr.source,
        ),
        Outcome::SpuriousHandled(sv) => ev(
            K::Cpu,
            Some(*sv),
            format!("the spurious handler for {} runs with IF=0 (interrupt gate) and returns without EOI; IRET restores IF=1", hex(*sv)),
            "sdm-10.9",
        ),
        Outcome::Dispatched { vector, ppr, virtual_delivery, sw_disabled } => {
            let v = hex(*vector);
            let mut text = if *virtual_delivery {
                format!("virtual-interrupt delivery: RVI {v} is in a class above VPPR {ppr:#04x} and IF=1, so the CPU moves it VIRR -> VISR, sets SVI = {v} and recomputes RVI; the interrupt gate clears IF while the handler runs")
            } else {
                format!(
                    "{v} dispatched: its class {} is above PPR {ppr:#04x} and IF=1, so IRR -> ISR and the handler is entered; the interrupt gate clears IF while it runs",
                    class(*vector)
                )
            };
            let rule = if *sw_disabled {
                text.push_str(" (the APIC is software-disabled, but a bit that was already in IRR is still delivered normally)");
                policy.held_irr.source
            } else {
                policy.virtual_delivery.source
            };
            ev(K::Dispatch, Some(*vector), text, rule)
        }
        Outcome::HandlerEoi(v) => ev(K::Cpu, Some(*v), format!("the handler for {} writes EOI", hex(*v)), "sdm-10.8.5"),
        Outcome::HandlerReturned(v) => ev(
            K::Cpu,
            Some(*v),
            format!("the handler for {} returns: IRET restores IF=1", hex(*v)),
            "sdm-6.8.1",
        ),
        Outcome::HandlerKeepsIsr(v) => ev(
            K::Cpu,
            Some(*v),
            format!(
                "manual handlers: the handler for {v} turns interrupts back on (IF=1) and has not written EOI yet, so {v} stays in ISR until an eoi step",
                v = hex(*v)
            ),
            "sdm-10.8.5",
        ),
        Outcome::IfSet(false) => ev(K::Cpu, None, "IF=0: maskable interrupts stay pending in IRR until IF=1".into(), "sdm-6.8.1"),
        Outcome::IfSet(true) => ev(K::Cpu, None, "IF=1: the CPU takes maskable interrupts again".into(), "sdm-6.8.1"),
        Outcome::Halted { if_flag: true } => ev(K::Cpu, None, "HLT: the CPU halts until an interrupt, NMI or INIT".into(), "sdm-6.8.1"),
        Outcome::Halted { if_flag: false } => ev(K::Cpu, None, "HLT with IF=0: only an NMI, SMI or INIT can end it".into(), "sdm-6.8.1"),
        Outcome::HltIgnored => ev(
            K::Cpu,
            None,
            "hlt has no effect: the CPU is waiting for SIPI and runs no instruction".into(),
            "sdm-10.4.7.3",
        ),
        Outcome::Nmi => ev(
            K::Signal,
            Some(2),
            "NMI accepted: it goes to the CPU directly, bypassing IRR and ISR, and changes no APIC register".into(),
            "sdm-10.8.1",
        ),
        Outcome::NmiIgnored => ev(K::Signal, None, "NMI not taken: the CPU is waiting for SIPI".into(), "sdm-10.4.7.3"),
        Outcome::InitReset { irr, isr } => {
            let mut text = "INIT: the APIC is reset as at power-up except its ID: IRR, ISR, TMR cleared, SPIV = 0xff (software-disabled), every LVT masked".to_owned();
            if !irr.is_empty() || !isr.is_empty() {
                text.push_str(&format!(" (IRR [{}] and ISR [{}] are gone)", list(irr), list(isr)));
            }
            ev(K::Reset, None, text, policy.init_source)
        }
        Outcome::WaitForSipi => ev(
            K::Cpu,
            None,
            "this CPU is an application processor: it waits for a start-up IPI (IF=0)".into(),
            policy.init_run_source(false),
        ),
        Outcome::InitBspRuns => ev(
            K::Cpu,
            None,
            "this CPU is the BSP (IA32_APIC_BASE bit 8): after INIT it does not wait for SIPI but runs the BIOS boot-strap code at the reset vector, with IF=0; a start-up IPI will be ignored".into(),
            policy.init_run_source(true),
        ),
        Outcome::BspLint0ExtInt if policy.bsp_lint0.choice == BspLint0::ExtIntAtReset => ev(
            K::Reset,
            None,
            format!("{} sets LVT LINT0 of the boot CPU to ExtINT, unmasked (0x700), at RESET (standing in for the BIOS); INIT leaves it masked; a real APIC leaves it masked", policy.profile.implementer()),
            policy.bsp_lint0.source,
        ),
        Outcome::BspLint0ExtInt => ev(
            K::Reset,
            None,
            "KVM sets LVT LINT0 of the boot CPU to ExtINT, unmasked (0x700), unless userspace disabled KVM_X86_QUIRK_LINT0_REENABLED; a real APIC leaves it masked".into(),
            policy.bsp_lint0.source,
        ),
        Outcome::Started(v) => ev(
            K::Signal,
            Some(*v),
            format!("start-up IPI: the CPU starts running at {:#x} with IF=0", u32::from(*v) << 12),
            "sdm-10.4.7.3",
        ),
        Outcome::SipiIgnored(v) => ev(
            K::Signal,
            Some(*v),
            format!("start-up IPI {} ignored: the CPU is not waiting for SIPI", hex(*v)),
            "sdm-10.4.7.3",
        ),
        Outcome::TimerInitialIgnored(value) => ev(
            K::Timer,
            None,
            format!("initial count {value:#x} ignored: in TSC-deadline mode writes to the initial-count register are ignored"),
            "sdm-10.5.4.1",
        ),
        Outcome::TimerInitial { value: 0, .. } => ev(K::Timer, None, "initial count 0: the timer stops".into(), "sdm-10.5.4"),
        Outcome::TimerInitial { value, mode } => ev(
            K::Timer,
            None,
            format!("initial count {value:#x}: the {} timer starts counting down", mode.name()),
            "sdm-10.5.4",
        ),
        Outcome::TscDeadlineIgnored(mode) => ev(
            K::Timer,
            None,
            format!("IA32_TSC_DEADLINE write ignored: the LVT timer is in {} mode, not TSC-deadline", mode.name()),
            "sdm-10.5.4.1",
        ),
        Outcome::TscDeadline(0) => ev(K::Timer, None, "IA32_TSC_DEADLINE = 0: the timer is disarmed".into(), "sdm-10.5.4.1"),
        Outcome::TscDeadline(v) => ev(K::Timer, None, format!("IA32_TSC_DEADLINE = {v:#x}: the timer is armed"), "sdm-10.5.4.1"),
        Outcome::TimerFired { mode, reload } => match mode {
            TimerMode::TscDeadline => ev(
                K::Timer,
                None,
                "the TSC reaches IA32_TSC_DEADLINE: the timer fires and disarms itself (IA32_TSC_DEADLINE reads 0)".into(),
                "sdm-10.5.4.1",
            ),
            TimerMode::Periodic => ev(
                K::Timer,
                None,
                format!("periodic count reaches 0: the timer fires and reloads {reload:#x}"),
                "sdm-10.5.4",
            ),
            TimerMode::OneShot | TimerMode::Reserved => ev(
                K::Timer,
                None,
                "one-shot count reaches 0: the timer fires and stays at 0".into(),
                "sdm-10.5.4",
            ),
        },
        Outcome::TimerNotArmed(mode) => ev(
            K::Timer,
            None,
            format!("nothing expires: the {} timer is not armed", mode.name()),
            "sdm-10.5.4",
        ),
        Outcome::Skipped { what, halted } => ev(
            K::Cpu,
            None,
            format!(
                "{what} skipped: {}",
                if *halted {
                    "the CPU is halted: it runs no instructions until an interrupt, NMI or INIT ends the HLT"
                } else {
                    "the CPU is waiting for SIPI: it runs no instructions"
                }
            ),
            "sdm-6.8.1",
        ),
        Outcome::Note(text) => ev(K::Note, None, text.clone(), "narration"),
        Outcome::Guest(g) => guest_event(g),
    }
}

fn guest_event(g: &Guest) -> Option<Event> {
    let (kind, vector, text, rule): (EventKind, Option<u8>, String, &str) = match g {
        Guest::Enter(r) => {
            let (text, rule) = routine_text(*r);
            (EventKind::Guest, None, text.into(), rule)
        }
        Guest::SetupClearsFirst(true) => (
            EventKind::Guest,
            None,
            "if (apic_enabled()) apic_pending_intr_clear(): the APIC is enabled, so stale bits are cleared first".into(),
            "linux: setup_local_APIC() (2019 test tree, LKML 2019-07-01)",
        ),
        Guest::SetupClearsFirst(false) => (
            EventKind::Guest,
            None,
            "if (apic_enabled()) apic_pending_intr_clear(): not taken, the APIC is software-disabled".into(),
            "linux: setup_local_APIC() (2019 test tree, LKML 2019-07-01)",
        ),
        Guest::SetupEnables => (
            EventKind::Guest,
            None,
            "enable the APIC: SPIV = APIC_SPIV_APIC_ENABLED | SPURIOUS_APIC_VECTOR".into(),
            "linux: setup_local_APIC()",
        ),
        Guest::PlayDeadCli => (
            EventKind::Guest,
            None,
            "native_play_dead() -> play_dead_common(): local_irq_disable()".into(),
            "linux: play_dead_common()",
        ),
        Guest::PlayDeadHlt => (
            EventKind::Guest,
            None,
            "mwait_play_dead() / hlt_play_dead(): halt in a loop; after each wakeup CPU0 checks wakeup_cpu0()".into(),
            "linux: hlt_play_dead()",
        ),
        Guest::Cpu0Restarts => (
            EventKind::Guest,
            None,
            "hlt_play_dead(): wakeup_cpu0() is true, so start_cpu0() enters start_secondary() with IF=0".into(),
            "linux: hlt_play_dead(), start_cpu0()",
        ),
        Guest::StartSecondarySti => (EventKind::Guest, None, "local_irq_enable(): sti".into(), "linux: start_secondary()"),
        Guest::Ack => (
            EventKind::Guest,
            None,
            "ack_APIC_irq(): write EOI".into(),
            PENDING_V52,
        ),
        Guest::EnterAs(r, k) => {
            let (text, rule) = routine_text_as(*r, *k);
            (EventKind::Guest, None, text.into(), rule)
        }
        Guest::SetupSoftDisablesFirst => (
            EventKind::Guest,
            None,
            "\"If this comes from kexec/kcrash the APIC might be enabled in SPIV. Soft disable it before doing further initialization.\": SPIV &= ~APIC_SPIV_APIC_ENABLED".into(),
            "linux: setup_local_APIC() (arch/x86/kernel/apic/apic.c, v5.4; commit 2640da4cccf5)",
        ),
        Guest::AckV54 => (
            EventKind::Guest,
            None,
            "apic_check_and_ack(): ack_APIC_irq() for an ISR bit, then another round".into(),
            PENDING_V54,
        ),
        Guest::StaleIrr { line, irr } => (
            EventKind::Warning,
            irr.last().copied(),
            format!("the guest kernel warns: after 512 rounds IRR still holds [{}], so apic_pending_intr_clear() prints \"{line}\" (pr_warn(), no WARN_ON() any more)", list(irr)),
            PENDING_V54,
        ),
        Guest::PendingClean { rounds, acked } => (
            EventKind::Guest,
            None,
            if *acked == 0 {
                "IRR and ISR read empty (queued = 0): nothing to clear, the loop ends".into()
            } else {
                format!("round {rounds} reads IRR empty (queued = 0) and the loop ends, after {acked} EOIs for the ISR bits it found")
            },
            PENDING_V52,
        ),
        Guest::PendingStuck { irr, if_flag, acked } => (
            EventKind::Guest,
            irr.last().copied(),
            format!(
                "IRR still holds [{}] and nothing moves it to ISR (EOI alone never does, and IF={}); acked = {acked}, so no \"LAPIC pending interrupts after %d EOI\" (that needs acked > 256): every round reads the same until cpu_khz << 10 TSC cycles (about 1.02 s) have passed and max_loops <= 0",
                list(irr),
                u8::from(*if_flag)
            ),
            "linux: apic_pending_intr_clear() (arch/x86/kernel/apic/apic.c, v5.2); sdm-10.8.5",
        ),
        Guest::WarnOn(line) => (
            EventKind::Warning,
            None,
            format!(
                "the guest kernel warns: WARN_ON(max_loops <= 0) prints \"{line}\" and a call trace (apic_ap_setup <- start_secondary <- secondary_startup_64 in the 2019 report). Left out: the line number after apic.c: and the +offset/size after the symbol, which depend on the exact source and build (the 2019 debug build printed apic.c:1502 and setup_local_APIC+0x2d1/0x4f0; the undebugged tree's line is unverified); for an AP also the CPU and PID. The v5.4 message \"APIC: Stale IRR\" (commit cc8bf191378c) did not exist yet"
            ),
            "linux: apic_pending_intr_clear() WARN_ON(max_loops <= 0) (arch/x86/kernel/apic/apic.c, v5.2; LKP report 2019-06-20, LKML 2019-06-28)",
        ),
        Guest::Warning(text) => (
            EventKind::Warning,
            None,
            format!("the guest kernel prints: {text}"),
            "linux: apic_pending_intr_clear() pr_err() (arch/x86/kernel/apic/apic.c, v5.2)",
        ),
    };
    Some(Event {
        kind,
        vector,
        text,
        rule: rule.to_owned(),
    })
}

/// A step's events and the warnings the guest printed in it. In a step
/// that runs a guest routine, the routine's LVT writes are shown as one
/// event with the entries they changed.
pub fn explain(outcomes: &[Outcome], policy: &Policy) -> (Vec<Event>, Vec<String>) {
    let accepted = outcomes
        .iter()
        .any(|o| matches!(o, Outcome::Accepted { .. }));
    let in_routine = outcomes.iter().any(|o| matches!(o, Outcome::Guest(_)));
    let mut events = Vec::with_capacity(outcomes.len());
    let mut warnings = Vec::new();
    let mut lvt_changes: Vec<(Lvt, u64, u64)> = Vec::new();
    let mut lvt_slot: Option<usize> = None;
    for o in outcomes {
        if let Outcome::Guest(
            Guest::Warning(text) | Guest::WarnOn(text) | Guest::StaleIrr { line: text, .. },
        ) = o
        {
            warnings.push(text.clone());
        }
        if in_routine {
            if let Outcome::Written { reg, old, new, .. } = o {
                if let Some(lvt) = crate::apic::lvt_of(*reg) {
                    match lvt_changes.iter_mut().find(|(l, _, _)| *l == lvt) {
                        Some(entry) => entry.2 = *new,
                        None => lvt_changes.push((lvt, *old, *new)),
                    }
                    lvt_slot.get_or_insert(events.len());
                    continue;
                }
            }
        }
        if let Some(e) = event(o, policy, accepted) {
            events.push(e);
        }
    }
    let changed: Vec<String> = lvt_changes
        .iter()
        .filter(|(_, old, new)| old != new)
        .map(|(l, old, new)| format!("{} {old:#x} -> {new:#x}", l.name()))
        .collect();
    if let (Some(at), false) = (lvt_slot, changed.is_empty()) {
        events.insert(
            at.min(events.len()),
            Event {
                kind: EventKind::Mask,
                vector: None,
                text: format!("LVT entries written: {}", changed.join(", ")),
                rule: "sdm-10.5.1".into(),
            },
        );
    }
    (events, warnings)
}

/// The rule of an event the seed's four profiles cite by the SDM: the other
/// implementations (`policy/others.rs`) cite their own decision's source.
fn other_impl(policy: &Policy, seed: &'static str, other: &'static str) -> &'static str {
    if policy.profile.group() == ProfileGroup::OtherHypervisors {
        other
    } else {
        seed
    }
}
