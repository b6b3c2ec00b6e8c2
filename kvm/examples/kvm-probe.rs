//! Prints what this host's KVM is, then runs a short demonstration program
//! and prints the APIC state after every step.
//!
//! `cargo run -p apic-kvm --example kvm-probe` (as a user who may open /dev/kvm).

#[cfg(all(target_os = "linux", target_arch = "x86_64"))]
fn main() {
    use apic_kvm::{lapic::reg, GuestOp, HostEvent, Op, Trigger, Vm, VmConfig};
    let facts = match apic_kvm::probe() {
        Ok(f) => f,
        Err(e) => {
            println!("skipped: {e}");
            return;
        }
    };
    print!("{facts}");
    let mut vm = match Vm::new(VmConfig::default()) {
        Ok(vm) => vm,
        Err(e) => {
            println!("cannot start a VM: {e}");
            std::process::exit(3);
        }
    };
    println!("power-up: {:?}", vm.power_up());
    println!("initial:  {:?}", vm.initial());
    let program = [
        Op::Guest(GuestOp::WriteApic {
            offset: reg::SPIV,
            value: 0x1ff,
        }),
        Op::Host(HostEvent::Irq {
            vector: 0x40,
            trigger: Trigger::Edge,
        }),
        Op::Guest(GuestOp::Sti),
        Op::Host(HostEvent::Irq {
            vector: 0x41,
            trigger: Trigger::Level,
        }),
        Op::Guest(GuestOp::Cli),
        Op::Guest(GuestOp::WriteApic {
            offset: reg::ICR_LOW,
            value: 0x4_0050,
        }),
        Op::Guest(GuestOp::Sti),
        Op::Guest(GuestOp::Hlt),
        Op::Host(HostEvent::Nmi),
        Op::Host(HostEvent::Nmi),
        Op::Host(HostEvent::Init),
        Op::Host(HostEvent::Sipi { vector: 0x9a }),
        Op::Guest(GuestOp::ReadApic { offset: reg::SPIV }),
    ];
    for op in program {
        match vm.step(op) {
            Ok(r) => {
                println!(
                    "{op}: end={:?} performed={} results={:x?} nmi_unmasked={}",
                    r.end, r.performed, r.results, r.nmi_unmasked_by_host
                );
                for d in &r.deliveries {
                    println!(
                        "   delivered {:#04x} eoi={} in handler: {:?}",
                        d.vector, d.eoi, d.in_handler.lapic
                    );
                }
                for n in &r.notes {
                    println!("   note: {n}");
                }
                println!(
                    "   IF={} mp={:?} rip={:#x} cs={:#x} base={:#x} {:?}",
                    r.state.if_flag(),
                    r.state.mp_state,
                    r.state.rip,
                    r.state.cs,
                    r.state.apic_base,
                    r.state.lapic
                );
            }
            Err(e) => {
                println!("error: {e}");
                break;
            }
        }
    }
}

#[cfg(not(all(target_os = "linux", target_arch = "x86_64")))]
fn main() {
    println!("skipped: the KVM runner needs Linux on x86_64");
}
