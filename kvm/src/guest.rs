//! The guest: a few hundred bytes of real-mode x86 code, assembled here by
//! hand, one documented instruction at a time.
//!
//! Why real mode: on a paravirtual KVM (`kvm_pvm`) an ordinary guest runs
//! through KVM's instruction emulator, which emulates `IRET` in real mode
//! only. In real mode interrupts go through the IVT at address 0, and
//! `IRET` is a plain pop of IP, CS and FLAGS.
//!
//! How the guest reaches the APIC at 0xfee00000 from real mode: the host
//! loads ES with base 0xfee00000 (a real-mode segment register keeps
//! whatever base KVM_SET_SREGS gave it until the guest reloads it, which this
//! guest never does), so `[es:bx]` with BX = register offset is the APIC
//! register.
//!
//! The protocol (every `in`/`out` below is a VM exit to the host):
//!
//! ```text
//! LOOP:  out SYNC        host re-enters at once: an interrupt made pending
//!                        by the previous operation is delivered at this entry
//!        out PARK        the host stops here between operations
//!        in  ax, OP      the host answers with the address of an operation
//!        jmp ax          ... which ends with `jmp LOOP`
//! ```
//!
//! Interrupt vector `v` enters stub `v`, which puts port `VECTOR_BASE + v`
//! in DX and jumps to the common handler; the handler's `in al, dx` tells
//! the host which vector arrived, and the host answers 1 when the handler
//! shall write EOI (auto EOI) or 0 (manual handlers, NMI, exceptions).

/// Ports the guest uses to talk to the host.
pub mod port {
    /// `out`: an operation finished; the host re-enters at once.
    pub const SYNC: u16 = 0x500;
    /// `out`: the guest is idle; the host stops its run loop here.
    pub const PARK: u16 = 0x501;
    /// `in ax`: the host answers the address of the next operation.
    pub const OP: u16 = 0x502;
    /// `in`: the next argument of the current operation.
    pub const ARG: u16 = 0x503;
    /// `out eax`: a value the guest read (APIC register, MSR half).
    pub const RESULT: u16 = 0x504;
    /// `out`: the guest arrived at its SIPI landing code.
    pub const LANDED: u16 = 0x505;
    /// `in al` from `VECTOR_BASE + v`: vector `v` is being handled.
    pub const VECTOR_BASE: u16 = 0x600;
}

/// Guest physical layout (all below 64 KiB except SIPI landing pages).
pub mod layout {
    /// The real-mode interrupt vector table: 256 entries of offset:segment.
    pub const IVT: u16 = 0x0000;
    /// The main loop; the vCPU starts here.
    pub const LOOP: u16 = 0x1000;
    /// Operation snippets follow the loop.
    pub const OPS: u16 = 0x1040;
    /// The common interrupt handler.
    pub const HANDLER: u16 = 0x1800;
    /// 256 stubs of 8 bytes each (0x2000..0x2800).
    pub const STUBS: u16 = 0x2000;
    /// Initial stack pointer (SS = 0); the stack grows down in page 7.
    pub const STACK_TOP: u16 = 0x7ff0;
    /// SIPI vectors below this would land on the guest's own code or stack.
    pub const FIRST_FREE_SIPI_PAGE: u8 = 0x08;
    /// Guest RAM size: 1 MiB, so every SIPI vector's page exists.
    pub const RAM_SIZE: usize = 0x10_0000;
}

/// Addresses of the operation snippets, answered to `in ax, OP`.
#[derive(Clone, Copy, Debug, Default)]
pub struct Entry {
    /// Do nothing: jump straight back to LOOP.
    pub nop: u16,
    /// ARG ax = APIC register offset, ARG eax = value; `mov [es:bx], eax`.
    pub mmio_write: u16,
    /// ARG ax = APIC register offset; `mov eax, [es:bx]`; RESULT eax.
    pub mmio_read: u16,
    /// ARG = MSR index, low half, high half; `wrmsr`.
    pub wrmsr: u16,
    /// ARG = MSR index; `rdmsr`; RESULT eax, RESULT edx.
    pub rdmsr: u16,
    /// `cli`.
    pub cli: u16,
    /// `sti`.
    pub sti: u16,
    /// `hlt`.
    pub hlt: u16,
}

/// A tiny 16-bit assembler: each method emits one instruction and says
/// which encoding it is (Intel SDM volume 2 opcode tables).
struct Asm {
    origin: u16,
    code: Vec<u8>,
}

impl Asm {
    fn new(origin: u16) -> Self {
        Self {
            origin,
            code: Vec::new(),
        }
    }

    /// The guest address of the next byte.
    fn here(&self) -> u16 {
        self.origin.wrapping_add(self.code.len() as u16)
    }

    fn bytes(&mut self, b: &[u8]) {
        self.code.extend_from_slice(b);
    }

    fn imm16(&mut self, v: u16) {
        self.bytes(&v.to_le_bytes());
    }

    /// `mov dx, imm16` = B8+r iw with r = 2 (DX).
    fn mov_dx(&mut self, v: u16) {
        self.bytes(&[0xba]);
        self.imm16(v);
    }

    /// `mov sp, imm16` = B8+r iw with r = 4 (SP).
    fn mov_sp(&mut self, v: u16) {
        self.bytes(&[0xbc]);
        self.imm16(v);
    }

    /// `in al, dx` = EC.
    fn in_al_dx(&mut self) {
        self.bytes(&[0xec]);
    }

    /// `in ax, dx` = ED (16-bit operand size is the real-mode default).
    fn in_ax_dx(&mut self) {
        self.bytes(&[0xed]);
    }

    /// `in eax, dx` = 66 ED (operand-size prefix selects 32 bits).
    fn in_eax_dx(&mut self) {
        self.bytes(&[0x66, 0xed]);
    }

    /// `out dx, al` = EE.
    fn out_dx_al(&mut self) {
        self.bytes(&[0xee]);
    }

    /// `out dx, eax` = 66 EF.
    fn out_dx_eax(&mut self) {
        self.bytes(&[0x66, 0xef]);
    }

    /// `jmp ax` = FF /4 with ModRM 11.100.000 (register AX).
    fn jmp_ax(&mut self) {
        self.bytes(&[0xff, 0xe0]);
    }

    /// `jmp rel16` = E9 cw, relative to the end of the instruction.
    fn jmp(&mut self, target: u16) {
        let next = self.here().wrapping_add(3);
        self.bytes(&[0xe9]);
        self.imm16(target.wrapping_sub(next));
    }

    /// `jmp far seg:off` = EA iw(offset) iw(segment).
    fn jmp_far(&mut self, seg: u16, off: u16) {
        self.bytes(&[0xea]);
        self.imm16(off);
        self.imm16(seg);
    }

    /// `mov bx, ax` = 89 /r with ModRM 11.000(ax).011(bx).
    fn mov_bx_ax(&mut self) {
        self.bytes(&[0x89, 0xc3]);
    }

    /// `mov ecx, eax` = 66 89 /r, ModRM 11.000(eax).001(ecx).
    fn mov_ecx_eax(&mut self) {
        self.bytes(&[0x66, 0x89, 0xc1]);
    }

    /// `mov ebx, eax` = 66 89 /r, ModRM 11.000(eax).011(ebx).
    fn mov_ebx_eax(&mut self) {
        self.bytes(&[0x66, 0x89, 0xc3]);
    }

    /// `mov edx, eax` = 66 89 /r, ModRM 11.000(eax).010(edx).
    fn mov_edx_eax(&mut self) {
        self.bytes(&[0x66, 0x89, 0xc2]);
    }

    /// `mov eax, ebx` = 66 89 /r, ModRM 11.011(ebx).000(eax).
    fn mov_eax_ebx(&mut self) {
        self.bytes(&[0x66, 0x89, 0xd8]);
    }

    /// `mov ebx, edx` = 66 89 /r, ModRM 11.010(edx).011(ebx).
    fn mov_ebx_edx(&mut self) {
        self.bytes(&[0x66, 0x89, 0xd3]);
    }

    /// `mov [es:bx], eax` = 26 (ES) 66 89 /r, ModRM 00.000(eax).111([bx]).
    fn mov_es_bx_eax(&mut self) {
        self.bytes(&[0x26, 0x66, 0x89, 0x07]);
    }

    /// `mov eax, [es:bx]` = 26 (ES) 66 8B /r, ModRM 00.000(eax).111([bx]).
    fn mov_eax_es_bx(&mut self) {
        self.bytes(&[0x26, 0x66, 0x8b, 0x07]);
    }

    /// `mov dword [es:disp16], 0` = 26 66 C7 /0, ModRM 00.000.110 (disp16),
    /// then disp16 and imm32 = 0.
    fn mov_es_disp_zero(&mut self, disp: u16) {
        self.bytes(&[0x26, 0x66, 0xc7, 0x06]);
        self.imm16(disp);
        self.bytes(&[0, 0, 0, 0]);
    }

    /// `wrmsr` = 0F 30 (ECX = index, EDX:EAX = value).
    fn wrmsr(&mut self) {
        self.bytes(&[0x0f, 0x30]);
    }

    /// `rdmsr` = 0F 32 (ECX = index, result in EDX:EAX).
    fn rdmsr(&mut self) {
        self.bytes(&[0x0f, 0x32]);
    }

    /// `cli` = FA.
    fn cli(&mut self) {
        self.bytes(&[0xfa]);
    }

    /// `sti` = FB.
    fn sti(&mut self) {
        self.bytes(&[0xfb]);
    }

    /// `hlt` = F4.
    fn hlt(&mut self) {
        self.bytes(&[0xf4]);
    }

    /// `iret` = CF (real mode: pops IP, CS, FLAGS).
    fn iret(&mut self) {
        self.bytes(&[0xcf]);
    }

    /// `push ax` = 50+r, r = 0.
    fn push_ax(&mut self) {
        self.bytes(&[0x50]);
    }

    /// `pop ax` = 58+r, r = 0.
    fn pop_ax(&mut self) {
        self.bytes(&[0x58]);
    }

    /// `push dx` = 50+r, r = 2.
    fn push_dx(&mut self) {
        self.bytes(&[0x52]);
    }

    /// `pop dx` = 58+r, r = 2.
    fn pop_dx(&mut self) {
        self.bytes(&[0x5a]);
    }

    /// `test al, al` = 84 /r, ModRM 11.000.000.
    fn test_al_al(&mut self) {
        self.bytes(&[0x84, 0xc0]);
    }

    /// `jz rel8` = 74 cb; returns the index of the displacement byte to patch.
    fn jz_forward(&mut self) -> usize {
        self.bytes(&[0x74, 0x00]);
        self.code.len() - 1
    }

    /// Points the `jz` whose displacement is at `at` to the next byte.
    fn patch_here(&mut self, at: usize) {
        let disp = self.code.len() - (at + 1);
        if let Some(b) = self.code.get_mut(at) {
            *b = disp as u8;
        }
    }

    /// `xor ax, ax` = 31 /r, ModRM 11.000.000.
    fn xor_ax_ax(&mut self) {
        self.bytes(&[0x31, 0xc0]);
    }

    /// `mov ss, ax` = 8E /r, ModRM 11.010(ss).000(ax).
    fn mov_ss_ax(&mut self) {
        self.bytes(&[0x8e, 0xd0]);
    }

    /// `mov ds, ax` = 8E /r, ModRM 11.011(ds).000(ax).
    fn mov_ds_ax(&mut self) {
        self.bytes(&[0x8e, 0xd8]);
    }

    /// `nop` = 90.
    fn nop(&mut self) {
        self.bytes(&[0x90]);
    }
}

/// The assembled guest: byte blocks with their guest addresses, and the
/// operation entry points.
pub struct Image {
    /// `(guest physical address, bytes)`.
    pub blocks: Vec<(usize, Vec<u8>)>,
    /// Where each operation starts.
    pub entry: Entry,
}

/// Assembles the main loop, the operations, the handler, the stubs and the IVT.
pub fn image() -> Image {
    let mut blocks = Vec::new();

    // ---- The main loop at LOOP -------------------------------------------
    let mut a = Asm::new(layout::LOOP);
    a.mov_dx(port::SYNC); // dx = SYNC
    a.out_dx_al(); // exit: "operation done"; pending interrupts arrive at re-entry
    a.mov_dx(port::PARK); // dx = PARK
    a.out_dx_al(); // exit: the host stops here between operations
    a.mov_dx(port::OP); // dx = OP
    a.in_ax_dx(); // exit: ax = address of the next operation
    a.jmp_ax(); // run it; every operation ends with `jmp LOOP`
    blocks.push((usize::from(layout::LOOP), a.code));

    // ---- Operations from OPS ----------------------------------------------
    let mut a = Asm::new(layout::OPS);
    let mut e = Entry {
        nop: layout::LOOP,
        ..Entry::default()
    };

    e.mmio_write = a.here();
    a.mov_dx(port::ARG); // dx = ARG
    a.in_ax_dx(); // ax = APIC register offset
    a.mov_bx_ax(); // bx = offset
    a.in_eax_dx(); // eax = value
    a.mov_es_bx_eax(); // the APIC register write (ES base = APIC base)
    a.jmp(layout::LOOP);

    e.mmio_read = a.here();
    a.mov_dx(port::ARG); // dx = ARG
    a.in_ax_dx(); // ax = APIC register offset
    a.mov_bx_ax(); // bx = offset
    a.mov_eax_es_bx(); // the APIC register read
    a.mov_dx(port::RESULT); // dx = RESULT
    a.out_dx_eax(); // hand the value to the host
    a.jmp(layout::LOOP);

    e.wrmsr = a.here();
    a.mov_dx(port::ARG); // dx = ARG
    a.in_eax_dx(); // eax = MSR index
    a.mov_ecx_eax(); // ecx = index
    a.in_eax_dx(); // eax = low half
    a.mov_ebx_eax(); // ebx = low half (dx is still needed as the port)
    a.in_eax_dx(); // eax = high half
    a.mov_edx_eax(); // edx = high half
    a.mov_eax_ebx(); // eax = low half
    a.wrmsr(); // MSR[ecx] = edx:eax
    a.jmp(layout::LOOP);

    e.rdmsr = a.here();
    a.mov_dx(port::ARG); // dx = ARG
    a.in_eax_dx(); // eax = MSR index
    a.mov_ecx_eax(); // ecx = index
    a.rdmsr(); // edx:eax = MSR[ecx]
    a.mov_ebx_edx(); // ebx = high half
    a.mov_dx(port::RESULT); // dx = RESULT
    a.out_dx_eax(); // low half to the host
    a.mov_eax_ebx(); // eax = high half
    a.out_dx_eax(); // high half to the host
    a.jmp(layout::LOOP);

    e.cli = a.here();
    a.cli(); // IF = 0
    a.jmp(layout::LOOP);

    e.sti = a.here();
    a.sti(); // IF = 1 (interrupts blocked for one more instruction: the jmp)
    a.jmp(layout::LOOP);

    e.hlt = a.here();
    a.hlt(); // halt until an interrupt, NMI or INIT; KVM_RUN blocks meanwhile
    a.jmp(layout::LOOP);
    blocks.push((usize::from(layout::OPS), a.code));

    // ---- The common interrupt handler at HANDLER ---------------------------
    // Entered from a stub with the interrupted DX pushed and DX = port.
    let mut a = Asm::new(layout::HANDLER);
    a.push_ax(); // save ax
    a.in_al_dx(); // exit: the host sees the vector (port - VECTOR_BASE); al = 1 means "write EOI"
    a.test_al_al(); // EOI wanted?
    let skip = a.jz_forward(); // no: skip the write
    a.mov_es_disp_zero(0xb0); // EOI: write 0 to APIC register 0xB0
    a.patch_here(skip);
    a.pop_ax(); // restore ax
    a.pop_dx(); // restore dx (pushed by the stub)
    a.iret(); // return to the interrupted code, restoring FLAGS.IF
    blocks.push((usize::from(layout::HANDLER), a.code));

    // ---- 256 stubs at STUBS, 8 bytes each ---------------------------------
    let mut a = Asm::new(layout::STUBS);
    for v in 0..=255u16 {
        a.push_dx(); // save the interrupted dx
        a.mov_dx(port::VECTOR_BASE + v); // dx = this vector's port
        a.jmp(layout::HANDLER); // to the common handler
        a.nop(); // padding to 8 bytes
    }
    blocks.push((usize::from(layout::STUBS), a.code));

    // ---- The IVT: vector v -> 0000:STUBS+8v -------------------------------
    let mut ivt = Vec::with_capacity(1024);
    for v in 0..=255u16 {
        ivt.extend_from_slice(&(layout::STUBS + 8 * v).to_le_bytes());
        ivt.extend_from_slice(&0u16.to_le_bytes());
    }
    blocks.push((usize::from(layout::IVT), ivt));

    Image { blocks, entry: e }
}

/// The code a SIPI with this vector lands on (at `vector << 12`, CS =
/// `vector << 8`, IP = 0, fresh from INIT: IF = 0, segments reset).
pub fn sipi_landing() -> Vec<u8> {
    let mut a = Asm::new(0);
    a.cli(); // IF is already 0 after INIT; say so anyway
    a.xor_ax_ax(); // ax = 0
    a.mov_ss_ax(); // ss = 0 (also blocks interrupts for one instruction)
    a.mov_sp(layout::STACK_TOP); // the guest's stack again
    a.mov_ds_ax(); // ds = 0
    a.mov_dx(port::LANDED); // dx = LANDED
    a.out_dx_al(); // exit: the host reloads ES with the APIC base
    a.jmp_far(0, layout::LOOP); // back to the main loop, CS = 0
    a.code
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stubs_are_eight_bytes_and_fit_below_the_stack() {
        let img = image();
        for (at, code) in &img.blocks {
            let end = at + code.len();
            assert!(
                end <= usize::from(layout::STACK_TOP) - 0x1000,
                "{at:#x}..{end:#x}"
            );
        }
        let stubs = img
            .blocks
            .iter()
            .find(|(at, _)| *at == usize::from(layout::STUBS))
            .map(|(_, c)| c.len());
        assert_eq!(stubs, Some(256 * 8));
    }

    #[test]
    fn ops_do_not_run_into_the_handler() {
        let img = image();
        let ops = img
            .blocks
            .iter()
            .find(|(at, _)| *at == usize::from(layout::OPS))
            .map(|(at, c)| at + c.len());
        assert!(ops.is_some_and(|end| end <= usize::from(layout::HANDLER)));
        let lp = img
            .blocks
            .iter()
            .find(|(at, _)| *at == usize::from(layout::LOOP))
            .map(|(at, c)| at + c.len());
        assert!(lp.is_some_and(|end| end <= usize::from(layout::OPS)));
    }
}
