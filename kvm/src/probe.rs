//! `probe()`: the host facts plus behaviour observed by running tiny
//! programs on the host's KVM. Probe, don't assume: a nested or paravirtual
//! KVM (`kvm_pvm` here) can differ from VMX/SVM KVM.

use crate::host::{facts, HostError, HostFacts};
use crate::lapic::reg;
use crate::vm::{GuestOp, Handlers, HostEvent, Op, StepReport, Trigger, Vm, VmConfig};

/// What this host's KVM is, with what running guests showed about it in
/// [`HostFacts::limitations`] and [`HostFacts::unobservable`].
pub fn probe() -> Result<HostFacts, HostError> {
    let mut f = facts()?;
    if let Err(e) = &f.irqchip {
        f.limitations
            .push(format!("no in-kernel irqchip ({e}): no guest can run"));
        return Ok(f);
    }
    match behaviour() {
        Ok((lim, unobservable)) => {
            f.limitations.extend(lim);
            f.unobservable = unobservable;
        }
        Err(e) => f
            .limitations
            .push(format!("the probe guest could not run: {e}")),
    }
    Ok(f)
}

fn w(offset: u16, value: u32) -> Op {
    Op::Guest(GuestOp::WriteApic { offset, value })
}

fn step(vm: &mut Vm, op: Op) -> Result<StepReport, String> {
    vm.step(op).map_err(|e| e.to_string())
}

/// Runs the probe programs; returns (limitations, unobservable trace fields).
fn behaviour() -> Result<(Vec<String>, Vec<&'static str>), String> {
    let mut lim = Vec::new();
    let mut unobservable = Vec::new();

    // 1. Power-up LVT LINT0 (SDM 10.4.7.1 says masked, 0x10000).
    let cfg = VmConfig {
        handlers: Handlers::Manual,
        ..VmConfig::default()
    };
    let mut vm = Vm::new(cfg).map_err(|e| e.to_string())?;
    let lint0 = vm.power_up().lapic.lvt_lint0();
    if lint0 != 0x1_0000 {
        lim.push(format!(
            "power-up LVT LINT0 is {lint0:#x}, not 0x10000 (SDM 10.4.7.1): KVM_X86_QUIRK_LINT0_REENABLED \
             programs ExtINT on the boot vCPU (kvm_lapic_reset()), after INIT too"
        ));
    }

    // 2. ISR under manual handlers: SDM 10.8.4 sets the ISR bit when the
    // processor accepts the interrupt, and it stays until EOI.
    step(&mut vm, w(reg::SPIV, 0x1ff))?;
    step(
        &mut vm,
        Op::Host(HostEvent::Irq {
            vector: 0x40,
            trigger: Trigger::Edge,
        }),
    )?;
    let r = step(&mut vm, Op::Guest(GuestOp::Sti))?;
    let in_handler = r.deliveries.first().map(|d| d.in_handler.lapic.isr());
    let after = r.state.lapic.isr();
    match in_handler {
        None => lim.push("a pending fixed interrupt was not delivered after sti".into()),
        Some(isr) if !isr.contains(&0x40) || !after.contains(&0x40) => {
            lim.push(format!(
                "every delivered interrupt leaves ISR empty (in the handler ISR={isr:x?}, after it \
                 ISR={after:x?}, with no EOI written): ISR and PPR under manual handlers cannot be \
                 observed, and a lower vector is not held back by one in service"
            ));
            unobservable.extend(["isr", "ppr"]);
        }
        Some(_) => {}
    }

    // 3. NMI blocking after the handler's real-mode IRET.
    let r = step(&mut vm, Op::Host(HostEvent::Nmi))?;
    if r.deliveries.iter().all(|d| d.vector != 2) {
        lim.push("an NMI injected with KVM_NMI was not delivered".into());
    }
    if r.nmi_unmasked_by_host {
        lim.push(
            "NMIs stay blocked after the guest's real-mode IRET from the NMI handler; the runner \
             unblocks them with KVM_SET_VCPU_EVENTS"
                .into(),
        );
    }
    drop(vm);

    // 4. Hardware disable through IA32_APIC_BASE keeps the register page.
    let mut vm = Vm::new(VmConfig::default()).map_err(|e| e.to_string())?;
    step(&mut vm, w(reg::SPIV, 0x1ff))?;
    let base = vm.initial().apic_base;
    step(
        &mut vm,
        Op::Guest(GuestOp::WriteMsr {
            msr: 0x1b,
            value: base & !(1 << 11),
        }),
    )?;
    let r = step(&mut vm, Op::Guest(GuestOp::ReadApic { offset: reg::SPIV }))?;
    if r.results.first() == Some(&u32::MAX) {
        lim.push(
            "while IA32_APIC_BASE[11] = 0, guest reads of 0xfee00xxx return all ones and writes are \
             dropped inside KVM (KVM_X86_QUIRK_LAPIC_MMIO_HOLE), not passed to the host"
                .into(),
        );
    }
    let r = step(
        &mut vm,
        Op::Guest(GuestOp::WriteMsr {
            msr: 0x1b,
            value: base,
        }),
    )?;
    if r.state.lapic.spiv() != 0xff {
        lim.push(format!(
            "clearing and setting IA32_APIC_BASE[11] keeps the APIC registers (SPIV = {:#x} after \
             re-enable); SDM 10.4.3 allows a power-up reset here",
            r.state.lapic.spiv()
        ));
    }
    Ok((lim, unobservable))
}
