//! A hand-written miniature of the seed's story, as traces, so the
//! reducer and components are tested on data whose every value is known:
//! the timer vector 0xec is pending with IF=0, then interrupts come back
//! on; real hardware (and the fixed/APICv profiles) clear it, the buggy
//! emulation holds it and the guest warns at `setup_local_APIC()`.

#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use apic_core::format::Kernel;
use apic_core::{CpuRun, Profile, ProfileTrace, State, Trace};
use apic_playground::data::{Meta, ScenarioData};

pub const STALE: &str = "APIC: Stale IRR: ec ISR: (none)";

fn state(step: usize, label: &str, irr: &[u8], if_flag: bool, warnings: &[&str]) -> State {
    State {
        step,
        label: label.into(),
        irr: irr.into(),
        isr: Default::default(),
        tmr: Default::default(),
        tpr: 0,
        ppr: 0,
        spiv: 0x1ff,
        sw_enabled: true,
        if_flag,
        cpu: CpuRun::Running,
        lvt_timer: 0x4_00ec,
        lvt_lint0: 0x1_0000,
        lvt_lint1: 0x1_0000,
        lvt_error: 0x1_0000,
        lvt_pmc: 0x1_0000,
        lvt_thermal: 0x1_0000,
        apicv: None,
        events: Default::default(),
        warnings: warnings.iter().map(|w| (*w).to_owned()).collect(),
        expect: None,
    }
}

/// Profile `p`'s run: 0 initial, 1 timer fires under IF=0, 2 sti, 3 setup_local_APIC().
fn run(p: Profile) -> ProfileTrace {
    let buggy = p == Profile::KvmEmulated;
    let held: &[u8] = if buggy { &[0xec] } else { &[] };
    let warned: &[&str] = if buggy { &[STALE] } else { &[] };
    ProfileTrace {
        profile: p.id().to_owned(),
        states: vec![
            state(0, "initial state", &[], false, &[]),
            state(1, "timer fires", &[0xec], false, &[]),
            state(2, "sti", held, true, &[]),
            state(3, "setup_local_APIC()", held, true, warned),
        ],
    }
}

pub fn trace() -> Trace {
    Trace {
        scenario: "mini".to_owned(),
        profiles: Profile::ALL.iter().map(|p| run(*p)).collect(),
    }
}

pub fn meta(id: &str) -> Meta {
    Meta {
        id: id.to_owned(),
        title: format!("Mini story ({id})"),
        summary: "The stale timer bit in four steps.".to_owned(),
        notes: vec![None, Some("Interrupts come back on.".to_owned()), None],
        checkpoints: Vec::new(),
    }
}

/// A loader knowing two scenarios, `mini` and `mini-2` (the same steps);
/// the summary names the guest kernel it was loaded for.
pub fn loader(id: &str, guest: Kernel) -> Result<ScenarioData, String> {
    match id {
        "mini" | "mini-2" => {
            let mut meta = meta(id);
            meta.summary = format!("{} (guest {guest})", meta.summary);
            ScenarioData::from_trace(meta, trace())
        }
        _ => Err(format!("unknown scenario \"{id}\"")),
    }
}
