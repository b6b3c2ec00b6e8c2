//! The QEMU guest: a 64 KiB firmware image (`-bios`), hand-assembled here
//! one documented instruction at a time (encodings from the Intel SDM
//! volume 2 opcode tables), so nothing but this crate builds it.
//!
//! Why firmware: `-bios` makes our code the first the CPU runs after RESET,
//! so the local APIC is in QEMU's power-up state, untouched by SeaBIOS
//! (which software-enables it and programs LINT0 and LINT1). QEMU maps the
//! image just below 4 GiB; the CPU starts in real mode at 0xfffffff0.
//!
//! Why 32-bit protected mode: QEMU cannot preset a segment base the way the
//! KVM runner does, so the guest switches to flat 32-bit protected mode
//! (one GDT with 4 GiB code and data segments) and reaches the xAPIC page
//! at 0xfee00000 with plain `mov`s.
//!
//! Two CPUs run it: the scenario's CPU (QEMU's boot CPU, APIC ID 0, or for
//! an AP scenario the other one, APIC ID 1, which the BSP starts at boot
//! with INIT and SIPI) and the sender, the other CPU, which does nothing
//! but the writes the host asks for: an MSI, so a fixed interrupt or an NMI
//! reaches the scenario's CPU even while it is halted, through the very
//! path of an I/O APIC message (`apic_mem_write()` -> `apic_send_msi()`,
//! hw/intc/apic.c); its own ICR, for INIT and SIPI IPIs; a SIPI
//! trampoline in RAM.
//!
//! The scenario CPU's protocol runs over the first serial port (COM1, I/O
//! 0x3f8, polled); the sender's over COM2 (0x2f8): the same commands, of
//! which it runs only "write" (`mov [a], b`), answering `'A'`, after an
//! `'R'` when it is ready. A CPU that INIT and SIPI start again runs this
//! firmware from its start, as at boot, and reports.
//!
//! ```text
//! host -> guest   a command: op (1 byte), a, b, c (3 x u32, little-endian)
//! guest -> host   'S' report | 'V' u32 (a value read) | 'I' vector | 'N'
//!                 (an NMI) | 'X' vector (an exception: the guest stops) |
//!                 'H' (about to execute hlt) | 'T' (the timer ran out)
//! ```
//!
//! After boot and after every command the guest sends a report, `'S'`
//! followed by [`REPORT_WORDS`] u32: EFLAGS, IA32_APIC_BASE (low, high) and
//! the APIC registers of [`REPORTED`], read with MMIO in that order.
//! Interrupt vector `v` enters stub `v`, which pushes `v` and jumps to the
//! common handler; it sends `'I' v` and writes EOI when the EOI flag is set
//! (`"handlers": "auto_eoi"`), `'N'` for the NMI, or `'X' v` for an
//! exception (vectors 0..31 but 2), after which it halts with IF = 0.
//!
//! Before its first report the guest masks both 8259 PICs (OCW1 = 0xff on
//! ports 0x21 and 0xa1): after RESET QEMU's PIT ticks on IRQ0 and the PICs'
//! mask registers are clear, so an unmasked LINT0 (ExtINT) would otherwise
//! deliver the PIC's interrupts, which no scenario has.

use crate::lapic::reg;
use std::collections::BTreeMap;

/// The command bytes (`op`).
pub mod op {
    /// `mov [a], b`: a 32-bit MMIO write.
    pub const WRITE: u8 = 1;
    /// `mov eax, [a]`; answers `'V'` eax.
    pub const READ: u8 = 2;
    /// `wrmsr` with ECX = a, EAX = b, EDX = c.
    pub const WRMSR: u8 = 3;
    /// `rdmsr` with ECX = a; answers `'V'` eax, then `'V'` edx.
    pub const RDMSR: u8 = 4;
    /// `cli`.
    pub const CLI: u8 = 5;
    /// `sti; nop`.
    pub const STI: u8 = 6;
    /// A report, then `'H'`, then `hlt`; after a wakeup, a report.
    pub const HLT: u8 = 7;
    /// Nothing but the report.
    pub const NOP: u8 = 8;
    /// `mov [a], b` (timer initial count), then read `[c]` (current count)
    /// until it is 0; answers `'T'` and waits for the next command
    /// without a report.
    pub const TIMER: u8 = 9;
    /// The handlers write EOI when a != 0.
    pub const EOI_FLAG: u8 = 10;
    /// The highest op.
    pub const LAST: u8 = EOI_FLAG;
}

/// The APIC registers of a report, in order (SDM table 10-1). LVT CMCI
/// (0x2f0) is left out: QEMU's `apic_mem_read()` does not implement it and
/// sets ESR's illegal-register bit on every read (`default: s->esr |=
/// APIC_ESR_ILLEGAL_ADDRESS`).
pub const REPORTED: [u16; 33] = [
    reg::ID,
    reg::TPR,
    reg::PPR,
    reg::SPIV,
    reg::ISR,
    reg::ISR + 0x10,
    reg::ISR + 0x20,
    reg::ISR + 0x30,
    reg::ISR + 0x40,
    reg::ISR + 0x50,
    reg::ISR + 0x60,
    reg::ISR + 0x70,
    reg::TMR,
    reg::TMR + 0x10,
    reg::TMR + 0x20,
    reg::TMR + 0x30,
    reg::TMR + 0x40,
    reg::TMR + 0x50,
    reg::TMR + 0x60,
    reg::TMR + 0x70,
    reg::IRR,
    reg::IRR + 0x10,
    reg::IRR + 0x20,
    reg::IRR + 0x30,
    reg::IRR + 0x40,
    reg::IRR + 0x50,
    reg::IRR + 0x60,
    reg::IRR + 0x70,
    reg::LVT_TIMER,
    reg::LVT_THERMAL,
    reg::LVT_PMC,
    reg::LVT_LINT0,
    reg::LVT_LINT1,
];

/// u32s after `'S'`: EFLAGS, IA32_APIC_BASE low and high, then [`REPORTED`]
/// and LVT error (kept apart so the table stays one line per group).
pub const REPORT_WORDS: usize = 3 + REPORTED.len() + 1;

/// The serial ports' data registers (8250/16550); the line status register
/// is at +5. COM1 carries the scenario CPU's commands and reports, COM2 the
/// sender CPU's.
const COM1: u16 = 0x3f8;
const COM2: u16 = 0x2f8;

/// The labels of one port's routines: putc, putc_wait, getc, getc_wait,
/// get32, get32_loop.
struct SerialLabels([&'static str; 6]);

const COM1_LABELS: SerialLabels = SerialLabels([
    "putc",
    "putc_wait",
    "getc",
    "getc_wait",
    "get32",
    "get32_loop",
]);
const COM2_LABELS: SerialLabels = SerialLabels([
    "putc2",
    "putc2_wait",
    "getc2",
    "getc2_wait",
    "get32_2",
    "get32_2_loop",
]);

/// putc (AL out once the transmitter holding register is empty, LSR bit
/// 5; EAX and EDX kept), getc (AL in once a byte is there, LSR bit 0; only
/// AL changes) and get32 (four bytes, little-endian: each lands in AL and
/// is rotated to the top, so after four the first is at the bottom) for
/// the port at `base`. Each wait loop runs `pause`, which QEMU's TCG turns
/// into "let another CPU run" (`do_pause()`, target/i386/tcg/misc_helper.c),
/// so the two CPUs take turns at once instead of at the end of a time
/// slice.
fn serial_routines(a: &mut Asm, l: &SerialLabels, base: u16) {
    let [putc, putc_wait, getc, getc_wait, get32, get32_loop] = l.0;
    a.label(putc);
    a.b(&[0x52, 0x50]); // push edx; push eax
    a.mov_dx(base + 5);
    a.label(putc_wait);
    a.b(&[0xf3, 0x90]); // pause
    a.b(&[0xec]); // in al, dx
    a.b(&[0xa8, 0x20]); // test al, 0x20
    a.jz8(putc_wait);
    a.b(&[0x58]); // pop eax
    a.mov_dx(base);
    a.b(&[0xee]); // out dx, al
    a.b(&[0x5a, 0xc3]); // pop edx; ret

    a.label(getc);
    a.b(&[0x52]); // push edx
    a.mov_dx(base + 5);
    a.label(getc_wait);
    a.b(&[0xf3, 0x90]); // pause
    a.b(&[0xec]); // in al, dx
    a.b(&[0xa8, 0x01]); // test al, 1
    a.jz8(getc_wait);
    a.mov_dx(base);
    a.b(&[0xec]); // in al, dx
    a.b(&[0x5a, 0xc3]); // pop edx; ret

    a.label(get32);
    a.b(&[0x51]); // push ecx
    a.mov_ecx(4);
    a.label(get32_loop);
    a.call(getc);
    a.b(&[0xc1, 0xc8, 0x08]); // ror eax, 8
    a.loop8(get32_loop);
    a.b(&[0x59, 0xc3]); // pop ecx; ret
}

/// The image's size: QEMU's `-bios` wants a multiple of 64 KiB.
pub const SIZE: usize = 0x1_0000;
/// Where the image sits: its last byte is at 0xffffffff.
const BASE: u32 = 0xffff_0000;
/// The real-mode code segment after RESET has this base (CS = 0xf000).
const RESET_OFFSET: usize = 0xfff0;

/// SIPI vectors below this page would start a CPU on the RAM the firmware
/// uses (below 64 KiB).
pub const FIRST_FREE_PAGE: u8 = 0x10;

/// Guest RAM the code uses (QEMU's `-m` gives at least 16 MiB).
mod ram {
    /// The EOI flag byte.
    pub const EOI_FLAG: u32 = 0x500;
    /// Set once the BSP has masked the 8259s and started the other CPU.
    pub const BOOTED: u32 = 0x501;
    /// Set once the EOI flag has its first value.
    pub const EOI_SET: u32 = 0x502;
    /// The IDT: 256 gates of 8 bytes.
    pub const IDT: u32 = 0x1000;
    /// The scenario CPU's stack grows down from here.
    pub const STACK_TOP: u32 = 0x9000;
    /// The sender CPU's stack.
    pub const AP_STACK_TOP: u32 = 0x7000;
}

/// Each interrupt stub is this long: `push imm32` (5) + `jmp rel32` (5).
const STUB_SIZE: u32 = 16;

/// Selectors of the GDT below.
const CODE_SEL: u16 = 0x08;
const DATA_SEL: u16 = 0x10;

/// A label's use that is patched once every label is known.
enum Fixup {
    /// A 32-bit displacement relative to the end of the 4 bytes.
    Rel32,
    /// An 8-bit displacement relative to the end of the byte.
    Rel8,
    /// The label's absolute (linear) address.
    Abs32,
    /// The label's offset in the 16-bit reset segment (base 0xffff0000).
    Abs16,
}

/// A tiny x86 assembler for the image: code is emitted from offset 0 of
/// the image (linear 0xffff0000); labels may be used before they are set.
struct Asm {
    code: Vec<u8>,
    labels: BTreeMap<&'static str, u32>,
    fixups: Vec<(usize, &'static str, Fixup)>,
}

impl Asm {
    fn new() -> Self {
        Self {
            code: Vec::new(),
            labels: BTreeMap::new(),
            fixups: Vec::new(),
        }
    }

    fn here(&self) -> u32 {
        BASE + self.code.len() as u32
    }

    fn label(&mut self, name: &'static str) {
        let at = self.here();
        self.labels.insert(name, at);
    }

    fn b(&mut self, bytes: &[u8]) {
        self.code.extend_from_slice(bytes);
    }

    fn imm32(&mut self, v: u32) {
        self.b(&v.to_le_bytes());
    }

    fn use_label(&mut self, name: &'static str, kind: Fixup) {
        let width = match kind {
            Fixup::Rel8 => 1,
            Fixup::Abs16 => 2,
            Fixup::Rel32 | Fixup::Abs32 => 4,
        };
        self.fixups.push((self.code.len(), name, kind));
        self.code.extend(std::iter::repeat_n(0, width));
    }

    /// `call rel32` = E8 cd.
    fn call(&mut self, to: &'static str) {
        self.b(&[0xe8]);
        self.use_label(to, Fixup::Rel32);
    }

    /// `jmp rel32` = E9 cd.
    fn jmp(&mut self, to: &'static str) {
        self.b(&[0xe9]);
        self.use_label(to, Fixup::Rel32);
    }

    /// `jz rel8` = 74 cb.
    fn jz8(&mut self, to: &'static str) {
        self.b(&[0x74]);
        self.use_label(to, Fixup::Rel8);
    }

    /// `jnz rel8` = 75 cb.
    fn jnz8(&mut self, to: &'static str) {
        self.b(&[0x75]);
        self.use_label(to, Fixup::Rel8);
    }

    /// `je rel32` = 0F 84 cd.
    fn je(&mut self, to: &'static str) {
        self.b(&[0x0f, 0x84]);
        self.use_label(to, Fixup::Rel32);
    }

    /// `jne rel32` = 0F 85 cd.
    fn jne(&mut self, to: &'static str) {
        self.b(&[0x0f, 0x85]);
        self.use_label(to, Fixup::Rel32);
    }

    /// `jb rel32` = 0F 82 cd (unsigned below).
    fn jb(&mut self, to: &'static str) {
        self.b(&[0x0f, 0x82]);
        self.use_label(to, Fixup::Rel32);
    }

    /// `ja rel32` = 0F 87 cd (unsigned above).
    fn ja(&mut self, to: &'static str) {
        self.b(&[0x0f, 0x87]);
        self.use_label(to, Fixup::Rel32);
    }

    /// `loop rel8` = E2 cb (ECX in 32-bit code).
    fn loop8(&mut self, to: &'static str) {
        self.b(&[0xe2]);
        self.use_label(to, Fixup::Rel8);
    }

    /// `mov al, imm8` = B0 ib.
    fn mov_al(&mut self, v: u8) {
        self.b(&[0xb0, v]);
    }

    /// `mov ecx, imm32` = B8+1 id.
    fn mov_ecx(&mut self, v: u32) {
        self.b(&[0xb9]);
        self.imm32(v);
    }

    /// `mov dx, imm16` = 66 BA iw.
    fn mov_dx(&mut self, v: u16) {
        self.b(&[0x66, 0xba]);
        self.b(&v.to_le_bytes());
    }

    /// `call PUTC` with AL = `c`.
    fn putc(&mut self, c: u8) {
        self.mov_al(c);
        self.call("putc");
    }

    fn finish(mut self) -> Result<Vec<u8>, String> {
        for (at, name, kind) in std::mem::take(&mut self.fixups) {
            let target = *self
                .labels
                .get(name)
                .ok_or_else(|| format!("guest image: label {name} is never set"))?;
            let bytes: Vec<u8> = match kind {
                Fixup::Rel32 => {
                    let end = BASE.wrapping_add(at as u32 + 4);
                    target.wrapping_sub(end).to_le_bytes().to_vec()
                }
                Fixup::Rel8 => {
                    let end = BASE.wrapping_add(at as u32 + 1);
                    let d = target.wrapping_sub(end) as i32;
                    let d = i8::try_from(d)
                        .map_err(|_| format!("guest image: {name} is out of rel8 reach"))?;
                    vec![d as u8]
                }
                Fixup::Abs32 => target.to_le_bytes().to_vec(),
                Fixup::Abs16 => ((target - BASE) as u16).to_le_bytes().to_vec(),
            };
            if let Some(slot) = self.code.get_mut(at..at + bytes.len()) {
                slot.copy_from_slice(&bytes);
            }
        }
        if self.code.len() > RESET_OFFSET {
            return Err("guest image: the code overlaps the reset vector".into());
        }
        let mut image = self.code;
        image.resize(SIZE, 0xf4); // hlt everywhere else
        Ok(image)
    }
}

/// The firmware image; the scenario runs on the AP (APIC ID 1) when
/// `on_ap`, else on the BSP, and the other CPU is the sender.
pub fn image(on_ap: bool) -> Result<Vec<u8>, String> {
    let mut a = Asm::new();

    // --- 16-bit: from the reset vector into flat protected mode. ---
    a.label("start16");
    a.b(&[0xfa]); // cli
    a.b(&[0xfc]); // cld
    // lgdt cs:[gdtr] = 2E (CS override) 66 (32-bit base) 0F 01 /2, ModRM
    // 00.010.110 (disp16).
    a.b(&[0x2e, 0x66, 0x0f, 0x01, 0x16]);
    a.use_label("gdtr", Fixup::Abs16);
    a.b(&[0x0f, 0x20, 0xc0]); // mov eax, cr0
    a.b(&[0x0c, 0x01]); // or al, 1 (CR0.PE)
    a.b(&[0x0f, 0x22, 0xc0]); // mov cr0, eax
    // jmp far CODE_SEL:start32 = 66 EA id iw.
    a.b(&[0x66, 0xea]);
    a.use_label("start32", Fixup::Abs32);
    a.b(&CODE_SEL.to_le_bytes());

    // --- 32-bit from here on. ---
    a.label("start32");
    a.b(&[0x66, 0xb8]); // mov ax, DATA_SEL
    a.b(&DATA_SEL.to_le_bytes());
    a.b(&[0x8e, 0xd8]); // mov ds, ax
    a.b(&[0x8e, 0xc0]); // mov es, ax
    a.b(&[0x8e, 0xd0]); // mov ss, ax
    a.b(&[0x8e, 0xe0]); // mov fs, ax
    a.b(&[0x8e, 0xe8]); // mov gs, ax
    // IA32_APIC_BASE bit 8: is this the BSP? (EBX keeps it.)
    a.mov_ecx(0x1b);
    a.b(&[0x0f, 0x32]); // rdmsr
    a.b(&[0x89, 0xc3]); // mov ebx, eax
    // The BSP's first boot: mask both 8259s and start the other CPU. A BSP
    // that INIT sends back here skips this (BOOTED is in RAM, which INIT
    // keeps).
    a.b(&[0xf6, 0xc7, 0x01]); // test bh, 1 (bit 8)
    a.je("role");
    a.b(&[0x80, 0x3d]); // cmp byte [BOOTED], 0
    a.imm32(ram::BOOTED);
    a.b(&[0x00]);
    a.jne("role");
    a.b(&[0xc6, 0x05]); // mov byte [BOOTED], 1
    a.imm32(ram::BOOTED);
    a.b(&[0x01]);
    // Mask both 8259s (OCW1): out 0x21, al; out 0xa1, al.
    a.mov_al(0xff);
    a.b(&[0xe6, 0x21, 0xe6, 0xa1]);
    // Start the other CPU (APIC ID 1): INIT, then a start-up IPI with
    // vector 0xf0, so it starts in real mode at 0xf000:0000, where QEMU
    // maps this image's copy below 1 MiB (its last 64 KiB at 0xf0000), at
    // start16 (SDM 8.4.4.1). The ICR is no trace field.
    for (offset, value) in [
        (reg::ICR_HIGH, 1u32 << 24),
        (reg::ICR_LOW, 0x0000_4500),
        (reg::ICR_LOW, 0x0000_46f0),
    ] {
        a.b(&[0xc7, 0x05]); // mov dword [abs], imm32
        a.imm32(0xfee0_0000 + u32::from(offset));
        a.imm32(value);
    }
    // Which role: the scenario runs on the BSP unless the image's ROLE
    // byte is 1 (an AP scenario); scenario CPU iff BSP bit XOR ROLE.
    a.label("role");
    a.b(&[0x88, 0xf8]); // mov al, bh
    a.b(&[0x24, 0x01]); // and al, 1
    a.b(&[0x32, 0x05]); // xor al, [role_byte]
    a.use_label("role_byte", Fixup::Abs32);
    a.b(&[0x84, 0xc0]); // test al, al
    a.je("sender_main");
    a.b(&[0xbc]); // mov esp, imm32
    a.imm32(ram::STACK_TOP);
    // The IDT: gate v -> stub v, 32-bit interrupt gates (type 0xE, P=1).
    a.b(&[0xbf]); // mov edi, IDT
    a.imm32(ram::IDT);
    a.b(&[0xbb]); // mov ebx, stubs
    a.use_label("stubs", Fixup::Abs32);
    a.mov_ecx(256);
    a.label("idt_loop");
    a.b(&[0x89, 0xd8]); // mov eax, ebx
    a.b(&[0x66, 0x89, 0x07]); // mov [edi], ax (offset 15:0)
    a.b(&[0x66, 0xc7, 0x47, 0x02]); // mov word [edi+2], CODE_SEL
    a.b(&CODE_SEL.to_le_bytes());
    a.b(&[0x66, 0xc7, 0x47, 0x04, 0x00, 0x8e]); // mov word [edi+4], 0x8e00
    a.b(&[0xc1, 0xe8, 0x10]); // shr eax, 16
    a.b(&[0x66, 0x89, 0x47, 0x06]); // mov [edi+6], ax (offset 31:16)
    a.b(&[0x83, 0xc7, 0x08]); // add edi, 8
    a.b(&[0x83, 0xc3, STUB_SIZE as u8]); // add ebx, STUB_SIZE
    a.loop8("idt_loop");
    // lidt [idtr] = 0F 01 /3, ModRM 00.011.101 (disp32).
    a.b(&[0x0f, 0x01, 0x1d]);
    a.use_label("idtr", Fixup::Abs32);
    // The EOI flag starts set (auto EOI), once: after an INIT the handlers
    // keep what the host set.
    a.b(&[0x80, 0x3d]); // cmp byte [EOI_SET], 0
    a.imm32(ram::EOI_SET);
    a.b(&[0x00]);
    a.jne("done");
    a.b(&[0xc6, 0x05]); // mov byte [EOI_FLAG], 1
    a.imm32(ram::EOI_FLAG);
    a.b(&[0x01]);
    a.b(&[0xc6, 0x05]); // mov byte [EOI_SET], 1
    a.imm32(ram::EOI_SET);
    a.b(&[0x01]);
    a.jmp("done");

    // --- The sender CPU: writes what the host asks (an MSI or an IPI to
    // the scenario's CPU, a SIPI trampoline), so an outside event can
    // reach a halted CPU. IF stays 0. ---
    a.label("sender_main");
    a.b(&[0xbc]); // mov esp, imm32
    a.imm32(ram::AP_STACK_TOP);
    a.mov_al(b'R');
    a.call("putc2");
    a.label("sender_loop");
    a.call("getc2");
    a.call("get32_2");
    a.b(&[0x89, 0xc6]); // mov esi, eax  (a: the address)
    a.call("get32_2");
    a.b(&[0x89, 0xc7]); // mov edi, eax  (b: the data)
    a.call("get32_2"); // (c: unused)
    a.b(&[0x89, 0x3e]); // mov [esi], edi
    a.mov_al(b'A');
    a.call("putc2");
    a.jmp("sender_loop");

    // --- The command loop. ---
    a.label("loop");
    a.call("getc");
    a.b(&[0x0f, 0xb6, 0xd8]); // movzx ebx, al
    a.call("get32");
    a.b(&[0x89, 0xc6]); // mov esi, eax  (a)
    a.call("get32");
    a.b(&[0x89, 0xc7]); // mov edi, eax  (b)
    a.call("get32");
    a.b(&[0x89, 0xc5]); // mov ebp, eax  (c)
    a.b(&[0x83, 0xfb, op::LAST]); // cmp ebx, LAST
    a.ja("bad");
    // jmp [table + ebx*4] = FF /4, ModRM 00.100.100, SIB 10.011.101 + disp32.
    a.b(&[0xff, 0x24, 0x9d]);
    a.use_label("table", Fixup::Abs32);

    a.label("op_write");
    a.b(&[0x89, 0x3e]); // mov [esi], edi
    a.jmp("done");

    a.label("op_read");
    a.b(&[0x8b, 0x06]); // mov eax, [esi]
    a.call("put_value");
    a.jmp("done");

    a.label("op_wrmsr");
    a.b(&[0x89, 0xf1]); // mov ecx, esi
    a.b(&[0x89, 0xf8]); // mov eax, edi
    a.b(&[0x89, 0xea]); // mov edx, ebp
    a.b(&[0x0f, 0x30]); // wrmsr
    a.jmp("done");

    a.label("op_rdmsr");
    a.b(&[0x89, 0xf1]); // mov ecx, esi
    a.b(&[0x0f, 0x32]); // rdmsr
    a.call("put_value");
    a.b(&[0x89, 0xd0]); // mov eax, edx
    a.call("put_value");
    a.jmp("done");

    a.label("op_cli");
    a.b(&[0xfa]); // cli
    a.jmp("done");

    a.label("op_sti");
    a.b(&[0xfb, 0x90]); // sti; nop (the one-instruction interrupt shadow)
    a.jmp("done");

    a.label("op_hlt");
    a.call("report");
    a.putc(b'H');
    a.b(&[0xf4]); // hlt
    a.jmp("done");

    a.label("op_timer");
    a.b(&[0x89, 0x3e]); // mov [esi], edi (initial count)
    a.label("timer_wait");
    a.b(&[0x8b, 0x45, 0x00]); // mov eax, [ebp+0] (current count)
    a.b(&[0x85, 0xc0]); // test eax, eax
    a.jnz8("timer_wait");
    a.putc(b'T');
    a.jmp("loop");

    a.label("op_eoi_flag");
    a.b(&[0x89, 0xf0]); // mov eax, esi
    a.b(&[0xa2]); // mov [EOI_FLAG], al = A2 moffs32
    a.imm32(ram::EOI_FLAG);
    a.jmp("done");

    a.label("bad");
    a.putc(b'?');
    a.jmp("loop");

    // A report, then the loop. A `jmp` ends the translation block, so an
    // interrupt the command made pending is taken before the report.
    a.label("done");
    a.call("report");
    a.jmp("loop");

    // --- report: 'S', EFLAGS, IA32_APIC_BASE, the registers. ---
    a.label("report");
    a.b(&[0x60]); // pushad
    a.putc(b'S');
    a.b(&[0x9c, 0x58]); // pushfd; pop eax
    a.call("put32");
    a.mov_ecx(0x1b); // IA32_APIC_BASE
    a.b(&[0x0f, 0x32]); // rdmsr
    a.call("put32");
    a.b(&[0x89, 0xd0]); // mov eax, edx
    a.call("put32");
    a.b(&[0xbe]); // mov esi, reglist
    a.use_label("reglist", Fixup::Abs32);
    a.mov_ecx(REPORTED.len() as u32 + 1);
    a.label("report_loop");
    a.b(&[0xad]); // lodsd: eax = [esi], esi += 4
    a.b(&[0x8b, 0x00]); // mov eax, [eax]
    a.call("put32");
    a.loop8("report_loop");
    a.b(&[0x61]); // popad
    a.b(&[0xc3]); // ret

    // put_value: 'V' then EAX.
    a.label("put_value");
    a.b(&[0x50]); // push eax
    a.putc(b'V');
    a.b(&[0x58]); // pop eax
    a.call("put32");
    a.b(&[0xc3]);

    // put32: EAX, little-endian; EAX is kept (four rotations by 8).
    a.label("put32");
    a.b(&[0x51]); // push ecx
    a.mov_ecx(4);
    a.label("put32_loop");
    a.call("putc");
    a.b(&[0xc1, 0xc8, 0x08]); // ror eax, 8
    a.loop8("put32_loop");
    a.b(&[0x59, 0xc3]); // pop ecx; ret

    serial_routines(&mut a, &COM1_LABELS, COM1);
    serial_routines(&mut a, &COM2_LABELS, COM2);

    // --- Interrupts: the common handler (the stub pushed the vector). ---
    a.label("handler");
    a.b(&[0x60]); // pushad
    a.b(&[0x8b, 0x5c, 0x24, 0x20]); // mov ebx, [esp+32] (the vector)
    a.b(&[0x83, 0xfb, 0x02]); // cmp ebx, 2
    a.je("nmi");
    a.b(&[0x83, 0xfb, 0x20]); // cmp ebx, 32
    a.jb("exception");
    a.putc(b'I');
    a.b(&[0x88, 0xd8]); // mov al, bl
    a.call("putc");
    a.b(&[0x80, 0x3d]); // cmp byte [EOI_FLAG], 0
    a.imm32(ram::EOI_FLAG);
    a.b(&[0x00]);
    a.je("handler_ret");
    a.b(&[0xc7, 0x05]); // mov dword [0xfee000b0], 0 (EOI)
    a.imm32(0xfee0_0000 + u32::from(reg::EOI));
    a.imm32(0);
    a.label("handler_ret");
    a.b(&[0x61]); // popad
    a.b(&[0x83, 0xc4, 0x04]); // add esp, 4 (the vector)
    a.b(&[0xcf]); // iretd
    a.label("nmi");
    a.putc(b'N');
    a.jmp("handler_ret");
    a.label("exception");
    a.putc(b'X');
    a.b(&[0x88, 0xd8]); // mov al, bl
    a.call("putc");
    a.label("dead");
    a.b(&[0xfa, 0xf4]); // cli; hlt
    a.jmp("dead");

    // --- Data (read only; the CPU only reads the image). ---
    a.label("table");
    for l in [
        "bad",
        "op_write",
        "op_read",
        "op_wrmsr",
        "op_rdmsr",
        "op_cli",
        "op_sti",
        "op_hlt",
        "done",
        "op_timer",
        "op_eoi_flag",
    ] {
        a.use_label(l, Fixup::Abs32);
    }
    a.label("role_byte");
    a.b(&[u8::from(on_ap)]);
    a.label("reglist");
    for off in REPORTED.iter().chain(std::iter::once(&reg::LVT_ERROR)) {
        a.imm32(0xfee0_0000 + u32::from(*off));
    }
    // The GDT: null, flat 4 GiB code (0x9a, G=1, D=1), flat data (0x92).
    while !a.code.len().is_multiple_of(8) {
        a.b(&[0]);
    }
    a.label("gdt");
    a.b(&[0; 8]);
    a.b(&[0xff, 0xff, 0x00, 0x00, 0x00, 0x9a, 0xcf, 0x00]);
    a.b(&[0xff, 0xff, 0x00, 0x00, 0x00, 0x92, 0xcf, 0x00]);
    a.label("gdtr");
    a.b(&23u16.to_le_bytes());
    a.use_label("gdt", Fixup::Abs32);
    a.label("idtr");
    a.b(&(256u16 * 8 - 1).to_le_bytes());
    a.imm32(ram::IDT);
    // The stubs: push imm32 v (68 id); jmp handler (E9 cd); padding.
    while !a.code.len().is_multiple_of(STUB_SIZE as usize) {
        a.b(&[0xcc]);
    }
    a.label("stubs");
    for v in 0..256u32 {
        let start = a.code.len();
        a.b(&[0x68]);
        a.imm32(v);
        a.jmp("handler");
        while a.code.len() - start < STUB_SIZE as usize {
            a.b(&[0xcc]);
        }
    }
    let mut image = a.finish()?;
    // The reset vector (real mode, CS base 0xffff0000, IP 0xfff0): jmp
    // rel16 to start16 at offset 0 = E9 cw, relative to 0xfff3.
    let rel = 0u16.wrapping_sub((RESET_OFFSET + 3) as u16);
    if let Some(slot) = image.get_mut(RESET_OFFSET..RESET_OFFSET + 3) {
        slot.copy_from_slice(&[0xe9, rel as u8, (rel >> 8) as u8]);
    }
    Ok(image)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_image_is_64_kib_with_a_jump_at_the_reset_vector() {
        let img = image(false).unwrap_or_default();
        assert_eq!(img.len(), SIZE);
        // E9 with a displacement that lands on offset 0 (start16).
        assert_eq!(img.get(RESET_OFFSET), Some(&0xe9));
        assert_eq!(img.first(), Some(&0xfa)); // cli
    }
}
