//! One QEMU process under TCG running the guest of `rom.rs`, driven one
//! operation at a time over its serial ports, with QMP beside it.
//!
//! QEMU connects to three Unix sockets this side listens on: COM1 (the
//! scenario CPU's commands and reports), COM2 (the sender CPU, which sends
//! the outside events) and QMP (the version, whether the scenario CPU is
//! halted, its registers while it is, and a main-loop round trip after a
//! timer runs out). Every wait is bounded: a read that times out, a
//! guest that faults or QEMU that exits becomes a [`RunError`] naming the
//! operation.
//!
//! Why `-accel tcg,thread=single`: one thread runs both vCPUs in turn, and
//! an interrupt for the scenario CPU makes the sender leave its turn
//! (`cpu_interrupt()` -> `rr_kick_vcpu_thread()` -> `cpu_exit()`,
//! accel/tcg/tcg-accel-ops-rr.c), so the scenario CPU has taken its turn
//! (woken and reported, or stayed halted) before the sender answers `'A'`.
//! Whether it stays halted is then a fact, not a race: the host reads what
//! it sent before that answer, and asks QMP.

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
    sender: UnixStream,
    qmp: BufReader<UnixStream>,
    /// `major.minor.micro (package)` from the QMP greeting.
    pub version: String,
    handlers: Handlers,
    last: VcpuState,
    /// The scenario's CPU is halted or waiting for SIPI.
    halted: bool,
    /// A timer_initial != 0 was written since the last expiry.
    armed: bool,
    /// The scenario runs on the AP (APIC ID 1), QEMU's CPU 1.
    on_ap: bool,
    /// The last event was an INIT: TMR was cleared (`apic_init_reset()`).
    reset: bool,
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
        .map_err(|e| HostError::Qemu(format!("{what}: {e}")))?;
    let end = Instant::now() + START_LIMIT;
    loop {
        match l.accept() {
            Ok((s, _)) => {
                s.set_nonblocking(false)
                    .map_err(|e| HostError::Qemu(format!("{what}: {e}")))?;
                return Ok(s);
            }
            Err(e) if e.kind() == ErrorKind::WouldBlock => {}
            Err(e) => return Err(HostError::Qemu(format!("{what}: {e}"))),
        }
        if let Ok(Some(status)) = child.try_wait() {
            let mut err = String::new();
            if let Some(mut s) = child.stderr.take() {
                let _ = s.read_to_string(&mut err);
            }
            return Err(HostError::Qemu(format!(
                "QEMU exited ({status}) before connecting its {what}: {}",
                err.trim()
            )));
        }
        if Instant::now() > end {
            return Err(HostError::Qemu(format!(
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
    /// Starts QEMU (TCG in one thread, two CPUs, no disk, our firmware)
    /// and reads the scenario CPU's first report and the sender's `'R'`.
    pub fn new(handlers: Handlers, on_ap: bool) -> Result<Self, HostError> {
        let image = rom::image(on_ap).map_err(HostError::Other)?;
        let dir = std::env::temp_dir().join(format!(
            "apic-qemu-{}-{}",
            std::process::id(),
            RUNS.fetch_add(1, Ordering::Relaxed)
        ));
        let io = |e: std::io::Error| HostError::Qemu(format!("{}: {e}", dir.display()));
        std::fs::create_dir_all(&dir).map_err(io)?;
        let bios = dir.join("bios.bin");
        std::fs::write(&bios, image).map_err(io)?;
        let serial_path = dir.join("serial.sock");
        let sender_path = dir.join("sender.sock");
        let qmp_path = dir.join("qmp.sock");
        let serial_l = UnixListener::bind(&serial_path).map_err(io)?;
        let sender_l = UnixListener::bind(&sender_path).map_err(io)?;
        let qmp_l = UnixListener::bind(&qmp_path).map_err(io)?;
        let bin = binary();
        let mut child = Command::new(&bin)
            .args(["-accel", "tcg,thread=single", "-machine", "pc", "-cpu", "qemu64"])
            .args(["-smp", "2"])
            .args(["-m", "16", "-nodefaults", "-display", "none", "-no-reboot"])
            .arg("-bios")
            .arg(&bios)
            .arg("-chardev")
            .arg(format!("socket,id=ser,path={}", serial_path.display()))
            .args(["-serial", "chardev:ser"])
            .arg("-chardev")
            .arg(format!("socket,id=ser2,path={}", sender_path.display()))
            .args(["-serial", "chardev:ser2"])
            .arg("-chardev")
            .arg(format!("socket,id=qmp,path={}", qmp_path.display()))
            .args(["-mon", "chardev=qmp,mode=control"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| {
                let _ = std::fs::remove_dir_all(&dir);
                HostError::Qemu(format!(
                    "cannot start {bin}: {e} (install Debian's qemu-system-x86; `scripts/tools.sh test` does)"
                ))
            })?;
        let serial = accept(&serial_l, &mut child, "serial port");
        let sender = accept(&sender_l, &mut child, "second serial port");
        let qmp = accept(&qmp_l, &mut child, "QMP socket");
        let (serial, sender, qmp) = match (serial, sender, qmp) {
            (Ok(s), Ok(h), Ok(q)) => (s, h, q),
            (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => {
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
            sender,
            qmp: BufReader::new(qmp),
            version: String::new(),
            handlers,
            last: empty_state(),
            halted: false,
            armed: false,
            on_ap,
            reset: false,
        };
        let other = |e: RunError| HostError::Qemu(e.to_string());
        q.version = q.qmp_greeting().map_err(other)?;
        let (_, _, state) = q.until_report("boot").map_err(other)?;
        let ready = q.sender_byte("boot").map_err(other)?;
        expect("boot", "the sender CPU", ready, b'R').map_err(other)?;
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
        self.serial
            .write_all(&encode(code, a, b, c))
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

    /// One byte from the sender CPU (COM2).
    fn sender_byte(&mut self, what: &str) -> Result<u8, RunError> {
        self.sender
            .set_read_timeout(Some(STEP_LIMIT))
            .map_err(|e| qerr(what, e.to_string()))?;
        let mut b = [0u8; 1];
        match self.sender.read(&mut b) {
            Ok(1) => Ok(b[0]),
            Ok(_) => Err(qerr(what, format!("QEMU closed the second serial port{}", self.exit_note()))),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => Err(qerr(
                what,
                format!("the sender CPU did not answer within {} s", STEP_LIMIT.as_secs()),
            )),
            Err(e) => Err(qerr(what, format!("reading the second serial port: {e}"))),
        }
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
        self.until_report_from(what, None)
    }

    /// [`Self::until_report`] when its first byte, `first`, is already read.
    fn until_report_from(
        &mut self,
        what: &str,
        mut first: Option<u8>,
    ) -> Result<(Vec<Delivery>, Vec<u32>, VcpuState), RunError> {
        let mut deliveries = Vec::new();
        let mut values = Vec::new();
        loop {
            let tag = match first.take() {
                Some(t) => t,
                None => self.byte(what)?,
            };
            match tag {
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
    fn vcpu_halted(&mut self) -> Result<Option<String>, RunError> {
        // Each human-monitor-command has a monitor of its own, so `cpu N`
        // would not carry over: `-a` shows every CPU, `CPU#N` first.
        let r = self.qmp_execute(
            "human-monitor-command",
            serde_json::json!({ "command-line": "info registers -a" }),
        )?;
        let all = r.as_str().unwrap_or_default();
        let mark = format!("CPU#{}", self.cpu_index());
        let text = all
            .split_once(mark.as_str())
            .map(|(_, rest)| rest.split("CPU#").next().unwrap_or_default())
            .ok_or_else(|| qerr("info registers", format!("no {mark} in {all:?}")))?;
        Ok(text.contains("HLT=1").then(|| text.to_string()))
    }

    /// QEMU's index of the scenario CPU, which is also its initial APIC ID.
    fn cpu_index(&self) -> u32 {
        u32::from(self.on_ap)
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
        let (deliveries, results, _before) = self.until_report(&what)?;
        let said = self.byte(&what)?;
        expect(&what, "the guest", said, b'H')?;
        self.after_halt(op, deliveries, results)
    }

    /// An outside event: the sender CPU writes an MSI to the APIC page's
    /// offset 0, which QEMU's `apic_mem_write()` turns into
    /// `apic_send_msi()` (`if (addr > 0xfff || !index)`), the path of every
    /// I/O APIC and PCI message: `apic_deliver_irq()` ->
    /// `apic_bus_deliver()`. The destination is the scenario CPU's APIC ID in
    /// address bits 19:12 (physical mode). When the sender answers, the
    /// scenario CPU has had its turn (see the module's text): a running one
    /// then reports on the next command; a halted one either woke (what it
    /// sent is already there) or stays halted (QMP says so), and QMP's
    /// `info lapic` gives its registers.
    fn msi(&mut self, op: &Op, data: u32) -> Result<StepReport, RunError> {
        let address = APIC_BASE_ADDR as u32 | self.apic_id() << 12;
        self.outside(op, &[(address, data)], false)
    }

    /// The scenario CPU's APIC ID, from its last report.
    fn apic_id(&self) -> u32 {
        self.last.lapic.id() & 0xff
    }

    /// An IPI from the sender CPU: its ICR high half (the scenario CPU's
    /// APIC ID), then the low half, whose write sends it (`apic_deliver()`;
    /// a start-up IPI has no MSI form in QEMU: `apic_bus_deliver()` drops
    /// delivery mode 110b). `writes` go first (a SIPI trampoline).
    fn ipi(&mut self, op: &Op, writes: &[(u32, u32)], icr_low: u32) -> Result<StepReport, RunError> {
        let base = APIC_BASE_ADDR as u32;
        let mut all = writes.to_vec();
        all.push((base + u32::from(reg::ICR_HIGH), self.apic_id() << 24));
        all.push((base + u32::from(reg::ICR_LOW), icr_low));
        let init = matches!(op, Op::Host(HostEvent::Init));
        if init {
            // apic_init_reset(): initial_count = 0, timer_del(s->timer).
            self.armed = false;
        }
        self.outside(op, &all, init)
    }

    /// The sender CPU performs `writes`; then the scenario CPU has had its
    /// turn. A running CPU reports on the next command, unless `reset`
    /// (INIT) sent it back to the firmware (a BSP, which reports again) or
    /// into wait-for-SIPI (an AP); a halted or waiting one either woke
    /// (what it sent is already there) or did not (QMP says so).
    fn outside(&mut self, op: &Op, writes: &[(u32, u32)], reset: bool) -> Result<StepReport, RunError> {
        let what = op.to_string();
        for (address, data) in writes {
            self.sender
                .write_all(&encode(op::WRITE, *address, *data, 0))
                .map_err(|e| qerr(&what, format!("writing to the sender CPU: {e}")))?;
            let answer = self.sender_byte(&what)?;
            expect(&what, "the sender CPU", answer, b'A')?;
        }
        if !self.halted && !reset {
            return self.guest(op, op::NOP, 0, 0, 0);
        }
        self.reset = reset;
        self.after_halt(op, Vec::new(), Vec::new())
    }

    /// The scenario CPU was halted and has had its turn: it woke (its messages
    /// and report follow) or it stays halted.
    fn after_halt(
        &mut self,
        op: &Op,
        mut deliveries: Vec<Delivery>,
        mut results: Vec<u32>,
    ) -> Result<StepReport, RunError> {
        let what = op.to_string();
        let end = Instant::now() + STEP_LIMIT;
        loop {
            if let Some(tag) = self.byte_within(&what, Duration::from_millis(5))? {
                self.halted = false;
                let (more, values, state) = self.until_report_from(&what, Some(tag))?;
                deliveries.extend(more);
                results.extend(values);
                return Ok(self.report_of(*op, deliveries, results, Vec::new(), state, StepEnd::Parked));
            }
            if let Some(registers) = self.vcpu_halted()? {
                self.halted = true;
                let state = self.halted_state(&what, &registers)?;
                let note = "the vCPU is halted or waits for SIPI: its APIC registers as QMP's info lapic shows them \
                            (TMR: the previous report's, with the bits of IRR and ISR vectors as \
                            marked \"(level)\")"
                    .to_string();
                return Ok(self.report_of(*op, deliveries, results, vec![note], state, StepEnd::Halted));
            }
            if Instant::now() > end {
                return Err(qerr(&what, "the guest neither halted nor reported"));
            }
        }
    }

    /// The registers of the halted scenario CPU: `info lapic` (see
    /// [`info_lapic`]; after an INIT over a cleared TMR, as
    /// `apic_init_reset()` clears it) and EFLAGS and wait-for-SIPI from
    /// `info registers` ([`info_registers`]). The ID and IA32_APIC_BASE are
    /// the last report's: only a write changes them (INIT keeps both).
    fn halted_state(&mut self, what: &str, registers: &str) -> Result<VcpuState, RunError> {
        let r = self.qmp_execute(
            "human-monitor-command",
            serde_json::json!({ "command-line": format!("info lapic {}", self.cpu_index()) }),
        )?;
        let text = r.as_str().unwrap_or_default();
        let mut prev = self.last.clone();
        if std::mem::take(&mut self.reset) {
            // apic_init_reset(): memset(s->tmr, 0, sizeof(s->tmr)).
            let mut page = prev.lapic.page().to_vec();
            let tmr = usize::from(reg::TMR);
            if let Some(t) = page.get_mut(tmr..tmr + 0x80) {
                t.fill(0);
            }
            prev.lapic = Lapic::from_bytes(page);
        }
        let mut state = info_lapic(text, &prev).map_err(|e| qerr(what, e))?;
        let (eflags, waiting) = info_registers(registers).map_err(|e| qerr(what, e))?;
        state.rflags = u64::from(eflags);
        state.mp_state = if waiting {
            MpState::InitReceived
        } else {
            MpState::Halted
        };
        Ok(state)
    }

    /// The timer runs out now: the guest writes initial count 1 and reads
    /// the current count until it is 0; then two QMP round trips make sure
    /// QEMU's main loop has run the expired timer (`apic_timer()` runs from
    /// `qemu_clock_run_all_timers()` in `main_loop_wait()`, util/main-loop.c,
    /// after the file descriptors it waited on), and a report follows.
    fn timer_fire(&mut self, op: &Op) -> Result<StepReport, RunError> {
        let what = op.to_string();
        if !self.armed {
            // Nothing to expire, in any mode and on a halted vCPU too.
            let note = "no timer_initial was written since the timer last ran out or since INIT: \
                        QEMU's timer is not running (apic_next_timer() is false for initial count \
                        0 and for a one-shot count that ran out), so nothing expires"
                .to_string();
            if !self.halted {
                let mut r = self.guest(op, op::NOP, 0, 0, 0)?;
                r.notes.push(note);
                return Ok(r);
            }
            let registers = self
                .vcpu_halted()?
                .ok_or_else(|| qerr(&what, "the vCPU was halted and no longer is"))?;
            let state = self.halted_state(&what, &registers)?;
            return Ok(self.report_of(*op, Vec::new(), Vec::new(), vec![note], state, StepEnd::Halted));
        }
        if self.halted {
            return Err(refused(
                &what,
                "the vCPU is halted or waits for SIPI: this runner makes the timer run out from the \
                 guest, which such a vCPU cannot do",
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
            // INIT, level assert (ICR 0x4500), as the kernel sends it.
            Op::Host(HostEvent::Init) => self.ipi(&op, &[], 0x4500),
            // The SIPI page starts with `jmp far 0xf000:0000` (EA 00 00 00
            // F0 00), into this firmware's start.
            Op::Host(HostEvent::Sipi { vector }) => {
                let page = u32::from(vector) << 12;
                self.ipi(
                    &op,
                    &[(page, 0x0000_00ea), (page + 4, 0x0000_00f0)],
                    0x4600 | u32::from(vector),
                )
            }
            Op::Host(_) => Err(refused(&what, "not an event this runner can send")),
        }
    }
}

/// The registers `info lapic` shows (target/i386/cpu-dump.c,
/// x86_cpu_dump_local_apic_state()) over `prev`: the six LVTs, SPIV, ISR
/// and IRR (decimal vectors, `(level)` when the TMR bit is set), TPR and
/// PPR. TMR bits of vectors in neither IRR nor ISR are `prev`'s: a TMR bit
/// changes only when its vector is accepted (`apic_set_irq()`), which puts
/// it in IRR.
pub fn info_lapic(text: &str, prev: &VcpuState) -> Result<VcpuState, String> {
    let mut state = prev.clone();
    let mut page = state.lapic.page().to_vec();
    let set = |page: &mut Vec<u8>, off: u16, v: u32| {
        let at = usize::from(off);
        if let Some(slot) = page.get_mut(at..at + 4) {
            slot.copy_from_slice(&v.to_le_bytes());
        }
    };
    let bad = |line: &str| format!("cannot read info lapic line {line:?}");
    let hex = |t: Option<&str>| {
        t.and_then(|t| u32::from_str_radix(t.trim_start_matches("0x"), 16).ok())
    };
    let mut seen = 0;
    for line in text.lines() {
        let mut words = line.split_whitespace();
        let Some(name) = words.next() else { continue };
        let single = match name {
            "LVT0" => Some(reg::LVT_LINT0),
            "LVT1" => Some(reg::LVT_LINT1),
            "LVTPC" => Some(reg::LVT_PMC),
            "LVTERR" => Some(reg::LVT_ERROR),
            "LVTTHMR" => Some(reg::LVT_THERMAL),
            "LVTT" => Some(reg::LVT_TIMER),
            "SPIV" => Some(reg::SPIV),
            _ => None,
        };
        if let Some(off) = single {
            set(&mut page, off, hex(words.next()).ok_or_else(|| bad(line))?);
            seen += 1;
        } else if name == "ISR" || name == "IRR" {
            let base = if name == "ISR" { reg::ISR } else { reg::IRR };
            let mut bits = [0u32; 8];
            for w in words.filter(|w| *w != "(none)") {
                let level = w.ends_with("(level)");
                let v: u8 = w
                    .trim_end_matches("(level)")
                    .parse()
                    .map_err(|_| bad(line))?;
                let bit = 1u32 << (v % 32);
                if let Some(b) = bits.get_mut(usize::from(v / 32)) {
                    *b |= bit;
                }
                let tmr_off = reg::TMR + 0x10 * u16::from(v / 32);
                let at = usize::from(tmr_off);
                let tmr = page
                    .get(at..at + 4)
                    .and_then(|b| <[u8; 4]>::try_from(b).ok())
                    .map_or(0, u32::from_le_bytes);
                set(&mut page, tmr_off, if level { tmr | bit } else { tmr & !bit });
            }
            for (i, b) in (0u16..).zip(bits) {
                set(&mut page, base + 0x10 * i, b);
            }
            seen += 1;
        } else if name == "APR" {
            // APR 0x00 TPR 0x00 DFR 0x0f LDR 0x00 PPR 0x00
            let fields: Vec<&str> = line.split_whitespace().collect();
            for pair in fields.chunks(2) {
                if let [k, v] = pair {
                    let off = match *k {
                        "TPR" => reg::TPR,
                        "PPR" => reg::PPR,
                        _ => continue,
                    };
                    set(&mut page, off, hex(Some(v)).ok_or_else(|| bad(line))?);
                }
            }
            seen += 1;
        }
    }
    if seen != 10 {
        return Err(format!("info lapic did not show every register: {text:?}"));
    }
    state.lapic = Lapic::from_bytes(page);
    Ok(state)
}

/// From `info registers` (target/i386/cpu-dump.c, x86_cpu_dump_state()):
/// EFLAGS (`EFL=`), and whether the CPU sits at the reset vector in real
/// mode (`CS =f000`, `EIP=0000fff0`), which a halted CPU is only while it
/// waits for SIPI after INIT (an AP: `do_cpu_init()`, `x86_cpu_reset()`).
pub fn info_registers(text: &str) -> Result<(u32, bool), String> {
    let eflags = text
        .split_whitespace()
        .find_map(|w| w.strip_prefix("EFL="))
        .and_then(|v| u32::from_str_radix(v, 16).ok())
        .ok_or_else(|| format!("info registers shows no EFL=: {text:?}"))?;
    let waiting = text.contains("EIP=0000fff0") && text.contains("CS =f000");
    Ok((eflags, waiting))
}

/// A command: its byte, then a, b, c little-endian.
fn encode(code: u8, a: u32, b: u32, c: u32) -> Vec<u8> {
    let mut bytes = vec![code];
    for v in [a, b, c] {
        bytes.extend_from_slice(&v.to_le_bytes());
    }
    bytes
}

/// `got` from `who` must be `want`.
fn expect(what: &str, who: &str, got: u8, want: u8) -> Result<(), RunError> {
    if got == want {
        Ok(())
    } else {
        Err(qerr(
            what,
            format!(
                "{who} sent {got:#04x} instead of {:?}",
                char::from(want)
            ),
        ))
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

#[cfg(test)]
#[allow(clippy::indexing_slicing, clippy::panic)]
mod tests {
    use super::*;

    /// `info lapic` as QEMU 7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3)
    /// printed it for the halted boot CPU after SPIV = 0x1ff, TPR = 0x20,
    /// LINT1 = NMI and two MSIs, 0x41 level and 0x52 edge (tabs as
    /// printed).
    const HALTED: &str = "dumping local APIC state for CPU 0 \n\n\
LVT0\t 0x00010000 active-hi edge  masked                      Fixed  (vec 0)\n\
LVT1\t 0x00000400 active-hi edge                              NMI   \n\
LVTPC\t 0x00010000 active-hi edge  masked                      Fixed  (vec 0)\n\
LVTERR\t 0x00010000 active-hi edge  masked                      Fixed  (vec 0)\n\
LVTTHMR\t 0x00010000 active-hi edge  masked                      Fixed  (vec 0)\n\
LVTT\t 0x00010000 active-hi edge  masked         one-shot     Fixed  (vec 0)\n\
Timer\t DCR=0x0 (divide by 2) initial_count = 0 current_count = 0\n\
SPIV\t 0x000001ff APIC enabled, focus=off, spurious vec 255\n\
ICR\t 0x000046f0 physical edge assert no-shorthand\n\
ICR2\t 0x01000000 cpu 1 (APIC ID)\n\
ESR\t 0x00000000\n\
ISR\t (none)\n\
IRR\t 65(level) 82 \n\n\
APR 0x00 TPR 0x20 DFR 0x0f LDR 0x00 PPR 0x20\n";

    /// `info registers -a` of QEMU 7.2.22 for CPU 1 of two, an AP waiting
    /// for SIPI since RESET, as printed (CR LF).
    const WAITING: &str = "\r\nEAX=00000000 EBX=00000000 ECX=00000000 EDX=00060fb1\r\n\
ESI=00000000 EDI=00000000 EBP=00000000 ESP=00000000\r\n\
EIP=0000fff0 EFL=00000002 [-------] CPL=0 II=0 A20=1 SMM=0 HLT=1\r\n\
ES =0000 00000000 0000ffff 00009300\r\n\
CS =f000 ffff0000 0000ffff 00009b00\r\n";

    #[test]
    fn info_registers_tells_wait_for_sipi_from_halted() {
        assert_eq!(info_registers(WAITING), Ok((0x2, true)));
        let halted = WAITING
            .replace("EIP=0000fff0 EFL=00000002", "EIP=ffff0123 EFL=00000246")
            .replace("CS =f000 ffff0000", "CS =0008 00000000");
        assert_eq!(info_registers(&halted), Ok((0x246, false)));
        assert!(info_registers("HLT=1").is_err());
    }

    #[test]
    fn info_lapic_gives_the_halted_registers() {
        let mut prev = empty_state();
        // A TMR bit of a vector in neither IRR nor ISR stays; 0x52's, set
        // before, is cleared by its edge acceptance.
        let mut page = vec![0u8; 0x400];
        page[usize::from(reg::TMR)] = 0x01; // vector 0x00
        page[usize::from(reg::TMR + 0x20) + 2] = 0x04; // vector 0x52
        prev.lapic = Lapic::from_bytes(page);
        let s = info_lapic(HALTED, &prev).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(s.lapic.irr(), vec![0x41, 0x52]);
        assert!(s.lapic.isr().is_empty());
        assert_eq!(s.lapic.tmr(), vec![0x00, 0x41]);
        assert_eq!((s.lapic.tpr(), s.lapic.ppr()), (0x20, 0x20));
        assert_eq!(s.lapic.spiv(), 0x1ff);
        assert_eq!(s.lapic.lvt_lint1(), 0x400);
        assert_eq!(s.lapic.lvt_lint0(), 0x1_0000);
        assert_eq!(s.lapic.lvt_timer(), 0x1_0000);
        assert!(info_lapic("SPIV 0x1ff", &prev).is_err());
    }
}
