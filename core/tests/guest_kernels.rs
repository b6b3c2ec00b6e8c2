//! The guest kernel as a second axis (issue 16): the same scenario under
//! the seed's 2019 tree, v5.2 mainline and v5.4. Expected values are written
//! from the kernel code cited at each test and in `linux.rs` (v5.2's
//! `native_cpu_disable()` and `apic_pending_intr_clear()`, v5.4's commits
//! 60dcaad5736f and cc8bf191378c); none is pasted from output.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use apic_core::format::{Kernel, Routine};
use apic_core::{builtin, engine, Profile, State};

mod common;
use common::after_routine;

fn warnings(states: &[State]) -> Vec<String> {
    states.iter().flat_map(|s| s.warnings.clone()).collect()
}

#[test]
fn kernel_names() {
    let names: Vec<_> = Kernel::names().collect();
    assert_eq!(names, ["wip-2019", "v5.2", "v5.4"]);
    assert_eq!(Kernel::default(), Kernel::Wip2019);
    // The default is what `engine::run` has always run.
    let sc = builtin::get("hotplug-cpu0").unwrap();
    for p in Profile::EVERY {
        assert_eq!(
            engine::run(&sc, p),
            engine::run_guest(&sc, p, Kernel::Wip2019)
        );
    }
}

/// v5.2's `native_cpu_disable()`: `clear_local_APIC(); cpu_disable_common();`:
/// SPIV bit 8 stays set, so when the dying CPU runs with IF=1 the timer bit
/// is dispatched normally under every implementation, and startup finds
/// IRR empty everywhere, with no `WARN_ON()`: even the buggy KVM comes back
/// clean, because nothing software-disabled the APIC.
#[test]
fn v5_2_mainline_comes_back_clean_everywhere() {
    let sc = builtin::get("hotplug-cpu0").unwrap();
    let disable = after_routine(&sc, Routine::NativeCpuDisable, 0);
    let startup = after_routine(&sc, Routine::SetupLocalApic, 1);
    for p in Profile::EVERY {
        let t = engine::run_guest(&sc, p, Kernel::V5_2);
        assert!(
            t.states[disable].sw_enabled,
            "{p}: v5.2 does not soft-disable"
        );
        assert_eq!(
            t.states[disable].lvt_timer & 0x1_0000,
            0x1_0000,
            "{p}: LVTs masked"
        );
        assert!(t.states[startup].irr.is_empty(), "{p} on startup");
        assert!(warnings(&t.states).is_empty(), "{p}");
    }
}

/// v5.4: `native_cpu_disable()` soft-disables (60dcaad5736f), so the
/// implementations that hold the bit keep 0xec; `setup_local_APIC()`
/// soft-disables first, sets TPR 0x10 (229b969b3d38) and runs the 512-round
/// `apic_pending_intr_clear()` (cc8bf191378c), which ends in
/// `pr_warn("APIC: Stale IRR: %256pb ISR: %256pb\n", ...)`: vector 0xec is
/// bit 12 of the eighth 32-bit chunk, printed first.
#[test]
fn v5_4_prints_stale_irr_where_the_bit_is_held() {
    let sc = builtin::get("hotplug-cpu0").unwrap();
    let startup = after_routine(&sc, Routine::SetupLocalApic, 1);
    let zero = "00000000";
    let line = format!(
        "APIC: Stale IRR: 00001000,{z},{z},{z},{z},{z},{z},{z} ISR: {z},{z},{z},{z},{z},{z},{z},{z}",
        z = zero
    );
    for (p, held) in [
        (Profile::Hardware, false),
        (Profile::KvmApicv, false),
        (Profile::KvmEmulated, true),
        (Profile::KvmEmulatedFixed, false),
        (Profile::Qemu, true),
        (Profile::Xen, true),
        (Profile::Bhyve, false),
        (Profile::Virtualbox, true),
    ] {
        let t = engine::run_guest(&sc, p, Kernel::V5_4);
        let s = &t.states[startup];
        assert_eq!(s.irr.contains(0xec), held, "{p} on startup");
        assert_eq!(s.tpr, 0x10, "{p}: TPR = 0x10 after setup_local_APIC()");
        assert!(
            s.sw_enabled,
            "{p}: enabled at the end of setup_local_APIC()"
        );
        let w = warnings(&t.states);
        if held {
            assert_eq!(w, vec![line.clone()], "{p}");
        } else {
            assert!(w.is_empty(), "{p}: {w:?}");
        }
        assert!(
            !w.iter().any(|w| w.contains("WARNING")),
            "{p}: v5.4 has no WARN_ON() here"
        );
    }
}
