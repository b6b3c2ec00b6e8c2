//! One QEMU process under TCG running the guest of `rom.rs`, driven one
//! operation at a time over its serial port, with QMP beside it.
//!
//! QEMU connects to two Unix sockets this side listens on: the first
//! serial port (the guest's commands and reports) and QMP (the version,
//! whether the vCPU is halted, and a main-loop round trip after a timer
//! runs out). Every wait is bounded: a read that times out, a guest that
//! faults or QEMU that exits becomes a [`RunError`] naming the operation.

use super::rom::{self, op, REPORTED, REPORT_WORDS};
use crate::host::HostError;
use crate::lapic::{reg, Lapic};
use crate::runner::Target;
use crate::vm::{
    Delivery, GuestOp, Handlers, HostEvent, MpState, Op, RunError, RunErrorKind, StepEnd,
    StepReport, Trigger, VcpuState, APIC_BASE_ADDR,
};
use std::io::{BufRead, BufReader, ErrorKind, Read, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// The QEMU binary: `$APIC_QEMU`, or `qemu-system-x86_64` on the PATH.
pub fn binary() -> String {
    std::env::var("APIC_QEMU").unwrap_or_else(|_| "qemu-system-x86_64".into())
}

/// How long QEMU may take to start and connect, and a guest to answer.
const START_LIMIT: Duration = Duration::from_secs(20);
const STEP_LIMIT: Duration = Duration::from_secs(10);

/// A running QEMU with our guest.
pub struct Qemu {
    child: Child,
    dir: PathBuf,
    serial: UnixStream,
    qmp: BufReader<UnixStream>,
    /// `major.minor.micro (package)` from the QMP greeting.
    pub version: String,
    handlers: Handlers,
    last: VcpuState,
    halted: bool,
    /// A timer_initial != 0 was written since the last expiry.
    armed: bool,
}

impl Drop for Qemu {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn qerr(op: &str, what: impl Into<String>) -> RunError {
    RunError {
        op: op.to_string(),
        kind: RunErrorKind::Qemu(what.into()),
    }
}

fn refused(op: &str, what: impl Into<String>) -> RunError {
    RunError {
        op: op.to_string(),
        kind: RunErrorKind::Refused(what.into()),
    }
}

/// Waits for QEMU to connect to `l`, or to exit.
fn accept(l: &UnixListener, child: &mut Child, what: &str) -> Result<UnixStream, HostError> {
    l.set_nonblocking(true)
        .map_err(|e| HostError::Other(format!("{what}: {e}")))?;
    let end = Instant::now() + START_LIMIT;
    loop {
        match l.accept() {
            Ok((s, _)) => {
                s.set_nonblocking(false)
                    .map_err(|e| HostError::Other(format!("{what}: {e}")))?;
                return Ok(s);
            }
            Err(e) if e.kind() == ErrorKind::WouldBlock => {}
            Err(e) => return Err(HostError::Other(format!("{what}: {e}"))),
        }
        if let Ok(Some(status)) = child.try_wait() {
            let mut err = String::new();
            if let Some(mut s) = child.stderr.take() {
                let _ = s.read_to_string(&mut err);
            }
            return Err(HostError::Other(format!(
                "QEMU exited ({status}) before connecting its {what}: {}",
                err.trim()
            )));
        }
        if Instant::now() > end {
            return Err(HostError::Other(format!(
                "QEMU did not connect its {what} within {} s",
                START_LIMIT.as_secs()
            )));
        }
        // QEMU connects within milliseconds of starting; poll for it.
        std::thread::sleep(Duration::from_millis(2));
    }
}

static RUNS: AtomicUsize = AtomicUsize::new(0);

impl Qemu {
    /// Starts QEMU (`-accel tcg`, one CPU, no disk, our firmware) and reads
    /// the guest's first report.
    pub fn new(handlers: Handlers) -> Result<Self, HostError> {
        let image = rom::image().map_err(HostError::Other)?;
        let dir = std::env::temp_dir().join(format!(
            "apic-qemu-{}-{}",
            std::process::id(),
            RUNS.fetch_add(1, Ordering::Relaxed)
        ));
        let io = |e: std::io::Error| HostError::Other(format!("{}: {e}", dir.display()));
        std::fs::create_dir_all(&dir).map_err(io)?;
        let bios = dir.join("bios.bin");
        std::fs::write(&bios, image).map_err(io)?;
        let serial_path = dir.join("serial.sock");
        let qmp_path = dir.join("qmp.sock");
        let serial_l = UnixListener::bind(&serial_path).map_err(io)?;
        let qmp_l = UnixListener::bind(&qmp_path).map_err(io)?;
        let bin = binary();
        let mut child = Command::new(&bin)
            .args(["-accel", "tcg", "-machine", "pc", "-cpu", "qemu64", "-smp", "1"])
            .args(["-m", "16", "-nodefaults", "-display", "none", "-no-reboot"])
            .arg("-bios")
            .arg(&bios)
            .arg("-chardev")
            .arg(format!("socket,id=ser,path={}", serial_path.display()))
            .args(["-serial", "chardev:ser"])
            .arg("-chardev")
            .arg(format!("socket,id=qmp,path={}", qmp_path.display()))
            .args(["-mon", "chardev=qmp,mode=control"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| {
                let _ = std::fs::remove_dir_all(&dir);
                HostError::Unsupported(format!(
                    "cannot start {bin}: {e} (install Debian's qemu-system-x86; `scripts/tools.sh test` does)"
                ))
            })?;
        let serial = accept(&serial_l, &mut child, "serial port");
        let qmp = accept(&qmp_l, &mut child, "QMP socket");
        let (serial, qmp) = match (serial, qmp) {
            (Ok(s), Ok(q)) => (s, q),
            (Err(e), _) | (_, Err(e)) => {
                let _ = child.kill();
                let _ = child.wait();
                let _ = std::fs::remove_dir_all(&dir);
                return Err(e);
            }
        };
        let mut q = Qemu {
            child,
            dir,
            serial,
            qmp: BufReader::new(qmp),
            version: String::new(),
            handlers,
            last: empty_state(),
            halted: false,
            armed: false,
        };
        let other = |e: RunError| HostError::Other(e.to_string());
        q.version = q.qmp_greeting().map_err(other)?;
        let (_, _, state) = q.until_report("boot").map_err(other)?;
        q.last = state;
        if handlers == Handlers::Manual {
            q.command("handlers", op::EOI_FLAG, 0, 0, 0).map_err(other)?;
            let (_, _, state) = q.until_report("handlers").map_err(other)?;
            q.last = state;
        }
        Ok(q)
    }

    /// The state after boot (before any step).
    pub fn state(&self) -> &VcpuState {
        &self.last
    }

    fn command(&mut self, what: &str, code: u8, a: u32, b: u32, c: u32) -> Result<(), RunError> {
        let mut bytes = vec![code];
        for v in [a, b, c] {
            bytes.extend_from_slice(&v.to_le_bytes());
        }
        self.serial
            .write_all(&bytes)
            .map_err(|e| qerr(what, format!("writing to the guest's serial port: {e}")))
    }

    /// One byte from the guest within `limit`; `None` when nothing came.
    fn byte_within(&mut self, what: &str, limit: Duration) -> Result<Option<u8>, RunError> {
        self.serial
            .set_read_timeout(Some(limit))
            .map_err(|e| qerr(what, e.to_string()))?;
        let mut b = [0u8; 1];
        match self.serial.read(&mut b) {
            Ok(1) => Ok(Some(b[0])),
            Ok(_) => Err(qerr(what, format!("QEMU closed the serial port{}", self.exit_note()))),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => Ok(None),
            Err(e) => Err(qerr(what, format!("reading the serial port: {e}"))),
        }
    }

    fn byte(&mut self, what: &str) -> Result<u8, RunError> {
        self.byte_within(what, STEP_LIMIT)?.ok_or_else(|| {
            qerr(
                what,
                format!(
                    "the guest did not answer within {} s{}",
                    STEP_LIMIT.as_secs(),
                    self.exit_note()
                ),
            )
        })
    }

    fn word(&mut self, what: &str) -> Result<u32, RunError> {
        let mut v = [0u8; 4];
        for b in &mut v {
            *b = self.byte(what)?;
        }
        Ok(u32::from_le_bytes(v))
    }

    fn exit_note(&mut self) -> String {
        match self.child.try_wait() {
            Ok(Some(status)) => format!(" (QEMU exited: {status})"),
            _ => String::new(),
        }
    }

    /// Reads the guest's messages up to a report: the interrupts it took,
    /// the values it read, the state.
    fn until_report(&mut self, what: &str) -> Result<(Vec<Delivery>, Vec<u32>, VcpuState), RunError> {
        let mut deliveries = Vec::new();
        let mut values = Vec::new();
        loop {
            match self.byte(what)? {
                b'S' => {
                    let state = self.report(what)?;
                    return Ok((deliveries, values, state));
                }
                other => self.message(what, other, &mut deliveries, &mut values)?,
            }
        }
    }

    /// A message other than a report.
    fn message(
        &mut self,
        what: &str,
        tag: u8,
        deliveries: &mut Vec<Delivery>,
        values: &mut Vec<u32>,
    ) -> Result<(), RunError> {
        match tag {
            b'I' => {
                let vector = self.byte(what)?;
                deliveries.push(Delivery {
                    vector,
                    eoi: self.handlers == Handlers::AutoEoi,
                    in_handler: self.last.clone(),
                });
            }
            b'N' => deliveries.push(Delivery {
                vector: 2,
                eoi: false,
                in_handler: self.last.clone(),
            }),
            b'V' => values.push(self.word(what)?),
            b'X' => {
                let vector = self.byte(what)?;
                return Err(qerr(
                    what,
                    format!("the guest took exception {vector} and stopped"),
                ));
            }
            b'?' => return Err(qerr(what, "the guest did not know the command")),
            other => {
                return Err(qerr(
                    what,
                    format!("unexpected byte {other:#04x} from the guest"),
                ))
            }
        }
        Ok(())
    }

    /// The words of a report, after its `'S'`.
    fn report(&mut self, what: &str) -> Result<VcpuState, RunError> {
        let mut words = [0u32; REPORT_WORDS];
        for w in &mut words {
            *w = self.word(what)?;
        }
        let mut page = vec![0u8; 0x400];
        let offsets = REPORTED.iter().chain(std::iter::once(&reg::LVT_ERROR));
        for (off, v) in offsets.zip(words.iter().skip(3)) {
            let at = usize::from(*off);
            if let Some(slot) = page.get_mut(at..at + 4) {
                slot.copy_from_slice(&v.to_le_bytes());
            }
        }
        Ok(VcpuState {
            lapic: Lapic::from_bytes(page),
            rflags: u64::from(words[0]),
            rip: 0,
            cs: 0,
            mp_state: MpState::Runnable,
            apic_base: u64::from(words[2]) << 32 | u64::from(words[1]),
            tsc_deadline: 0,
            nmi_masked: false,
            nmi_pending: false,
        })
    }

    // --- QMP ---

    fn qmp_line(&mut self, what: &str) -> Result<serde_json::Value, RunError> {
        self.qmp
            .get_ref()
            .set_read_timeout(Some(STEP_LIMIT))
            .map_err(|e| qerr(what, e.to_string()))?;
        let mut line = String::new();
        match self.qmp.read_line(&mut line) {
            Ok(0) => Err(qerr(what, format!("QEMU closed QMP{}", self.exit_note()))),
            Ok(_) => serde_json::from_str(&line)
                .map_err(|e| qerr(what, format!("QMP sent {line:?}: {e}"))),
            Err(e) => Err(qerr(what, format!("reading QMP: {e}"))),
        }
    }

    fn qmp_greeting(&mut self) -> Result<String, RunError> {
        let g = self.qmp_line("QMP greeting")?;
        // serde_json's `pointer` never panics; a missing part shows as "?".
        let part = |p: &str| {
            g.pointer(p)
                .map_or_else(|| "?".to_string(), |v| v.to_string().trim_matches('"').to_string())
        };
        let version = format!(
            "{}.{}.{} ({})",
            part("/QMP/version/qemu/major"),
            part("/QMP/version/qemu/minor"),
            part("/QMP/version/qemu/micro"),
            part("/QMP/version/package").trim()
        );
        self.qmp_execute("qmp_capabilities", serde_json::json!({}))?;
        Ok(version)
    }

    /// Runs a QMP command and returns its `return` value (events skipped).
    fn qmp_execute(
        &mut self,
        command: &str,
        arguments: serde_json::Value,
    ) -> Result<serde_json::Value, RunError> {
        let msg = serde_json::json!({ "execute": command, "arguments": arguments });
        let mut text = msg.to_string();
        text.push('\n');
        self.qmp
            .get_mut()
            .write_all(text.as_bytes())
            .map_err(|e| qerr(command, format!("writing QMP: {e}")))?;
        loop {
            let v = self.qmp_line(command)?;
            if let Some(r) = v.get("return") {
                return Ok(r.clone());
            }
            if let Some(e) = v.get("error") {
                return Err(qerr(command, format!("QMP error: {e}")));
            }
        }
    }

    /// Whether the vCPU is halted: `info registers` prints `HLT=1`
    /// (target/i386/cpu-dump.c, x86_cpu_dump_state()).
    fn vcpu_halted(&mut self) -> Result<bool, RunError> {
        let r = self.qmp_execute(
            "human-monitor-command",
            serde_json::json!({ "command-line": "info registers" }),
        )?;
        Ok(r.as_str().is_some_and(|s| s.contains("HLT=1")))
    }

    // --- Operations ---

    fn guest(&mut self, op: &Op, code: u8, a: u32, b: u32, c: u32) -> Result<StepReport, RunError> {
        let what = op.to_string();
        self.command(&what, code, a, b, c)?;
        let (deliveries, results, state) = self.until_report(&what)?;
        Ok(self.report_of(*op, deliveries, results, Vec::new(), state, StepEnd::Parked))
    }

    fn report_of(
        &mut self,
        op: Op,
        deliveries: Vec<Delivery>,
        results: Vec<u32>,
        notes: Vec<String>,
        state: VcpuState,
        end: StepEnd,
    ) -> StepReport {
        self.last = state.clone();
        StepReport {
            op,
            performed: true,
            deliveries,
            results,
            end,
            nmi_unmasked_by_host: false,
            notes,
            state,
        }
    }

    /// `hlt`: the guest reports, says `'H'` and halts; either it wakes (an
    /// interrupt) and reports again, or QMP finds the vCPU halted.
    fn hlt(&mut self, op: &Op) -> Result<StepReport, RunError> {
        let what = op.to_string();
        self.command(&what, op::HLT, 0, 0, 0)?;
        let (mut deliveries, mut results, before) = self.until_report(&what)?;
        match self.byte(&what)? {
            b'H' => {}
            other => {
                return Err(qerr(
                    &what,
                    format!("expected 'H' before hlt, got {other:#04x}"),
                ))
            }
        }
        let end = Instant::now() + STEP_LIMIT;
        loop {
            if let Some(tag) = self.byte_within(&what, Duration::from_millis(5))? {
                // Woken: the rest up to its report.
                if tag == b'S' {
                    let state = self.report(&what)?;
                    return Ok(self.report_of(*op, deliveries, results, Vec::new(), state, StepEnd::Parked));
                }
                self.message(&what, tag, &mut deliveries, &mut results)?;
                let (more, values, state) = self.until_report(&what)?;
                deliveries.extend(more);
                results.extend(values);
                return Ok(self.report_of(*op, deliveries, results, Vec::new(), state, StepEnd::Parked));
            }
            if self.vcpu_halted()? {
                self.halted = true;
                let mut state = before;
                state.mp_state = MpState::Halted;
                let note = "registers as the guest read them right before hlt; the runner \
                            injects nothing into a halted vCPU, so nothing changes them"
                    .to_string();
                return Ok(self.report_of(*op, deliveries, results, vec![note], state, StepEnd::Halted));
            }
            if Instant::now() > end {
                return Err(qerr(&what, "the guest neither halted nor reported"));
            }
        }
    }

    /// An MSI from the guest itself: a 32-bit write to the APIC page's
    /// offset 0, which QEMU's `apic_mem_write()` turns into
    /// `apic_send_msi()` (`if (addr > 0xfff || !index)`), the path of every
    /// I/O APIC and PCI message: `apic_deliver_irq()` ->
    /// `apic_bus_deliver()`. The destination is the vCPU's APIC ID in
    /// address bits 19:12 (physical mode).
    fn msi(&mut self, op: &Op, data: u32) -> Result<StepReport, RunError> {
        let what = op.to_string();
        if self.halted {
            return Err(refused(
                &what,
                "the vCPU is halted: this runner sends outside interrupts from the guest itself \
                 (an MSI write), which a halted vCPU cannot do",
            ));
        }
        let id = self.last.lapic.id() >> 24 & 0xff;
        let address = APIC_BASE_ADDR as u32 | id << 12;
        self.guest(op, op::WRITE, address, data, 0)
    }

    /// The timer runs out now: the guest writes initial count 1 and reads
    /// the current count until it is 0; then two QMP round trips make sure
    /// QEMU's main loop has run the expired timer (`apic_timer()` runs from
    /// `qemu_clock_run_all_timers()` in `main_loop_wait()`, util/main-loop.c,
    /// after the file descriptors it waited on), and a report follows.
    fn timer_fire(&mut self, op: &Op) -> Result<StepReport, RunError> {
        let what = op.to_string();
        if self.halted {
            return Err(refused(
                &what,
                "the vCPU is halted: this runner makes the timer run out from the guest, which a \
                 halted vCPU cannot do",
            ));
        }
        let lvt = self.last.lapic.lvt_timer();
        match lvt >> 17 & 3 {
            0 => {}
            1 => {
                return Err(refused(
                    &what,
                    "a periodic timer: with initial count 1 it would fire without end",
                ))
            }
            _ => {
                return Err(refused(
                    &what,
                    "TSC-deadline mode: QEMU's own APIC under TCG has no TSC-deadline timer",
                ))
            }
        }
        if !self.armed {
            return Err(refused(
                &what,
                "no timer_initial was written since the timer last ran out; the runner fires \
                 only an armed timer",
            ));
        }
        let base = APIC_BASE_ADDR as u32;
        self.command(
            &what,
            op::TIMER,
            base + u32::from(reg::TIMER_INITIAL),
            1,
            base + u32::from(reg::TIMER_CURRENT),
        )?;
        let mut deliveries = Vec::new();
        let mut results = Vec::new();
        loop {
            match self.byte(&what)? {
                b'T' => break,
                other => self.message(&what, other, &mut deliveries, &mut results)?,
            }
        }
        self.armed = false;
        for _ in 0..2 {
            self.qmp_execute("query-status", serde_json::json!({}))?;
        }
        self.command(&what, op::NOP, 0, 0, 0)?;
        let (more, values, state) = self.until_report(&what)?;
        deliveries.extend(more);
        results.extend(values);
        let note = "the guest wrote initial count 1 and waited for the current count to reach 0"
            .to_string();
        Ok(self.report_of(*op, deliveries, results, vec![note], state, StepEnd::Parked))
    }
}

impl Target for Qemu {
    fn step(&mut self, op: Op) -> Result<StepReport, RunError> {
        let what = op.to_string();
        match op {
            Op::Guest(g) if self.halted && g != GuestOp::Nop => Err(refused(
                &what,
                "the vCPU is halted and cannot run a guest operation",
            )),
            Op::Guest(GuestOp::WriteApic { offset, value }) => {
                if offset == reg::TIMER_INITIAL {
                    self.armed = value != 0;
                }
                let addr = APIC_BASE_ADDR as u32 + u32::from(offset);
                self.guest(&op, op::WRITE, addr, value, 0)
            }
            Op::Guest(GuestOp::ReadApic { offset }) => {
                let addr = APIC_BASE_ADDR as u32 + u32::from(offset);
                self.guest(&op, op::READ, addr, 0, 0)
            }
            Op::Guest(GuestOp::WriteMsr { msr, value }) => {
                self.guest(&op, op::WRMSR, msr, value as u32, (value >> 32) as u32)
            }
            Op::Guest(GuestOp::ReadMsr { msr }) => self.guest(&op, op::RDMSR, msr, 0, 0),
            Op::Guest(GuestOp::Cli) => self.guest(&op, op::CLI, 0, 0, 0),
            Op::Guest(GuestOp::Sti) => self.guest(&op, op::STI, 0, 0, 0),
            Op::Guest(GuestOp::Nop) => self.guest(&op, op::NOP, 0, 0, 0),
            Op::Guest(GuestOp::Hlt) => self.hlt(&op),
            Op::Host(HostEvent::Irq { vector, trigger }) => {
                // MSI data: vector 7:0, delivery mode fixed (000), level
                // (bit 14) and trigger mode (bit 15) (SDM 10.11.2).
                let data = u32::from(vector)
                    | match trigger {
                        Trigger::Edge => 0,
                        Trigger::Level => 1 << 15 | 1 << 14,
                    };
                self.msi(&op, data)
            }
            // Delivery mode NMI (100b): apic_bus_deliver(), APIC_DM_NMI:
            // cpu_interrupt(CPU_INTERRUPT_NMI), as for an NMI IPI.
            Op::Host(HostEvent::Nmi) => self.msi(&op, 0x400),
            Op::Host(HostEvent::TimerFire) => self.timer_fire(&op),
            Op::Host(HostEvent::Init | HostEvent::Sipi { .. }) => Err(refused(
                &what,
                "INIT and SIPI: this runner's only vCPU is QEMU's boot CPU, which INIT resets \
                 to the firmware's reset vector",
            )),
            Op::Host(_) => Err(refused(&what, "not an event this runner can send")),
        }
    }
}

/// A state before the first report.
fn empty_state() -> VcpuState {
    VcpuState {
        lapic: Lapic::from_bytes(vec![0; 0x400]),
        rflags: 0,
        rip: 0,
        cs: 0,
        mp_state: MpState::Runnable,
        apic_base: 0,
        tsc_deadline: 0,
        nmi_masked: false,
        nmi_pending: false,
    }
}
