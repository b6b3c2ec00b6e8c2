//! A VM with one vCPU, the in-kernel irqchip, and the guest of `guest.rs`,
//! driven one operation at a time.
//!
//! The vCPU lives on its own thread (KVM wants every vCPU ioctl from the
//! thread that runs it). The caller's thread is the watchdog: while an
//! operation is in flight it sends the vCPU thread a real-time signal every
//! few milliseconds, so `KVM_RUN` returns `EINTR` even when the guest halts
//! (with the in-kernel irqchip `hlt` blocks inside `KVM_RUN`) or never comes
//! back; the vCPU thread then decides from the MP state whether the guest is
//! halted, waiting for SIPI, or hung.

use crate::guest::{self, layout, port, Entry};
use crate::host::{self, HostError};
use crate::lapic::{msr, reg, Lapic};
use crate::ram::GuestRam;
use kvm_bindings::{
    kvm_msi, kvm_msr_entry, Msrs, KVM_MAX_CPUID_ENTRIES, KVM_MP_STATE_HALTED,
    KVM_MP_STATE_INIT_RECEIVED, KVM_MP_STATE_RUNNABLE, KVM_MP_STATE_SIPI_RECEIVED,
    KVM_MP_STATE_UNINITIALIZED,
};
use kvm_ioctls::{Kvm, VcpuExit, VcpuFd, VmFd};
use std::collections::VecDeque;
use std::fmt;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::Once;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};
use vmm_sys_util::signal::{register_signal_handler, Killable, SIGRTMIN};

/// What the guest's interrupt handlers do before `IRET`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Handlers {
    /// Write EOI (scenario `"handlers": "auto_eoi"`).
    #[default]
    AutoEoi,
    /// Return without EOI; the vector stays in ISR until an explicit EOI
    /// write (scenario `"handlers": "manual"`).
    Manual,
}

/// An operation the guest performs itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GuestOp {
    /// `mov [0xfee00000 + offset], value` (xAPIC MMIO).
    WriteApic {
        /// Register offset (SDM table 10-1), e.g. 0xf0 for SPIV.
        offset: u16,
        /// The 32-bit value.
        value: u32,
    },
    /// `mov eax, [0xfee00000 + offset]`; the value lands in
    /// [`StepReport::results`].
    ReadApic {
        /// Register offset.
        offset: u16,
    },
    /// `wrmsr` (IA32_APIC_BASE 0x1b, IA32_TSC_DEADLINE 0x6e0, ...).
    WriteMsr {
        /// MSR index.
        msr: u32,
        /// 64-bit value.
        value: u64,
    },
    /// `rdmsr`; low and high halves land in [`StepReport::results`].
    ReadMsr {
        /// MSR index.
        msr: u32,
    },
    /// `cli`.
    Cli,
    /// `sti`.
    Sti,
    /// `hlt`.
    Hlt,
    /// Nothing: just let the guest run once through its loop.
    Nop,
}

/// Trigger mode of an outside interrupt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Trigger {
    /// Edge triggered: TMR bit cleared on acceptance.
    Edge,
    /// Level triggered: TMR bit set on acceptance (SDM 10.8.4).
    Level,
}

/// An event from outside the CPU, injected through KVM.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HostEvent {
    /// A fixed interrupt to APIC ID 0, sent as an MSI with KVM_SIGNAL_MSI
    /// (physical destination, delivery mode fixed, trigger as given).
    Irq {
        /// The vector.
        vector: u8,
        /// Edge or level.
        trigger: Trigger,
    },
    /// KVM_NMI on the vCPU.
    Nmi,
    /// An INIT message (MSI with delivery mode INIT = 101b).
    Init,
    /// A start-up IPI (MSI with delivery mode StartUp = 110b); the vCPU
    /// starts at `vector << 12` in real mode if it waits for SIPI.
    Sipi {
        /// The SIPI vector (page number); must be at least
        /// [`layout::FIRST_FREE_SIPI_PAGE`].
        vector: u8,
    },
    /// The armed timer expires now: TSC-deadline mode gets a deadline in
    /// the past (host KVM_SET_MSRS); one-shot or periodic mode is waited for
    /// when due within 1 ms, or else made to expire now (the host sets the
    /// current count to 1 with KVM_SET_LAPIC).
    TimerFire,
    /// KVM_SET_MP_STATE, for states no message can reach.
    SetMpState(MpState),
    /// Any MSI (KVM_SIGNAL_MSI): address bits 19:12 destination ID, bit 2
    /// destination mode; data bits 7:0 vector, 10:8 delivery mode, 14
    /// level, 15 trigger mode (SDM 10.11.1, 10.11.2).
    Msi {
        /// The low 32 bits of the message address (0xfee..... for an APIC).
        address: u32,
        /// The message data.
        data: u32,
    },
}

/// One step of a program.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// The guest does it.
    Guest(GuestOp),
    /// The host injects it, then lets the guest run once through its loop.
    Host(HostEvent),
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Op::Guest(GuestOp::WriteApic { offset, value }) => {
                write!(f, "write APIC[{offset:#05x}] = {value:#x}")
            }
            Op::Guest(GuestOp::ReadApic { offset }) => write!(f, "read APIC[{offset:#05x}]"),
            Op::Guest(GuestOp::WriteMsr { msr, value }) => write!(f, "wrmsr {msr:#x} = {value:#x}"),
            Op::Guest(GuestOp::ReadMsr { msr }) => write!(f, "rdmsr {msr:#x}"),
            Op::Guest(GuestOp::Cli) => write!(f, "cli"),
            Op::Guest(GuestOp::Sti) => write!(f, "sti"),
            Op::Guest(GuestOp::Hlt) => write!(f, "hlt"),
            Op::Guest(GuestOp::Nop) => write!(f, "nop"),
            Op::Host(HostEvent::Irq { vector, trigger }) => {
                write!(f, "irq {vector:#04x} ({trigger:?})")
            }
            Op::Host(HostEvent::Nmi) => write!(f, "nmi"),
            Op::Host(HostEvent::Init) => write!(f, "init"),
            Op::Host(HostEvent::Sipi { vector }) => write!(f, "sipi {vector:#04x}"),
            Op::Host(HostEvent::TimerFire) => write!(f, "timer_fire"),
            Op::Host(HostEvent::SetMpState(s)) => write!(f, "set mp_state {s:?}"),
            Op::Host(HostEvent::Msi { address, data }) => {
                write!(f, "msi address {address:#x} data {data:#x}")
            }
        }
    }
}

/// The vCPU's multiprocessing state (KVM_GET_MP_STATE).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MpState {
    /// Running (KVM_MP_STATE_RUNNABLE).
    Runnable,
    /// Not yet started (KVM_MP_STATE_UNINITIALIZED).
    Uninitialized,
    /// Wait-for-SIPI after INIT (KVM_MP_STATE_INIT_RECEIVED).
    InitReceived,
    /// Halted by HLT (KVM_MP_STATE_HALTED).
    Halted,
    /// SIPI accepted, not yet running (KVM_MP_STATE_SIPI_RECEIVED).
    SipiReceived,
    /// Anything else KVM reports.
    Other(u32),
}

impl MpState {
    fn from_kvm(v: u32) -> Self {
        match v {
            KVM_MP_STATE_RUNNABLE => MpState::Runnable,
            KVM_MP_STATE_UNINITIALIZED => MpState::Uninitialized,
            KVM_MP_STATE_INIT_RECEIVED => MpState::InitReceived,
            KVM_MP_STATE_HALTED => MpState::Halted,
            KVM_MP_STATE_SIPI_RECEIVED => MpState::SipiReceived,
            o => MpState::Other(o),
        }
    }

    fn to_kvm(self) -> u32 {
        match self {
            MpState::Runnable => KVM_MP_STATE_RUNNABLE,
            MpState::Uninitialized => KVM_MP_STATE_UNINITIALIZED,
            MpState::InitReceived => KVM_MP_STATE_INIT_RECEIVED,
            MpState::Halted => KVM_MP_STATE_HALTED,
            MpState::SipiReceived => KVM_MP_STATE_SIPI_RECEIVED,
            MpState::Other(o) => o,
        }
    }

    /// The trace's `cpu` field: `running`, `halted` or `wait_for_sipi`.
    pub fn as_trace(self) -> &'static str {
        match self {
            MpState::Halted => "halted",
            MpState::InitReceived | MpState::Uninitialized => "wait_for_sipi",
            _ => "running",
        }
    }
}

/// The architectural state read after a step (or inside a handler).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VcpuState {
    /// KVM_GET_LAPIC.
    pub lapic: Lapic,
    /// RFLAGS (KVM_GET_REGS).
    pub rflags: u64,
    /// RIP (KVM_GET_REGS).
    pub rip: u64,
    /// CS selector (KVM_GET_SREGS).
    pub cs: u16,
    /// KVM_GET_MP_STATE.
    pub mp_state: MpState,
    /// IA32_APIC_BASE (KVM_GET_MSRS).
    pub apic_base: u64,
    /// IA32_TSC_DEADLINE (KVM_GET_MSRS).
    pub tsc_deadline: u64,
    /// NMIs blocked (KVM_GET_VCPU_EVENTS `nmi.masked`).
    pub nmi_masked: bool,
    /// An NMI pending (KVM_GET_VCPU_EVENTS `nmi.pending`).
    pub nmi_pending: bool,
}

impl VcpuState {
    /// RFLAGS.IF.
    pub fn if_flag(&self) -> bool {
        self.rflags & 0x200 != 0
    }

    /// IA32_APIC_BASE bit 11: the APIC is hardware-enabled (SDM 10.4.3).
    pub fn hw_enabled(&self) -> bool {
        self.apic_base & (1 << 11) != 0
    }
}

/// An interrupt the guest took during a step.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Delivery {
    /// The vector (2 is the NMI).
    pub vector: u8,
    /// The handler wrote EOI before returning.
    pub eoi: bool,
    /// The state as the handler started (before its EOI).
    pub in_handler: VcpuState,
}

/// Where the guest stopped at the end of a step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StepEnd {
    /// Back in its loop, idle.
    Parked,
    /// Halted (HLT with nothing to wake it within the halt grace).
    Halted,
    /// Waiting for SIPI after INIT.
    WaitForSipi,
}

/// What one step did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StepReport {
    /// The operation.
    pub op: Op,
    /// The guest fetched and executed it (false when it stayed halted or
    /// waiting for SIPI, or for host events, which need no guest action).
    pub performed: bool,
    /// Interrupts taken, in order.
    pub deliveries: Vec<Delivery>,
    /// Values the guest read (ReadApic: one; ReadMsr: low, high).
    pub results: Vec<u32>,
    /// Where the guest stopped.
    pub end: StepEnd,
    /// The host cleared KVM's NMI blocking after the guest's real-mode IRET
    /// left it set (see kvm/README.md on `kvm_pvm`).
    pub nmi_unmasked_by_host: bool,
    /// Anything else worth knowing (MMIO that reached the host, timer waits,
    /// KVM_SIGNAL_MSI results).
    pub notes: Vec<String>,
    /// The state after the step.
    pub state: VcpuState,
}

/// Settings of a [`Vm`].
#[derive(Clone, Copy, Debug)]
pub struct VmConfig {
    /// EOI in handlers or not.
    pub handlers: Handlers,
    /// Keep IA32_APIC_BASE.BSP = 1 (KVM's default for vCPU 0). With false
    /// (the default) the vCPU is an AP, so INIT puts it into wait-for-SIPI
    /// as on hardware; KVM resets a BSP and runs it from 0xfffffff0 instead.
    pub bsp: bool,
    /// How long a halted vCPU stays halted before the step ends as halted.
    pub halt_grace: Duration,
    /// How long a running guest may take to come back to its loop.
    pub step_timeout: Duration,
    /// The longest wait for a one-shot or periodic timer to expire.
    pub max_timer_wait: Duration,
}

impl Default for VmConfig {
    fn default() -> Self {
        Self {
            handlers: Handlers::AutoEoi,
            bsp: false,
            halt_grace: Duration::from_millis(15),
            step_timeout: Duration::from_secs(2),
            max_timer_wait: Duration::from_secs(1),
        }
    }
}

/// What went wrong while running an operation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RunErrorKind {
    /// The operation cannot be expressed on this VM (checked before running).
    Refused(String),
    /// QEMU failed or the guest under QEMU misbehaved (`crate::qemu`).
    Qemu(String),
    /// The guest did not come back to its loop in time.
    Timeout {
        /// How long it ran.
        after: Duration,
        /// Where it was.
        rip: u64,
        /// Its MP state.
        mp_state: MpState,
    },
    /// The guest took an exception (a vector below 32 other than NMI).
    GuestFault {
        /// The exception vector.
        vector: u8,
        /// CS:IP of the faulting code as pushed on the stack is not read;
        /// this is the RIP at the handler's report.
        rip: u64,
    },
    /// KVM_EXIT_SHUTDOWN (triple fault).
    Shutdown,
    /// KVM_EXIT_INTERNAL_ERROR (usually: the instruction emulator gave up).
    InternalError {
        /// RIP at the exit.
        rip: u64,
    },
    /// Another unexpected exit.
    UnexpectedExit(String),
    /// An ioctl failed.
    Kvm(String),
    /// The vCPU thread did not answer in time even though it was signalled.
    Stuck,
    /// The vCPU thread is gone (after an earlier Stuck or a panic).
    WorkerGone,
}

/// An error naming the operation it happened in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunError {
    /// The operation, as text.
    pub op: String,
    /// What happened.
    pub kind: RunErrorKind,
}

impl fmt::Display for RunError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: ", self.op)?;
        match &self.kind {
            RunErrorKind::Refused(s) => write!(f, "refused: {s}"),
            RunErrorKind::Qemu(s) => write!(f, "{s}"),
            RunErrorKind::Timeout {
                after,
                rip,
                mp_state,
            } => write!(
                f,
                "the guest did not return to the host within {} ms (rip {rip:#x}, {mp_state:?})",
                after.as_millis()
            ),
            RunErrorKind::GuestFault { vector, rip } => {
                write!(f, "the guest took exception {vector} (rip {rip:#x})")
            }
            RunErrorKind::Shutdown => write!(f, "the guest shut down (triple fault)"),
            RunErrorKind::InternalError { rip } => {
                write!(
                    f,
                    "KVM internal error, e.g. emulation failure (rip {rip:#x})"
                )
            }
            RunErrorKind::UnexpectedExit(s) => write!(f, "unexpected exit {s}"),
            RunErrorKind::Kvm(s) => write!(f, "ioctl failed: {s}"),
            RunErrorKind::Stuck => write!(f, "the vCPU thread did not answer"),
            RunErrorKind::WorkerGone => write!(f, "the vCPU thread is gone"),
        }
    }
}

impl std::error::Error for RunError {}

fn kvm_err(op: &str, what: &str, e: impl fmt::Display) -> RunError {
    RunError {
        op: op.to_string(),
        kind: RunErrorKind::Kvm(format!("{what}: {e}")),
    }
}

/// The APIC's default physical base (SDM 10.4.1).
pub const APIC_BASE_ADDR: u64 = 0xfee0_0000;

/// Everything the vCPU thread owns. Field order is drop order: the vCPU and
/// the VM go before the memory they map (see ram.rs).
struct Machine {
    vcpu: VcpuFd,
    vm: VmFd,
    ram: GuestRam,
    _kvm: Kvm,
    entry: Entry,
    config: VmConfig,
}

/// Where the run loop is in the current step.
struct Run<'a> {
    op: String,
    addr: u16,
    args: VecDeque<u32>,
    fetched: bool,
    deliveries_since_park: usize,
    report: &'a mut Partial,
}

#[derive(Default)]
struct Partial {
    deliveries: Vec<Delivery>,
    results: Vec<u32>,
    notes: Vec<String>,
    performed: bool,
}

/// An I/O exit copied out of the kvm_run page.
enum Exit {
    Out(u16, u32),
    In(u16),
    MmioWrite(u64, u64),
    MmioRead(u64),
    Intr,
    Shutdown,
    Internal,
    Other(String),
}

fn le(data: &[u8]) -> u32 {
    let mut b = [0u8; 4];
    for (d, s) in b.iter_mut().zip(data) {
        *d = *s;
    }
    u32::from_le_bytes(b)
}

fn fill(data: &mut [u8], v: u32) {
    for (d, s) in data.iter_mut().zip(v.to_le_bytes()) {
        *d = s;
    }
}

const MAX_EXITS_PER_STEP: usize = 10_000;

/// A one-shot or periodic timer due within this long is waited for; a later
/// one is made to expire now (`expire_timer_now`).
const SHORT_TIMER: Duration = Duration::from_millis(1);

impl Machine {
    fn new(config: VmConfig) -> Result<Self, HostError> {
        let other = |what: &str, e: &dyn fmt::Display| HostError::Other(format!("{what}: {e}"));
        let kvm = host::open()?;
        let vm = kvm.create_vm().map_err(|e| other("KVM_CREATE_VM", &e))?;
        // VMX without unrestricted guest needs a TSS for real mode; harmless elsewhere.
        let _ = vm.set_tss_address(0xfffb_d000);
        vm.create_irq_chip()
            .map_err(|e| other("KVM_CREATE_IRQCHIP", &e))?;
        let mut ram = GuestRam::new(layout::RAM_SIZE).map_err(|e| other("mmap", &e))?;
        ram.register(&vm)
            .map_err(|e| other("KVM_SET_USER_MEMORY_REGION", &e))?;
        let img = guest::image();
        for (at, code) in &img.blocks {
            ram.write(*at, code).map_err(|e| other("guest image", &e))?;
        }
        let vcpu = vm
            .create_vcpu(0)
            .map_err(|e| other("KVM_CREATE_VCPU", &e))?;
        let cpuid = kvm
            .get_supported_cpuid(KVM_MAX_CPUID_ENTRIES)
            .map_err(|e| other("KVM_GET_SUPPORTED_CPUID", &e))?;
        vcpu.set_cpuid2(&cpuid)
            .map_err(|e| other("KVM_SET_CPUID2", &e))?;
        let mut m = Machine {
            vcpu,
            vm,
            ram,
            _kvm: kvm,
            entry: img.entry,
            config,
        };
        m.real_mode_entry().map_err(|e| other("vCPU setup", &e))?;
        // Write the power-up LAPIC state back unchanged, as QEMU does after
        // creating a vCPU. KVM_SET_LAPIC rebuilds KVM's APIC map; without it
        // the map computed while this vCPU was being created (before it was
        // online) stays, it lacks APIC ID 0, and every physical-destination
        // MSI to ID 0 is dropped (KVM_SIGNAL_MSI returns 0) until something
        // else (an SPIV enable, an ID or LDR write) rebuilds the map.
        let lapic = m.vcpu.get_lapic().map_err(|e| other("KVM_GET_LAPIC", &e))?;
        m.vcpu
            .set_lapic(&lapic)
            .map_err(|e| other("KVM_SET_LAPIC", &e))?;
        if !config.bsp {
            let base = m
                .msr(msr::APIC_BASE)
                .map_err(|e| other("KVM_GET_MSRS", &e))?;
            m.set_msr(msr::APIC_BASE, base & !(1 << 8))
                .map_err(|e| other("KVM_SET_MSRS", &e))?;
        }
        Ok(m)
    }

    /// Real mode at LOOP with SS:SP = 0:STACK_TOP, IF = 0 and ES based at the APIC.
    fn real_mode_entry(&mut self) -> Result<(), kvm_ioctls::Error> {
        let mut sregs = self.vcpu.get_sregs()?;
        for seg in [
            &mut sregs.cs,
            &mut sregs.ds,
            &mut sregs.ss,
            &mut sregs.fs,
            &mut sregs.gs,
        ] {
            seg.base = 0;
            seg.selector = 0;
        }
        self.apic_es(&mut sregs);
        self.vcpu.set_sregs(&sregs)?;
        let mut regs = self.vcpu.get_regs()?;
        regs.rip = u64::from(layout::LOOP);
        regs.rsp = u64::from(layout::STACK_TOP);
        regs.rflags = 2;
        self.vcpu.set_regs(&regs)
    }

    fn apic_es(&self, sregs: &mut kvm_bindings::kvm_sregs) {
        // A real-mode data segment (type 3: read/write, accessed) whose
        // cached base is the APIC page; the selector is irrelevant until
        // the guest reloads ES, which it never does.
        sregs.es.base = APIC_BASE_ADDR;
        sregs.es.limit = 0xffff;
        sregs.es.selector = 0;
        sregs.es.type_ = 3;
        sregs.es.present = 1;
        sregs.es.s = 1;
        sregs.es.dpl = 0;
        sregs.es.db = 0;
        sregs.es.g = 0;
    }

    fn msr(&self, index: u32) -> Result<u64, kvm_ioctls::Error> {
        let mut msrs = Msrs::from_entries(&[kvm_msr_entry {
            index,
            ..Default::default()
        }])
        .map_err(|_| kvm_ioctls::Error::new(libc::EINVAL))?;
        let n = self.vcpu.get_msrs(&mut msrs)?;
        if n != 1 {
            return Err(kvm_ioctls::Error::new(libc::EINVAL));
        }
        Ok(msrs.as_slice().first().map_or(0, |e| e.data))
    }

    fn set_msr(&self, index: u32, data: u64) -> Result<(), kvm_ioctls::Error> {
        let msrs = Msrs::from_entries(&[kvm_msr_entry {
            index,
            data,
            ..Default::default()
        }])
        .map_err(|_| kvm_ioctls::Error::new(libc::EINVAL))?;
        match self.vcpu.set_msrs(&msrs)? {
            1 => Ok(()),
            _ => Err(kvm_ioctls::Error::new(libc::EINVAL)),
        }
    }

    fn state(&self, op: &str) -> Result<VcpuState, RunError> {
        // MP state first: KVM_GET_MP_STATE also accepts pending INIT/SIPI,
        // so the registers read afterwards belong to the same moment.
        let mp = self
            .vcpu
            .get_mp_state()
            .map_err(|e| kvm_err(op, "KVM_GET_MP_STATE", e))?;
        let lapic = self
            .vcpu
            .get_lapic()
            .map_err(|e| kvm_err(op, "KVM_GET_LAPIC", e))?;
        let regs = self
            .vcpu
            .get_regs()
            .map_err(|e| kvm_err(op, "KVM_GET_REGS", e))?;
        let sregs = self
            .vcpu
            .get_sregs()
            .map_err(|e| kvm_err(op, "KVM_GET_SREGS", e))?;
        let events = self
            .vcpu
            .get_vcpu_events()
            .map_err(|e| kvm_err(op, "KVM_GET_VCPU_EVENTS", e))?;
        let apic_base = self
            .msr(msr::APIC_BASE)
            .map_err(|e| kvm_err(op, "KVM_GET_MSRS(APIC_BASE)", e))?;
        let tsc_deadline = self
            .msr(msr::TSC_DEADLINE)
            .map_err(|e| kvm_err(op, "KVM_GET_MSRS(TSC_DEADLINE)", e))?;
        Ok(VcpuState {
            lapic: Lapic::from_page(&lapic.regs),
            rflags: regs.rflags,
            rip: regs.rip,
            cs: sregs.cs.selector,
            mp_state: MpState::from_kvm(mp.mp_state),
            apic_base,
            tsc_deadline,
            nmi_masked: events.nmi.masked != 0,
            nmi_pending: events.nmi.pending != 0,
        })
    }

    fn msi(&self, op: &str, data: u32, p: &mut Partial) -> Result<(), RunError> {
        // Destination: the vCPU's APIC ID as it is now, physical mode
        // (address bits 19:12), so a guest that wrote its ID is still
        // reached.
        let id = self
            .vcpu
            .get_lapic()
            .map(|l| Lapic::from_page(&l.regs).id() & 0xff)
            .map_err(|e| kvm_err(op, "KVM_GET_LAPIC", e))?;
        self.msi_to(op, APIC_BASE_ADDR as u32 | (id << 12), data, p)
    }

    /// Makes an armed one-shot or periodic LVT timer expire now: the host
    /// writes the current count (TMCCT) as 1 with KVM_SET_LAPIC, which
    /// restarts the timer from that count (kvm_apic_set_state() ->
    /// __start_apic_timer(apic, APIC_TMCCT), since v5.11); the timer then
    /// expires after one count.
    fn expire_timer_now(&self, op: &str) -> Result<(), RunError> {
        let mut l = self
            .vcpu
            .get_lapic()
            .map_err(|e| kvm_err(op, "KVM_GET_LAPIC", e))?;
        let at = usize::from(reg::TIMER_CURRENT);
        for (d, b) in l.regs.iter_mut().skip(at).zip(1u32.to_le_bytes()) {
            *d = b as std::os::raw::c_char;
        }
        self.vcpu
            .set_lapic(&l)
            .map_err(|e| kvm_err(op, "KVM_SET_LAPIC(TMCCT = 1)", e))
    }

    fn msi_to(&self, op: &str, address: u32, data: u32, p: &mut Partial) -> Result<(), RunError> {
        let msi = kvm_msi {
            address_lo: address,
            data,
            ..Default::default()
        };
        let n = self
            .vm
            .signal_msi(msi)
            .map_err(|e| kvm_err(op, "KVM_SIGNAL_MSI", e))?;
        if n <= 0 {
            p.notes.push(format!(
                "KVM_SIGNAL_MSI returned {n}: the message was not accepted by any APIC"
            ));
        }
        Ok(())
    }

    fn inject(&mut self, ev: HostEvent, op: &str, p: &mut Partial) -> Result<(), RunError> {
        match ev {
            HostEvent::Irq { vector, trigger } => {
                if vector < 16 {
                    return Err(RunError {
                        op: op.to_string(),
                        kind: RunErrorKind::Refused(format!(
                            "vector {vector} is an illegal APIC vector (0..15); the guest could not tell it from an exception"
                        )),
                    });
                }
                // MSI data (SDM 10.11.2): vector 7:0, delivery mode 10:8 =
                // fixed, level 14 = assert, trigger 15.
                let level = match trigger {
                    Trigger::Edge => 0,
                    Trigger::Level => (1 << 15) | (1 << 14),
                };
                self.msi(op, u32::from(vector) | level, p)
            }
            HostEvent::Nmi => self.vcpu.nmi().map_err(|e| kvm_err(op, "KVM_NMI", e)),
            HostEvent::Init => self.msi(op, (0b101 << 8) | (1 << 14), p),
            HostEvent::Sipi { vector } => {
                if vector < layout::FIRST_FREE_SIPI_PAGE {
                    return Err(RunError {
                        op: op.to_string(),
                        kind: RunErrorKind::Refused(format!(
                            "SIPI vector {vector:#x} would start the vCPU inside the guest's own code (pages 0..{:#x})",
                            layout::FIRST_FREE_SIPI_PAGE
                        )),
                    });
                }
                let landing = guest::sipi_landing();
                self.ram
                    .write(usize::from(vector) << 12, &landing)
                    .map_err(|e| kvm_err(op, "SIPI landing code", e))?;
                self.msi(op, (0b110 << 8) | (1 << 14) | u32::from(vector), p)
            }
            HostEvent::TimerFire => self.fire_timer(op, p),
            HostEvent::Msi { address, data } => self.msi_to(op, address, data, p),
            HostEvent::SetMpState(s) => self
                .vcpu
                .set_mp_state(kvm_bindings::kvm_mp_state {
                    mp_state: s.to_kvm(),
                })
                .map_err(|e| kvm_err(op, "KVM_SET_MP_STATE", e)),
        }
    }

    fn fire_timer(&mut self, op: &str, p: &mut Partial) -> Result<(), RunError> {
        let st = self.state(op)?;
        let lvt = st.lapic.lvt_timer();
        match (lvt >> 17) & 3 {
            0b10 => {
                if st.tsc_deadline == 0 {
                    p.notes.push(
                        "timer_fire: TSC-deadline mode with IA32_TSC_DEADLINE = 0: not armed"
                            .into(),
                    );
                    return Ok(());
                }
                // A deadline in the past fires at once (SDM 10.5.4.1).
                self.set_msr(msr::TSC_DEADLINE, 1)
                    .map_err(|e| kvm_err(op, "KVM_SET_MSRS(TSC_DEADLINE)", e))?;
                p.notes
                    .push("timer_fire: host set IA32_TSC_DEADLINE = 1 (in the past)".into());
                Ok(())
            }
            mode => {
                let initial = st.lapic.get(reg::TIMER_INITIAL);
                let current = st.lapic.get(reg::TIMER_CURRENT);
                if initial == 0 || (mode == 0 && current == 0) {
                    p.notes.push(format!(
                        "timer_fire: LVT timer mode {mode}, initial count {initial:#x}, current {current:#x}: not armed"
                    ));
                    return Ok(());
                }
                // Divide configuration (SDM figure 10-10): bits 0,1,3.
                let dcr = st.lapic.get(reg::TIMER_DIVIDE);
                let code = (dcr & 3) | ((dcr >> 1) & 4);
                let divide: u64 = if code == 7 { 1 } else { 2 << code };
                // KVM's APIC bus runs at 1 GHz: one count per ns per divide.
                let wait = Duration::from_nanos(u64::from(current) * divide);
                if wait > SHORT_TIMER {
                    self.expire_timer_now(op)?;
                    std::thread::sleep(Duration::from_micros(200));
                    p.notes.push(format!(
                        "timer_fire: the LVT timer (count {current:#x}, divide {divide}) would expire in {} us; \
                         the host set its current count to 1 (KVM_SET_LAPIC)",
                        wait.as_micros()
                    ));
                    return Ok(());
                }
                std::thread::sleep(wait + Duration::from_micros(200));
                p.notes.push(format!(
                    "timer_fire: waited {} us for the LVT timer (count {current:#x}, divide {divide})",
                    wait.as_micros()
                ));
                Ok(())
            }
        }
    }

    fn op_entry(&self, op: &Op) -> (u16, Vec<u32>) {
        let e = &self.entry;
        match *op {
            Op::Guest(GuestOp::WriteApic { offset, value }) => {
                (e.mmio_write, vec![u32::from(offset), value])
            }
            Op::Guest(GuestOp::ReadApic { offset }) => (e.mmio_read, vec![u32::from(offset)]),
            Op::Guest(GuestOp::WriteMsr { msr, value }) => {
                (e.wrmsr, vec![msr, value as u32, (value >> 32) as u32])
            }
            Op::Guest(GuestOp::ReadMsr { msr }) => (e.rdmsr, vec![msr]),
            Op::Guest(GuestOp::Cli) => (e.cli, vec![]),
            Op::Guest(GuestOp::Sti) => (e.sti, vec![]),
            Op::Guest(GuestOp::Hlt) => (e.hlt, vec![]),
            Op::Guest(GuestOp::Nop) | Op::Host(_) => (e.nop, vec![]),
        }
    }

    fn step(&mut self, op: Op) -> Result<StepReport, RunError> {
        let name = op.to_string();
        if let Op::Guest(GuestOp::WriteApic { offset, .. } | GuestOp::ReadApic { offset }) = op {
            if offset > 0x3fc || offset % 4 != 0 {
                return Err(RunError {
                    op: name,
                    kind: RunErrorKind::Refused(format!(
                        "APIC register offset {offset:#x} is not a 32-bit slot of the 4 KiB page"
                    )),
                });
            }
        }
        let mut p = Partial::default();
        if let Op::Host(ev) = op {
            self.inject(ev, &name, &mut p)?;
        }
        let (addr, args) = self.op_entry(&op);
        let mut run = Run {
            op: name.clone(),
            addr,
            args: args.into(),
            fetched: false,
            deliveries_since_park: 0,
            report: &mut p,
        };
        let end = self.run(&mut run)?;
        let performed = matches!(op, Op::Guest(_)) && run.fetched;
        p.performed = performed;
        let mut nmi_unmasked_by_host = false;
        if end == StepEnd::Parked {
            // The guest is in its loop: no NMI handler is running, so KVM
            // must not block NMIs any more. The emulator's real-mode IRET
            // may leave them blocked; end the blocking as IRET would.
            let mut ev = self
                .vcpu
                .get_vcpu_events()
                .map_err(|e| kvm_err(&name, "KVM_GET_VCPU_EVENTS", e))?;
            if ev.nmi.masked != 0 {
                ev.nmi.masked = 0;
                ev.flags = 0;
                self.vcpu
                    .set_vcpu_events(&ev)
                    .map_err(|e| kvm_err(&name, "KVM_SET_VCPU_EVENTS", e))?;
                nmi_unmasked_by_host = true;
            }
        }
        let state = self.state(&name)?;
        Ok(StepReport {
            op,
            performed: p.performed,
            deliveries: p.deliveries,
            results: p.results,
            end,
            nmi_unmasked_by_host,
            notes: p.notes,
            state,
        })
    }

    /// Runs the guest until it parks after fetching `run.addr`, halts, waits
    /// for SIPI, or fails.
    fn run(&mut self, run: &mut Run<'_>) -> Result<StepEnd, RunError> {
        let start = Instant::now();
        let mut halted_since: Option<Instant> = None;
        for _ in 0..MAX_EXITS_PER_STEP {
            let exit = match self.vcpu.run() {
                Ok(VcpuExit::IoOut(port, data)) => Exit::Out(port, le(data)),
                Ok(VcpuExit::IoIn(port, data)) => {
                    // Answer right here, while the kvm_run page is borrowed.
                    let answer = answer_in(&self.entry, self.config.handlers, port, run);
                    fill(data, answer.unwrap_or(0));
                    Exit::In(port)
                }
                Ok(VcpuExit::MmioWrite(addr, data)) => {
                    let mut v = [0u8; 8];
                    for (d, s) in v.iter_mut().zip(data) {
                        *d = *s;
                    }
                    Exit::MmioWrite(addr, u64::from_le_bytes(v))
                }
                Ok(VcpuExit::MmioRead(addr, data)) => {
                    data.fill(0xff);
                    Exit::MmioRead(addr)
                }
                Ok(VcpuExit::Intr) => Exit::Intr,
                Ok(VcpuExit::Shutdown) => Exit::Shutdown,
                Ok(VcpuExit::InternalError) => Exit::Internal,
                Ok(other) => Exit::Other(format!("{other:?}")),
                Err(e) if e.errno() == libc::EINTR || e.errno() == libc::EAGAIN => Exit::Intr,
                Err(e) => return Err(kvm_err(&run.op, "KVM_RUN", e)),
            };
            match exit {
                Exit::Out(port::SYNC, _) => {}
                Exit::Out(port::PARK, _) => {
                    if run.fetched && run.deliveries_since_park == 0 {
                        return Ok(StepEnd::Parked);
                    }
                    run.deliveries_since_park = 0;
                }
                Exit::Out(port::RESULT, v) => run.report.results.push(v),
                Exit::Out(port::LANDED, _) => {
                    let mut sregs = self
                        .vcpu
                        .get_sregs()
                        .map_err(|e| kvm_err(&run.op, "KVM_GET_SREGS", e))?;
                    self.apic_es(&mut sregs);
                    self.vcpu
                        .set_sregs(&sregs)
                        .map_err(|e| kvm_err(&run.op, "KVM_SET_SREGS", e))?;
                    run.report
                        .notes
                        .push(format!("SIPI landed at CS={:#06x}", sregs.cs.selector));
                }
                Exit::Out(port, v) => run
                    .report
                    .notes
                    .push(format!("guest wrote {v:#x} to unknown port {port:#x}")),
                Exit::In(port) => {
                    if let Some(vector) = vector_of(port) {
                        let in_handler = self.state(&run.op)?;
                        let eoi = self.eoi_wanted(vector);
                        if vector < 32 && vector != 2 {
                            return Err(RunError {
                                op: run.op.clone(),
                                kind: RunErrorKind::GuestFault {
                                    vector,
                                    rip: in_handler.rip,
                                },
                            });
                        }
                        run.deliveries_since_park += 1;
                        run.report.deliveries.push(Delivery {
                            vector,
                            eoi,
                            in_handler,
                        });
                    }
                }
                Exit::MmioWrite(addr, v) => run.report.notes.push(format!(
                    "MMIO write of {v:#x} to {addr:#x} reached the host (no APIC decodes it there)"
                )),
                Exit::MmioRead(addr) => run.report.notes.push(format!(
                    "MMIO read of {addr:#x} reached the host (no APIC decodes it there); answered all ones"
                )),
                Exit::Intr => {
                    let mp = self
                        .vcpu
                        .get_mp_state()
                        .map_err(|e| kvm_err(&run.op, "KVM_GET_MP_STATE", e))?;
                    match MpState::from_kvm(mp.mp_state) {
                        MpState::Halted => {
                            let since = *halted_since.get_or_insert_with(Instant::now);
                            if since.elapsed() >= self.config.halt_grace {
                                return Ok(StepEnd::Halted);
                            }
                        }
                        MpState::InitReceived => return Ok(StepEnd::WaitForSipi),
                        s => {
                            halted_since = None;
                            if start.elapsed() >= self.config.step_timeout {
                                let rip = self.vcpu.get_regs().map_or(0, |r| r.rip);
                                return Err(RunError {
                                    op: run.op.clone(),
                                    kind: RunErrorKind::Timeout {
                                        after: start.elapsed(),
                                        rip,
                                        mp_state: s,
                                    },
                                });
                            }
                        }
                    }
                }
                Exit::Shutdown => {
                    return Err(RunError {
                        op: run.op.clone(),
                        kind: RunErrorKind::Shutdown,
                    })
                }
                Exit::Internal => {
                    let rip = self.vcpu.get_regs().map_or(0, |r| r.rip);
                    return Err(RunError {
                        op: run.op.clone(),
                        kind: RunErrorKind::InternalError { rip },
                    });
                }
                Exit::Other(s) => {
                    return Err(RunError {
                        op: run.op.clone(),
                        kind: RunErrorKind::UnexpectedExit(s),
                    })
                }
            }
            if start.elapsed() >= self.config.step_timeout + self.config.halt_grace {
                let rip = self.vcpu.get_regs().map_or(0, |r| r.rip);
                let mp = self
                    .vcpu
                    .get_mp_state()
                    .map_or(MpState::Other(u32::MAX), |m| MpState::from_kvm(m.mp_state));
                return Err(RunError {
                    op: run.op.clone(),
                    kind: RunErrorKind::Timeout {
                        after: start.elapsed(),
                        rip,
                        mp_state: mp,
                    },
                });
            }
        }
        Err(RunError {
            op: run.op.clone(),
            kind: RunErrorKind::UnexpectedExit(format!(
                "more than {MAX_EXITS_PER_STEP} exits without parking (an interrupt storm?)"
            )),
        })
    }

    fn eoi_wanted(&self, vector: u8) -> bool {
        eoi_wanted(self.config.handlers, vector)
    }
}

/// The value for an `in` from `port`.
fn answer_in(entry: &Entry, handlers: Handlers, port: u16, run: &mut Run<'_>) -> Option<u32> {
    match port {
        port::OP => {
            if run.fetched {
                Some(u32::from(entry.nop))
            } else {
                run.fetched = true;
                Some(u32::from(run.addr))
            }
        }
        port::ARG => run.args.pop_front(),
        p => vector_of(p).map(|v| u32::from(eoi_wanted(handlers, v))),
    }
}

fn eoi_wanted(handlers: Handlers, vector: u8) -> bool {
    // NMI (vector 2 here) and exceptions are not APIC interrupts: no EOI.
    vector >= 32 && handlers == Handlers::AutoEoi
}

fn vector_of(port: u16) -> Option<u8> {
    port.checked_sub(port::VECTOR_BASE)
        .and_then(|v| u8::try_from(v).ok())
}

// ---- The caller-side handle ------------------------------------------------

enum Cmd {
    Step(Op),
    Poke(usize, Vec<u8>),
    State,
    Settle,
    SetHandlers(Handlers),
}

enum Reply {
    Step(Box<Result<StepReport, RunError>>),
    State(Box<Result<VcpuState, RunError>>),
    Done,
}

/// How often the watchdog kicks the vCPU thread out of KVM_RUN.
const KICK: Duration = Duration::from_millis(3);

fn kick_signal() -> i32 {
    SIGRTMIN()
}

extern "C" fn on_kick(_: libc::c_int, _: *mut libc::siginfo_t, _: *mut libc::c_void) {}

static HANDLER: Once = Once::new();

/// A VM with one vCPU running the guest of `guest.rs`.
pub struct Vm {
    tx: Option<Sender<Cmd>>,
    rx: Receiver<Reply>,
    worker: Option<JoinHandle<()>>,
    config: VmConfig,
    power_up: VcpuState,
    initial: VcpuState,
}

impl Vm {
    /// Creates the VM and runs the guest to its loop. The returned VM's
    /// [`Vm::initial`] is the state before any operation.
    pub fn new(config: VmConfig) -> Result<Self, HostError> {
        let mut reg_err = None;
        HANDLER.call_once(|| {
            if let Err(e) = register_signal_handler(kick_signal(), on_kick) {
                reg_err = Some(e);
            }
        });
        if let Some(e) = reg_err {
            return Err(HostError::Other(format!("signal handler: {e}")));
        }
        let (tx, crx) = mpsc::channel::<Cmd>();
        let (ctx, rx) = mpsc::channel::<Reply>();
        let (itx, irx) = mpsc::channel::<Result<VcpuState, HostError>>();
        let worker = std::thread::Builder::new()
            .name("apic-kvm-vcpu".into())
            .spawn(move || worker(config, crx, ctx, itx))
            .map_err(|e| HostError::Other(format!("vCPU thread: {e}")))?;
        let power_up = irx
            .recv()
            .map_err(|_| HostError::Other("the vCPU thread ended during setup".into()))??;
        let mut vm = Vm {
            tx: Some(tx),
            rx,
            worker: Some(worker),
            config,
            initial: power_up.clone(),
            power_up,
        };
        // Run the guest into its loop; the state there is states[0].
        match vm.call(Cmd::Settle, "start") {
            Ok(Reply::State(s)) => {
                vm.initial = (*s).map_err(|e| HostError::Other(e.to_string()))?;
            }
            Ok(_) => return Err(HostError::Other("bad reply".into())),
            Err(e) => return Err(HostError::Other(e.to_string())),
        }
        Ok(vm)
    }

    /// The state after power-up, reset and the guest's first pass through
    /// its loop (no operation yet): a trace's `states[0]`.
    pub fn initial(&self) -> &VcpuState {
        &self.initial
    }

    /// The state KVM gave the fresh vCPU before the guest ran at all (with
    /// this runner's real-mode registers and, unless `bsp`, BSP = 0).
    pub fn power_up(&self) -> &VcpuState {
        &self.power_up
    }

    /// The settings.
    pub fn config(&self) -> &VmConfig {
        &self.config
    }

    fn call(&mut self, cmd: Cmd, op: &str) -> Result<Reply, RunError> {
        let gone = || RunError {
            op: op.to_string(),
            kind: RunErrorKind::WorkerGone,
        };
        self.tx
            .as_ref()
            .ok_or_else(gone)?
            .send(cmd)
            .map_err(|_| gone())?;
        let start = Instant::now();
        let hard = self.config.step_timeout
            + self.config.max_timer_wait
            + self.config.halt_grace
            + Duration::from_secs(2);
        loop {
            match self.rx.recv_timeout(KICK) {
                Ok(r) => return Ok(r),
                Err(RecvTimeoutError::Disconnected) => return Err(gone()),
                Err(RecvTimeoutError::Timeout) => {
                    if let Some(w) = &self.worker {
                        let _ = w.kill(kick_signal());
                    }
                    if start.elapsed() > hard {
                        // Give up on the thread; it keeps its VM until it ends.
                        self.tx = None;
                        return Err(RunError {
                            op: op.to_string(),
                            kind: RunErrorKind::Stuck,
                        });
                    }
                }
            }
        }
    }

    /// Performs one operation and reads the state afterwards.
    pub fn step(&mut self, op: Op) -> Result<StepReport, RunError> {
        let name = op.to_string();
        match self.call(Cmd::Step(op), &name)? {
            Reply::Step(r) => *r,
            _ => Err(RunError {
                op: name,
                kind: RunErrorKind::WorkerGone,
            }),
        }
    }

    /// Performs the operations in order, stopping at the first error.
    pub fn run_program(&mut self, ops: &[Op]) -> Result<Vec<StepReport>, RunError> {
        ops.iter().map(|&op| self.step(op)).collect()
    }

    /// Reads the state without running the guest.
    pub fn state(&mut self) -> Result<VcpuState, RunError> {
        match self.call(Cmd::State, "read state")? {
            Reply::State(r) => *r,
            _ => Err(RunError {
                op: "read state".into(),
                kind: RunErrorKind::WorkerGone,
            }),
        }
    }

    /// Writes bytes into guest memory (for probes and tests of the runner
    /// itself, e.g. a guest that hangs); the guest's own code lives below
    /// [`layout::STACK_TOP`](crate::layout::STACK_TOP).
    pub fn poke(&mut self, at: usize, bytes: &[u8]) -> Result<(), RunError> {
        match self.call(Cmd::Poke(at, bytes.to_vec()), "poke")? {
            Reply::State(r) => r.map(|_| ()),
            _ => Err(RunError {
                op: "poke".into(),
                kind: RunErrorKind::WorkerGone,
            }),
        }
    }

    /// Changes what the handlers do from the next interrupt on.
    pub fn set_handlers(&mut self, handlers: Handlers) -> Result<(), RunError> {
        self.config.handlers = handlers;
        self.call(Cmd::SetHandlers(handlers), "set handlers")
            .map(|_| ())
    }
}

impl Drop for Vm {
    fn drop(&mut self) {
        self.tx = None;
        if let Some(w) = self.worker.take() {
            let start = Instant::now();
            while !w.is_finished() && start.elapsed() < Duration::from_secs(1) {
                let _ = w.kill(kick_signal());
                std::thread::sleep(KICK);
            }
            if w.is_finished() {
                let _ = w.join();
            }
        }
    }
}

fn worker(
    config: VmConfig,
    rx: Receiver<Cmd>,
    tx: Sender<Reply>,
    init: Sender<Result<VcpuState, HostError>>,
) {
    let mut m = match Machine::new(config) {
        Ok(m) => m,
        Err(e) => {
            let _ = init.send(Err(e));
            return;
        }
    };
    match m.state("power-up") {
        Ok(s) => {
            let _ = init.send(Ok(s));
        }
        Err(e) => {
            let _ = init.send(Err(HostError::Other(e.to_string())));
            return;
        }
    }
    while let Ok(cmd) = rx.recv() {
        let reply = match cmd {
            Cmd::Step(op) => Reply::Step(Box::new(m.step(op))),
            Cmd::State => Reply::State(Box::new(m.state("read state"))),
            Cmd::Settle => {
                let mut p = Partial::default();
                let mut run = Run {
                    op: "start".into(),
                    addr: m.entry.nop,
                    args: VecDeque::new(),
                    fetched: true,
                    deliveries_since_park: 0,
                    report: &mut p,
                };
                Reply::State(Box::new(m.run(&mut run).and_then(|_| m.state("start"))))
            }
            Cmd::SetHandlers(h) => {
                m.config.handlers = h;
                Reply::Done
            }
            Cmd::Poke(at, bytes) => Reply::State(Box::new(
                m.ram
                    .write(at, &bytes)
                    .map_err(|e| kvm_err("poke", "guest memory", e))
                    .and_then(|()| m.state("poke")),
            )),
        };
        if tx.send(reply).is_err() {
            return;
        }
    }
}
