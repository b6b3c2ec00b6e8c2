//! `apic-kvm`: the low-level layer of the host-KVM runner.
//!
//! It runs a *program of operations* on a VM with one vCPU and the in-kernel
//! irqchip of the host's KVM, and reads the local APIC's architectural
//! state after every operation:
//!
//! - [`probe`] says what this host's KVM is and what it cannot show;
//! - [`Vm`] runs [`Op`]s: guest operations ([`GuestOp`]: APIC MMIO and MSR
//!   writes, `cli`, `sti`, `hlt`) performed by a tiny real-mode guest
//!   (`guest.rs`, hand-assembled), and outside events ([`HostEvent`]: fixed
//!   interrupts edge or level, NMI, INIT, SIPI, timer expiry) injected
//!   through KVM; each step returns a [`StepReport`] with the interrupts the
//!   guest took and the [`VcpuState`] (KVM_GET_LAPIC decoded by [`Lapic`],
//!   RFLAGS, MP state);
//! - every run is bounded in time; a guest that faults or hangs gives a
//!   [`RunError`] naming the operation.
//!
//! - [`run_scenario`] runs a format-v1 scenario on it and returns a trace
//!   of the `kvm-host` profile (`runner.rs`).
//! - [`qemu`] runs the same scenarios on QEMU's own local APIC under TCG
//!   (a hand-assembled firmware driven over serial ports and QMP) as the
//!   `qemu-tcg` profile, through the same [`run_on`].
//!
//! Linux x86_64 only, except [`hostcmp`]: how a model run is held to a
//! host run (what the host cannot show, its documented quirks), which the
//! tests of recorded traces use on every machine.

pub mod hostcmp;

/// Everything but `hostcmp` is Linux x86_64 only.
macro_rules! linux_x86_64 {
    ($($item:item)*) => {
        $(
            #[cfg(all(target_os = "linux", target_arch = "x86_64"))]
            $item
        )*
    };
}

linux_x86_64! {
    mod guest;
    mod host;
    pub mod lapic;
    mod probe;
    pub mod qemu;
    mod ram;
    pub mod regs;
    mod runner;
    mod vm;

    pub use guest::layout;
    pub use host::{facts, HostError, HostFacts, KvmModule};
    pub use lapic::Lapic;
    pub use probe::probe;
    pub use runner::{
        check, refusal, run_on, run_scenario, state_of, Flavour, RunOptions, ScenarioError, Target,
        KVM, PROFILE_ID,
    };
    pub use vm::{
        Delivery, GuestOp, Handlers, HostEvent, MpState, Op, RunError, RunErrorKind, StepEnd,
        StepReport, Trigger, VcpuState, Vm, VmConfig, APIC_BASE_ADDR,
    };
}
