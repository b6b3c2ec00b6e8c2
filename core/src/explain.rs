//! The explanation layer: turns a step's `Outcome`s into the trace's
//! events, each with the rule or source that makes it happen and its text
//! in plain words. The engine keeps each event's outcome as data
//! (`explain`); the words are formatted from it only when an event is read
//! (`outcome_text`, through `trace::Text`). A profile's decision is quoted
//! from `policy.rs`, so an event caused by a decision names the source of
//! that decision. Nothing here changes state.

use crate::apic::{class, hex, Lvt, SPIV_APIC_ENABLED};
use crate::decode::TimerMode;
use crate::format::Profile;
use crate::format::ProfileGroup;
use crate::format::{Reg, Routine};
use crate::outcome::{Blocked, DeliveryMode, DropReason, Guest, Outcome, Source, Waker};
use crate::policy::{BspLint0, Policy, SwDisabledLvts};
use crate::trace::{Event, EventKind, Text, TextOf};

/// An outcome's event: its kind, vector and rule, and its words when asked
/// for (`event::<true>`, when the event is shown).
struct Explained {
    kind: EventKind,
    vector: Option<u8>,
    rule: &'static str,
    text: Option<String>,
}

/// `ev!(with_text, kind, vector, words, rule)`: an `Explained`, with the
/// words formatted only if `with_text`.
macro_rules! ev {
    ($w:expr, $kind:expr, $vector:expr, $text:expr, $rule:expr $(,)?) => {
        Some(Explained {
            kind: $kind,
            vector: $vector,
            rule: $rule,
            text: if $w {
                let text: String = $text;
                Some(text)
            } else {
                None
            },
        })
    };
}

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

/// A register write's words.
fn written(reg: Reg, old: u64, new: u64, ppr: u8) -> String {
    let v32 = (new & 0xffff_ffff) as u32;
    match reg {
        Reg::Id => format!("APIC ID = {} (bits 31:24)", v32 >> 24),
        Reg::Tpr => format!(
            "TPR = {v32:#04x} (class {}): PPR is now {ppr:#04x}; only classes above {} are dispatched",
            v32 >> 4,
            ppr >> 4
        ),
        Reg::Ldr => format!("LDR = {v32:#010x}"),
        Reg::Dfr => format!(
            "DFR = {v32:#010x} ({} model)",
            if v32 >> 28 == 0xf { "flat" } else { "cluster" }
        ),
        Reg::Spiv => format!(
            "SPIV = {v32:#x}: spurious vector {}, software {}",
            hex((v32 & 0xff) as u8),
            if v32 & SPIV_APIC_ENABLED != 0 { "enabled" } else { "disabled" }
        ),
        Reg::Esr => format!("ESR write: the errors found since the last write become visible, ESR = {v32:#04x}"),
        Reg::TimerDivide => {
            let bits = ((v32 & 8) >> 1) | (v32 & 3);
            let by = if bits == 7 { 1 } else { 2u32 << bits };
            format!("timer divide configuration: divide by {by}")
        }
        Reg::ApicBase => format!("IA32_APIC_BASE = {new:#x}"),
        _ => format!("{reg} = {new:#x} (was {old:#x})"),
    }
}

/// The SDM section behind a register write.
fn written_rule(reg: Reg) -> &'static str {
    match reg {
        Reg::Id => "sdm-10.4.6",
        Reg::Tpr => "sdm-10.8.3.1",
        Reg::Ldr | Reg::Dfr => "sdm-10.6.2.2",
        Reg::Spiv => "sdm-10.9",
        Reg::Esr => "sdm-10.5.3",
        Reg::TimerDivide => "sdm-10.5.4",
        Reg::ApicBase => "sdm-10.4.4",
        _ => "sdm-10.5.1",
    }
}

/// One outcome as an event, or none (an outcome that only matters next to
/// another, such as IF=0 keeping a bit pending when nothing new arrived).
/// `W`: whether to word it. A constant, so that the engine's instance
/// (`event::<false>`, once per outcome) carries none of the formatting.
fn event<const W: bool>(o: &Outcome, policy: &Policy, accepted_in_step: bool) -> Option<Explained> {
    let w = W;
    use EventKind as K;
    match o {
        Outcome::PowerUp => ev!(
            w,
            K::Reset,
            None,
            "power-up: IRR, ISR, TMR and TPR are 0, every LVT is masked, SPIV = 0xff (software-disabled); the CPU runs with IF=0".into(),
            "sdm-10.4.7.1",
        ),
        Outcome::Written { reg, old, new, ppr } => {
            ev!(w, K::Write, None, written(*reg, *old, *new, *ppr), written_rule(*reg))
        }
        Outcome::WriteIgnoredHwDisabled(reg) => ev!(
            w,
            K::Write,
            None,
            format!("write to {reg} ignored: the APIC is hardware-disabled (IA32_APIC_BASE bit 11 = 0), so its registers are not there"),
            "sdm-10.4.3",
        ),
        Outcome::X2apicIgnored => ev!(
            w,
            K::Write,
            None,
            "IA32_APIC_BASE bit 10 (x2APIC mode) ignored: this model is an xAPIC".into(),
            "sdm-10.12.1",
        ),
        Outcome::SoftwareDisabled { masked } => ev!(
            w,
            K::Mask,
            None,
            {
                let names: Vec<&str> = masked.iter().map(|l| l.name()).collect();
                if names.is_empty() {
                    "APIC software-disabled: every LVT mask bit is forced set (all were masked already)".to_owned()
                } else {
                    format!(
                        "APIC software-disabled: every LVT mask bit is forced set ({} masked now)",
                        names.join(", ")
                    )
                }
            },
            other_impl(policy, "sdm-10.4.7.2", policy.sw_disabled_lvts.source)
        ),
        Outcome::SoftwareDisabledLvtsKept => ev!(
            w,
            K::Mask,
            None,
            format!("APIC software-disabled: {} leaves every LVT entry as it is (no mask bit is forced set, unlike SDM 10.4.7.2)", policy.profile.implementer()),
            policy.sw_disabled_lvts.source,
        ),
        Outcome::UnmaskKept(lvt) => ev!(
            w,
            K::Mask,
            None,
            format!("{} unmasked although the APIC is software-disabled: {} keeps the write (the SDM says the mask bit stays set)", lvt.name(), policy.profile.implementer()),
            policy.sw_disabled_lvts.source,
        ),
        Outcome::AcceptedWhileSwDisabled(v) => ev!(
            w,
            K::Accept,
            Some(*v),
            format!("the APIC is software-disabled (SPIV bit 8 = 0), but {} still sets IRR for a new fixed interrupt ({})", policy.profile.implementer(), hex(*v)),
            policy.fixed_while_sw_disabled.source,
        ),
        Outcome::HeldAtDisable(kept) => ev!(
            w,
            K::Held,
            kept.irr.highest().or(kept.isr.highest()),
            {
                let mut held = Vec::new();
                if !kept.irr.is_empty() {
                    held.push(format!("IRR [{}]", list(&kept.irr.vectors())));
                }
                if !kept.isr.is_empty() {
                    held.push(format!("ISR [{}]", list(&kept.isr.vectors())));
                }
                format!(
                    "{} held as is: software disable clears no IRR or ISR bit; they need masking or handling by the CPU",
                    held.join(" and ")
                )
            },
            "sdm-10.4.7.2",
        ),
        Outcome::SoftwareEnabled if policy.sw_disabled_lvts.choice == SwDisabledLvts::Untouched => ev!(
            w,
            K::Write,
            None,
            "APIC software-enabled: the LVT entries are as software left them".into(),
            policy.sw_disabled_lvts.source,
        ),
        Outcome::SoftwareEnabled => ev!(
            w,
            K::Write,
            None,
            "APIC software-enabled: the LVT entries stay masked until software unmasks them".into(),
            "sdm-10.4.7.2",
        ),
        Outcome::UnmaskRefused(lvt) => ev!(
            w,
            K::Mask,
            None,
            format!("unmask of {} ignored: while the APIC is software-disabled every LVT mask bit stays set", lvt.name()),
            other_impl(policy, "sdm-10.4.7.2; linux commit 39c89dff9c36", policy.sw_disabled_lvts.source),
        ),
        Outcome::TimerDisarmed { from, to } => ev!(
            w,
            K::Timer,
            None,
            format!("timer mode {} -> {}: the switch disarms the timer", from.name(), to.name()),
            "sdm-10.5.4.1",
        ),
        Outcome::HwDisabled { kept: false } => ev!(
            w,
            K::Reset,
            None,
            "APIC hardware-disabled (IA32_APIC_BASE bit 11 = 0): it acts as absent and its state is lost (IRR, ISR, TMR cleared, LVTs masked)".into(),
            policy.hw_disable.source,
        ),
        Outcome::HwDisabled { kept: true } => ev!(
            w,
            K::Reset,
            None,
            format!("APIC hardware-disabled (IA32_APIC_BASE bit 11 = 0): it acts as absent (its MMIO reads return all ones, writes and interrupts are dropped, nothing is delivered), but {} resets nothing: IRR, ISR, TMR, TPR, SPIV and the LVTs keep their values", policy.profile.implementer()),
            policy.hw_disable.source,
        ),
        Outcome::HwDisabledApicWorks => ev!(
            w,
            K::Reset,
            None,
            format!("IA32_APIC_BASE bit 11 = 0: {} also clears SPIV bit 8 (software-disabled), resets nothing, and its APIC keeps working: MMIO reads and writes reach it, interrupts are accepted, and they are delivered once SPIV bit 8 is set again", policy.profile.implementer()),
            policy.hw_disable.source,
        ),
        Outcome::HwEnableIgnored => ev!(
            w,
            K::Reset,
            None,
            format!("IA32_APIC_BASE bit 11 stays 0: once cleared, {} never sets it again", policy.profile.implementer()),
            policy.hw_disable.source,
        ),
        Outcome::HwEnabled { kept: false } => ev!(
            w,
            K::Reset,
            None,
            "APIC hardware-enabled again: it comes back in its power-up state, software-disabled (SPIV = 0xff)".into(),
            policy.hw_disable.source,
        ),
        Outcome::HwEnabled { kept: true } => ev!(
            w,
            K::Reset,
            None,
            format!("APIC hardware-enabled again: {} did not reset it, so every register is as it was before the disable (a bit kept in IRR can be delivered now); only the APIC ID is set to the vCPU's id, 0", policy.profile.implementer()),
            policy.hw_disable.source,
        ),
        Outcome::ReservedBits { reg, kept, dropped } => ev!(
            w,
            K::Write,
            None,
            if *dropped != 0 {
                format!("{reg}: bits {dropped:#x} are not stored: {} keeps only bits 8:0 of SPIV, so focus (bit 9) and EOI-broadcast suppression (bit 12) read 0", policy.profile.implementer())
            } else {
                format!("{reg}: reserved bits {kept:#x} kept as written: {} stores every bit of an LVT entry", policy.profile.implementer())
            },
            policy.reserved_bits.source
        ),
        Outcome::LvtStatusBits { lvt, written, kept } => ev!(
            w,
            K::Write,
            None,
            {
                let bits = if *written & crate::apic::LVT_REMOTE_IRR != 0 && *written & crate::apic::LVT_DELIVERY_STATUS != 0 {
                    "delivery status (bit 12) and remote IRR (bit 14)"
                } else if *written & crate::apic::LVT_REMOTE_IRR != 0 {
                    "remote IRR (bit 14)"
                } else {
                    "delivery status (bit 12)"
                };
                if *kept {
                    format!("{}: {bits} kept as written: {}'s LVT write mask includes them, although the SDM makes them read only", lvt.name(), policy.profile.implementer())
                } else {
                    format!("{}: {bits} is read only: the write does not change it", lvt.name())
                }
            },
            policy.lvt_status_bits.source
        ),
        Outcome::FixedIpiTriggerIgnored(v) => ev!(
            w,
            K::Signal,
            Some(*v),
            format!("ICR trigger mode = level (bit 15) is ignored for a fixed IPI, and so is the level bit (14): {} is sent edge-triggered and asserted, so its TMR bit will not be set", hex(*v)),
            policy.fixed_ipi_flags.source,
        ),
        Outcome::IpiSent { icr, mode, vector } => ev!(
            w,
            K::Write,
            Some(*vector),
            format!("ICR = {icr:#x}: {} IPI, vector {}", mode_name(*mode), hex(*vector)),
            "sdm-10.6.1",
        ),
        Outcome::IpiToOthers(v) => ev!(
            w,
            K::Signal,
            Some(*v),
            "the IPI also goes to other CPUs, which this model does not hold".into(),
            "sdm-10.6.1",
        ),
        Outcome::SelfShorthandNotFixed { mode, vector } => ev!(
            w,
            K::Error,
            Some(*vector),
            format!("the self shorthand is only valid with fixed delivery, not {}: nothing is sent", mode_name(*mode)),
            "sdm-10.6.1",
        ),
        Outcome::IllegalSendVector(v) => ev!(
            w,
            K::Error,
            Some(*v),
            format!("{} is an illegal vector: ESR will show \"send illegal vector\" (bit 5)", hex(*v)),
            "sdm-10.5.3",
        ),
        Outcome::InitDeassert => ev!(
            w,
            K::Signal,
            None,
            "INIT level de-assert: only synchronises arbitration IDs; no effect on this CPU".into(),
            "sdm-10.6.1",
        ),
        Outcome::SmiToSelf => ev!(
            w,
            K::Signal,
            None,
            "SMI to self: system management mode is not modelled".into(),
            "sdm-10.6.1",
        ),
        Outcome::ReservedMode { mode, vector } => ev!(
            w,
            K::Error,
            Some(*vector),
            format!("reserved delivery mode {mode}: nothing is sent"),
            "sdm-10.6.1",
        ),
        Outcome::IllegalVector(v) => ev!(
            w,
            K::Error,
            Some(*v),
            format!("{} is an illegal vector (0-15): not accepted; ESR will show \"receive illegal vector\" (bit 6) on its next write", hex(*v)),
            "sdm-10.5.3",
        ),
        Outcome::Accepted { source, vector, tmr_changed } => ev!(
            w,
            K::Accept,
            Some(*vector),
            {
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
                text
            },
            "sdm-10.8.4"
        ),
        Outcome::Merged { source, vector } => ev!(
            w,
            K::Drop,
            Some(*vector),
            format!("{} {} is already pending in IRR: the new request merges with it (one IRR and one ISR bit per vector)", source_name(*source), hex(*vector)),
            "sdm-10.8.4",
        ),
        Outcome::Dropped { source, vector, why } => {
            let s = source_name(*source);
            match why {
                DropReason::HwDisabled => ev!(
                    w,
                    K::Drop,
                    Some(*vector),
                    format!("{s} {vector:#04x} dropped: the APIC is hardware-disabled (IA32_APIC_BASE bit 11 = 0) and acts as absent"),
                    "sdm-10.4.3",
                ),
                DropReason::SwDisabled => ev!(
                    w,
                    K::Drop,
                    Some(*vector),
                    format!("{s} {vector:#04x} dropped: the APIC is software-disabled (SPIV bit 8 = 0), so a new fixed interrupt does not set IRR"),
                    policy.fixed_while_sw_disabled.source,
                ),
                DropReason::Masked => ev!(
                    w,
                    K::Drop,
                    Some(*vector),
                    format!("the LVT timer is masked: no interrupt is sent for {vector:#04x}"),
                    "sdm-10.5.1",
                ),
                DropReason::LevelDeassert => ev!(
                    w,
                    K::Drop,
                    Some(*vector),
                    format!("{s} {vector:#04x} with level de-assert (ICR bit 15 = 1, bit 14 = 0) ignored: {} accepts a level-triggered fixed interrupt only when it is asserted", policy.profile.implementer()),
                    policy.fixed_ipi_flags.source,
                ),
            }
        }
        Outcome::EoiNone => ev!(w, K::Eoi, None, "EOI with ISR empty: no effect".into(), "sdm-10.8.5"),
        Outcome::Eoi { vector, ppr } => ev!(
            w,
            K::Eoi,
            Some(*vector),
            format!("EOI clears the highest in-service vector, {}; PPR is now {ppr:#04x}", hex(*vector)),
            "sdm-10.8.5",
        ),
        Outcome::LevelEoi { vector, suppressed: true } => ev!(
            w,
            K::Eoi,
            Some(*vector),
            format!("{} is level-triggered (TMR set) but SPIV bit 12 suppresses the EOI broadcast: software must EOI the I/O APIC itself", hex(*vector)),
            "sdm-10.8.5",
        ),
        Outcome::LevelEoi { vector, suppressed: false } => ev!(
            w,
            K::Eoi,
            Some(*vector),
            format!("{} is level-triggered (TMR set): EOI is broadcast to the I/O APICs, which clear Remote IRR for it", hex(*vector)),
            "sdm-10.8.5",
        ),
        Outcome::Pending { vector, why } => {
            let stays = |why: &str| format!("{vector:#04x} stays pending in IRR: {why}");
            match why {
                Blocked::IfClear | Blocked::HaltedIfClear | Blocked::WaitForSipi if !accepted_in_step => None,
                Blocked::IfClear => ev!(w, K::Held, Some(*vector), stays("IF=0: the CPU does not take maskable interrupts"), "sdm-6.8.1"),
                Blocked::HaltedIfClear => ev!(
                    w,
                    K::Held,
                    Some(*vector),
                    stays("IF=0, and a maskable interrupt does not end HLT while IF=0"),
                    "sdm-6.8.1",
                ),
                Blocked::WaitForSipi => ev!(w, K::Held, Some(*vector), stays("the CPU is waiting for SIPI"), "sdm-6.8.1"),
                Blocked::Priority { ppr } => {
                    let (name, rule) = if policy.virtual_delivery.choice {
                        ("VPPR", "sdm-29.2.1")
                    } else {
                        ("PPR", "sdm-10.8.3.1")
                    };
                    ev!(
                        w,
                        K::Held,
                        Some(*vector),
                        format!(
                            "{vector:#04x} stays pending: its priority class {} is not above {name} {ppr:#04x} (class {})",
                            class(*vector),
                            class(*ppr)
                        ),
                        rule,
                    )
                }
                Blocked::Policy => ev!(
                    w,
                    K::Held,
                    Some(*vector),
                    format!("IRR bit {vector:#04x} held although IF=1: the emulated APIC is software-disabled and offers no interrupt to the CPU"),
                    policy.held_irr.source,
                ),
            }
        }
        Outcome::Woken(Waker::Interrupt) => ev!(w, K::Cpu, None, "the interrupt wakes the CPU from HLT".into(), "sdm-6.8.1"),
        Outcome::Woken(Waker::Nmi) => ev!(
            w,
            K::Cpu,
            Some(2),
            "the NMI wakes the CPU from HLT; the NMI handler runs and returns".into(),
            "sdm-6.8.1",
        ),
        Outcome::Spurious { held, vector } => ev!(
            w,
            K::Spurious,
            Some(*vector),
            format!(
                "IF=1 and IRR bit {h} is pending while the APIC is software-disabled: it is delivered as a spurious interrupt, vector {} (SPIV); IRR bit {h} cleared, no ISR bit set",
                hex(*vector),
                h = hex(*held)
            ),
            policy.held_irr.source,
        ),
        Outcome::SpuriousHandled(sv) => ev!(
            w,
            K::Cpu,
            Some(*sv),
            format!("the spurious handler for {} runs with IF=0 (interrupt gate) and returns without EOI; IRET restores IF=1", hex(*sv)),
            "sdm-10.9",
        ),
        Outcome::Dispatched { vector, ppr, virtual_delivery, sw_disabled } => ev!(
            w,
            K::Dispatch,
            Some(*vector),
            {
                let v = hex(*vector);
                let mut text = if *virtual_delivery {
                    format!("virtual-interrupt delivery: RVI {v} is in a class above VPPR {ppr:#04x} and IF=1, so the CPU moves it VIRR -> VISR, sets SVI = {v} and recomputes RVI; the interrupt gate clears IF while the handler runs")
                } else {
                    format!(
                        "{v} dispatched: its class {} is above PPR {ppr:#04x} and IF=1, so IRR -> ISR and the handler is entered; the interrupt gate clears IF while it runs",
                        class(*vector)
                    )
                };
                if *sw_disabled {
                    text.push_str(" (the APIC is software-disabled, but a bit that was already in IRR is still delivered normally)");
                }
                text
            },
            if *sw_disabled {
                policy.held_irr.source
            } else {
                policy.virtual_delivery.source
            }
        ),
        Outcome::HandlerEoi(v) => ev!(w, K::Cpu, Some(*v), format!("the handler for {} writes EOI", hex(*v)), "sdm-10.8.5"),
        Outcome::HandlerReturned(v) => ev!(
            w,
            K::Cpu,
            Some(*v),
            format!("the handler for {} returns: IRET restores IF=1", hex(*v)),
            "sdm-6.8.1",
        ),
        Outcome::HandlerKeepsIsr(v) => ev!(
            w,
            K::Cpu,
            Some(*v),
            format!(
                "manual handlers: the handler for {v} turns interrupts back on (IF=1) and has not written EOI yet, so {v} stays in ISR until an eoi step",
                v = hex(*v)
            ),
            "sdm-10.8.5",
        ),
        Outcome::IfSet(false) => ev!(w, K::Cpu, None, "IF=0: maskable interrupts stay pending in IRR until IF=1".into(), "sdm-6.8.1"),
        Outcome::IfSet(true) => ev!(w, K::Cpu, None, "IF=1: the CPU takes maskable interrupts again".into(), "sdm-6.8.1"),
        Outcome::Halted { if_flag: true } => ev!(w, K::Cpu, None, "HLT: the CPU halts until an interrupt, NMI or INIT".into(), "sdm-6.8.1"),
        Outcome::Halted { if_flag: false } => ev!(w, K::Cpu, None, "HLT with IF=0: only an NMI, SMI or INIT can end it".into(), "sdm-6.8.1"),
        Outcome::HltIgnored => ev!(
            w,
            K::Cpu,
            None,
            "hlt has no effect: the CPU is waiting for SIPI and runs no instruction".into(),
            "sdm-10.4.7.3",
        ),
        Outcome::Nmi => ev!(
            w,
            K::Signal,
            Some(2),
            "NMI accepted: it goes to the CPU directly, bypassing IRR and ISR, and changes no APIC register".into(),
            "sdm-10.8.1",
        ),
        Outcome::NmiIgnored => ev!(w, K::Signal, None, "NMI not taken: the CPU is waiting for SIPI".into(), "sdm-10.4.7.3"),
        Outcome::InitReset(lost) => ev!(
            w,
            K::Reset,
            None,
            {
                let mut text = "INIT: the APIC is reset as at power-up except its ID: IRR, ISR, TMR cleared, SPIV = 0xff (software-disabled), every LVT masked".to_owned();
                if !lost.irr.is_empty() || !lost.isr.is_empty() {
                    text.push_str(&format!(" (IRR [{}] and ISR [{}] are gone)", list(&lost.irr.vectors()), list(&lost.isr.vectors())));
                }
                text
            },
            policy.init_source
        ),
        Outcome::WaitForSipi => ev!(
            w,
            K::Cpu,
            None,
            "this CPU is an application processor: it waits for a start-up IPI (IF=0)".into(),
            policy.init_run_source(false),
        ),
        Outcome::InitBspRuns => ev!(
            w,
            K::Cpu,
            None,
            "this CPU is the BSP (IA32_APIC_BASE bit 8): after INIT it does not wait for SIPI but runs the BIOS boot-strap code at the reset vector, with IF=0; a start-up IPI will be ignored".into(),
            policy.init_run_source(true),
        ),
        Outcome::BspLint0ExtInt if policy.bsp_lint0.choice == BspLint0::ExtIntAtReset => ev!(
            w,
            K::Reset,
            None,
            format!("{} sets LVT LINT0 of the boot CPU to ExtINT, unmasked (0x700), at RESET (standing in for the BIOS); INIT leaves it masked; a real APIC leaves it masked", policy.profile.implementer()),
            policy.bsp_lint0.source,
        ),
        Outcome::BspLint0ExtInt => ev!(
            w,
            K::Reset,
            None,
            "KVM sets LVT LINT0 of the boot CPU to ExtINT, unmasked (0x700), unless userspace disabled KVM_X86_QUIRK_LINT0_REENABLED; a real APIC leaves it masked".into(),
            policy.bsp_lint0.source,
        ),
        Outcome::Started(v) => ev!(
            w,
            K::Signal,
            Some(*v),
            format!("start-up IPI: the CPU starts running at {:#x} with IF=0", u32::from(*v) << 12),
            "sdm-10.4.7.3",
        ),
        Outcome::SipiIgnored(v) => ev!(
            w,
            K::Signal,
            Some(*v),
            format!("start-up IPI {} ignored: the CPU is not waiting for SIPI", hex(*v)),
            "sdm-10.4.7.3",
        ),
        Outcome::TimerInitialIgnored(value) => ev!(
            w,
            K::Timer,
            None,
            format!("initial count {value:#x} ignored: in TSC-deadline mode writes to the initial-count register are ignored"),
            "sdm-10.5.4.1",
        ),
        Outcome::TimerInitial { value: 0, .. } => ev!(w, K::Timer, None, "initial count 0: the timer stops".into(), "sdm-10.5.4"),
        Outcome::TimerInitial { value, mode } => ev!(
            w,
            K::Timer,
            None,
            format!("initial count {value:#x}: the {} timer starts counting down", mode.name()),
            "sdm-10.5.4",
        ),
        Outcome::TscDeadlineIgnored(mode) => ev!(
            w,
            K::Timer,
            None,
            format!("IA32_TSC_DEADLINE write ignored: the LVT timer is in {} mode, not TSC-deadline", mode.name()),
            "sdm-10.5.4.1",
        ),
        Outcome::TscDeadline(0) => ev!(w, K::Timer, None, "IA32_TSC_DEADLINE = 0: the timer is disarmed".into(), "sdm-10.5.4.1"),
        Outcome::TscDeadline(v) => ev!(w, K::Timer, None, format!("IA32_TSC_DEADLINE = {v:#x}: the timer is armed"), "sdm-10.5.4.1"),
        Outcome::TimerFired { mode, reload } => match mode {
            TimerMode::TscDeadline => ev!(
                w,
                K::Timer,
                None,
                "the TSC reaches IA32_TSC_DEADLINE: the timer fires and disarms itself (IA32_TSC_DEADLINE reads 0)".into(),
                "sdm-10.5.4.1",
            ),
            TimerMode::Periodic => ev!(
                w,
                K::Timer,
                None,
                format!("periodic count reaches 0: the timer fires and reloads {reload:#x}"),
                "sdm-10.5.4",
            ),
            TimerMode::OneShot | TimerMode::Reserved => ev!(
                w,
                K::Timer,
                None,
                "one-shot count reaches 0: the timer fires and stays at 0".into(),
                "sdm-10.5.4",
            ),
        },
        Outcome::TimerNotArmed(mode) => ev!(
            w,
            K::Timer,
            None,
            format!("nothing expires: the {} timer is not armed", mode.name()),
            "sdm-10.5.4",
        ),
        Outcome::Skipped { what, halted } => ev!(
            w,
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
        Outcome::Note(text) => ev!(w, K::Note, None, text.clone(), "narration"),
        Outcome::Guest(g) => guest_event::<W>(g),
    }
}

fn guest_event<const W: bool>(g: &Guest) -> Option<Explained> {
    let w = W;
    match g {
        Guest::Enter(r) => {
            let (text, rule) = routine_text(*r);
            ev!(w, EventKind::Guest, None, text.into(), rule)
        }
        Guest::SetupClearsFirst(true) => ev!(
            w,
            EventKind::Guest,
            None,
            "if (apic_enabled()) apic_pending_intr_clear(): the APIC is enabled, so stale bits are cleared first".into(),
            "linux: setup_local_APIC() (2019 test tree, LKML 2019-07-01)",
        ),
        Guest::SetupClearsFirst(false) => ev!(
            w,
            EventKind::Guest,
            None,
            "if (apic_enabled()) apic_pending_intr_clear(): not taken, the APIC is software-disabled".into(),
            "linux: setup_local_APIC() (2019 test tree, LKML 2019-07-01)",
        ),
        Guest::SetupEnables => ev!(
            w,
            EventKind::Guest,
            None,
            "enable the APIC: SPIV = APIC_SPIV_APIC_ENABLED | SPURIOUS_APIC_VECTOR".into(),
            "linux: setup_local_APIC()",
        ),
        Guest::PlayDeadCli => ev!(
            w,
            EventKind::Guest,
            None,
            "native_play_dead() -> play_dead_common(): local_irq_disable()".into(),
            "linux: play_dead_common()",
        ),
        Guest::PlayDeadHlt => ev!(
            w,
            EventKind::Guest,
            None,
            "mwait_play_dead() / hlt_play_dead(): halt in a loop; after each wakeup CPU0 checks wakeup_cpu0()".into(),
            "linux: hlt_play_dead()",
        ),
        Guest::Cpu0Restarts => ev!(
            w,
            EventKind::Guest,
            None,
            "hlt_play_dead(): wakeup_cpu0() is true, so start_cpu0() enters start_secondary() with IF=0".into(),
            "linux: hlt_play_dead(), start_cpu0()",
        ),
        Guest::StartSecondarySti => ev!(w, EventKind::Guest, None, "local_irq_enable(): sti".into(), "linux: start_secondary()"),
        Guest::Ack => ev!(
            w,
            EventKind::Guest,
            None,
            "ack_APIC_irq(): write EOI".into(),
            PENDING_V52,
        ),
        Guest::EnterAs(r, k) => {
            let (text, rule) = routine_text_as(*r, *k);
            ev!(w, EventKind::Guest, None, text.into(), rule)
        }
        Guest::SetupSoftDisablesFirst => ev!(
            w,
            EventKind::Guest,
            None,
            "\"If this comes from kexec/kcrash the APIC might be enabled in SPIV. Soft disable it before doing further initialization.\": SPIV &= ~APIC_SPIV_APIC_ENABLED".into(),
            "linux: setup_local_APIC() (arch/x86/kernel/apic/apic.c, v5.4; commit 2640da4cccf5)",
        ),
        Guest::AckV54 => ev!(
            w,
            EventKind::Guest,
            None,
            "apic_check_and_ack(): ack_APIC_irq() for an ISR bit, then another round".into(),
            PENDING_V54,
        ),
        Guest::StaleIrr(stale) => ev!(
            w,
            EventKind::Warning,
            stale.irr.last().copied(),
            format!("the guest kernel warns: after 512 rounds IRR still holds [{}], so apic_pending_intr_clear() prints \"{}\" (pr_warn(), no WARN_ON() any more)", list(&stale.irr), stale.line),
            PENDING_V54,
        ),
        Guest::PendingClean { rounds, acked } => ev!(
            w,
            EventKind::Guest,
            None,
            if *acked == 0 {
                "IRR and ISR read empty (queued = 0): nothing to clear, the loop ends".into()
            } else {
                format!("round {rounds} reads IRR empty (queued = 0) and the loop ends, after {acked} EOIs for the ISR bits it found")
            },
            PENDING_V52,
        ),
        Guest::PendingStuck { irr, if_flag, acked } => ev!(
            w,
            EventKind::Guest,
            irr.last().copied(),
            format!(
                "IRR still holds [{}] and nothing moves it to ISR (EOI alone never does, and IF={}); acked = {acked}, so no \"LAPIC pending interrupts after %d EOI\" (that needs acked > 256): every round reads the same until cpu_khz << 10 TSC cycles (about 1.02 s) have passed and max_loops <= 0",
                list(irr),
                u8::from(*if_flag)
            ),
            "linux: apic_pending_intr_clear() (arch/x86/kernel/apic/apic.c, v5.2); sdm-10.8.5",
        ),
        Guest::WarnOn(line) => ev!(
            w,
            EventKind::Warning,
            None,
            format!(
                "the guest kernel warns: WARN_ON(max_loops <= 0) prints \"{line}\" and a call trace (apic_ap_setup <- start_secondary <- secondary_startup_64 in the 2019 report). Left out: the line number after apic.c: and the +offset/size after the symbol, which depend on the exact source and build (the 2019 debug build printed apic.c:1502 and setup_local_APIC+0x2d1/0x4f0; the undebugged tree's line is unverified); for an AP also the CPU and PID. The v5.4 message \"APIC: Stale IRR\" (commit cc8bf191378c) did not exist yet"
            ),
            "linux: apic_pending_intr_clear() WARN_ON(max_loops <= 0) (arch/x86/kernel/apic/apic.c, v5.2; LKP report 2019-06-20, LKML 2019-06-28)",
        ),
        Guest::Warning(text) => ev!(
            w,
            EventKind::Warning,
            None,
            format!("the guest kernel prints: {text}"),
            "linux: apic_pending_intr_clear() pr_err() (arch/x86/kernel/apic/apic.c, v5.2)",
        ),
    }
}

/// A step's events, pushed onto `events` (the run's events so far), and
/// the warnings the guest printed in it, taking the step's outcomes out of
/// `outcomes`. Each event keeps its outcome as data and is put into words
/// only when read (`trace::Text`). In a step that runs a guest routine,
/// the routine's LVT writes are shown as one event with the entries they
/// changed.
pub fn explain(
    outcomes: &mut Vec<Outcome>,
    policy: &Policy,
    events: &mut Vec<Event>,
) -> Vec<String> {
    if outcomes.is_empty() {
        // A step where nothing happened (every checkpoint): no events,
        // and nothing to allocate.
        return Vec::new();
    }
    // One pass for what the step's events depend on: whether a vector was
    // accepted in it, and whether it ran a guest routine.
    let (mut accepted, mut in_routine) = (false, false);
    for o in outcomes.iter() {
        match o {
            Outcome::Accepted { .. } => accepted = true,
            Outcome::Guest(_) => in_routine = true,
            _ => {}
        }
    }
    events.reserve(outcomes.len());
    let mut warnings = Vec::new();
    let mut lvt_writes = LvtWrites::default();
    let mut lvt_slot: Option<usize> = None;
    for o in outcomes.drain(..) {
        match &o {
            Outcome::Guest(Guest::Warning(text) | Guest::WarnOn(text)) => {
                warnings.push(text.clone());
            }
            Outcome::Guest(Guest::StaleIrr(stale)) => warnings.push(stale.line.clone()),
            Outcome::Written { reg, old, new, .. } if in_routine => {
                if let Some(lvt) = crate::apic::lvt_of(*reg) {
                    lvt_writes.record(lvt, *old, *new);
                    lvt_slot.get_or_insert(events.len());
                    continue;
                }
            }
            _ => {}
        }
        if let Some(e) = event::<false>(&o, policy, accepted) {
            events.push(Event {
                kind: e.kind,
                vector: e.vector,
                text: Text::of(TextOf::Outcome(o, policy.profile)),
                rule: e.rule.into(),
            });
        }
    }
    if let Some(at) = lvt_slot.filter(|_| lvt_writes.changed()) {
        events.insert(
            at.min(events.len()),
            Event {
                kind: EventKind::Mask,
                vector: None,
                text: Text::of(TextOf::LvtWrites(Box::new(lvt_writes))),
                rule: "sdm-10.5.1".into(),
            },
        );
    }
    warnings
}

/// An outcome's words under `profile` (what `trace::Text` shows).
pub(crate) fn outcome_text(o: &Outcome, profile: Profile) -> String {
    event::<true>(o, &Policy::for_profile(profile), true)
        .and_then(|e| e.text)
        .unwrap_or_default()
}

/// A guest routine's LVT writes in one step: each entry's value before the
/// first write and after the last, in the order first written.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LvtWrites {
    entries: [Option<(Lvt, u64, u64)>; Lvt::ALL.len()],
}

impl LvtWrites {
    fn record(&mut self, lvt: Lvt, old: u64, new: u64) {
        for slot in &mut self.entries {
            match slot {
                Some((l, _, last)) if *l == lvt => {
                    *last = new;
                    return;
                }
                Some(_) => {}
                None => {
                    *slot = Some((lvt, old, new));
                    return;
                }
            }
        }
    }

    fn changes(&self) -> impl Iterator<Item = (Lvt, u64, u64)> + '_ {
        self.entries
            .iter()
            .flatten()
            .copied()
            .filter(|(_, old, new)| old != new)
    }

    fn changed(&self) -> bool {
        self.changes().next().is_some()
    }
}

/// The words of a routine's LVT writes.
pub(crate) fn lvt_writes_text(w: &LvtWrites) -> String {
    let changed: Vec<String> = w
        .changes()
        .map(|(l, old, new)| format!("{} {old:#x} -> {new:#x}", l.name()))
        .collect();
    format!("LVT entries written: {}", changed.join(", "))
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
