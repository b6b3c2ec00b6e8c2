//! Guest RAM: one anonymous mapping registered as KVM memory slot 0.
//!
//! This is the only module with `unsafe` code (see the note in Cargo.toml):
//! creating and dropping the mapping, registering it with KVM, and viewing it
//! as a byte slice. Everything else in the crate goes through [`GuestRam`].

use kvm_bindings::kvm_userspace_memory_region;
use kvm_ioctls::VmFd;
use std::io;

/// Page-aligned, zeroed, read-write anonymous memory that backs guest
/// physical addresses `0..len`.
pub struct GuestRam {
    ptr: *mut u8,
    len: usize,
}

// The mapping is plain memory owned by this value; moving it to the vCPU
// thread is fine (it is never shared between threads).
// SAFETY: `GuestRam` owns its mapping exclusively; no aliasing pointer leaves
// this type, so sending it to another thread cannot create a data race.
#[allow(unsafe_code)]
unsafe impl Send for GuestRam {}

impl GuestRam {
    /// Maps `len` bytes (a multiple of 4096) of anonymous memory.
    #[allow(unsafe_code)]
    pub fn new(len: usize) -> io::Result<Self> {
        // SAFETY: a fresh private anonymous mapping at an address the kernel
        // chooses; no existing memory is touched. The result is checked
        // against MAP_FAILED before use.
        let ptr = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
                -1,
                0,
            )
        };
        if ptr == libc::MAP_FAILED {
            return Err(io::Error::last_os_error());
        }
        Ok(Self {
            ptr: ptr.cast(),
            len,
        })
    }

    /// Registers the mapping as guest physical memory `0..len` (slot 0).
    #[allow(unsafe_code)]
    pub fn register(&self, vm: &VmFd) -> io::Result<()> {
        let region = kvm_userspace_memory_region {
            slot: 0,
            flags: 0,
            guest_phys_addr: 0,
            memory_size: self.len as u64,
            userspace_addr: self.ptr as u64,
        };
        // SAFETY: the region describes memory this value owns for its whole
        // life, and the VM (created and dropped by the same owner, see
        // vm.rs `Machine`) is dropped before it: fields are dropped in
        // declaration order and `Machine` declares the VM first.
        unsafe { vm.set_user_memory_region(region) }.map_err(io::Error::from)
    }

    /// The guest's memory as bytes. Only called while the vCPU is not
    /// running (the same thread runs the vCPU), so nothing writes behind it.
    #[allow(unsafe_code)]
    pub fn bytes_mut(&mut self) -> &mut [u8] {
        // SAFETY: `ptr` is a live mapping of `len` bytes owned by `self`; the
        // `&mut self` borrow makes this the only Rust view of it.
        unsafe { std::slice::from_raw_parts_mut(self.ptr, self.len) }
    }

    /// Copies `data` to guest physical address `at`.
    pub fn write(&mut self, at: usize, data: &[u8]) -> io::Result<()> {
        let end = at.checked_add(data.len()).filter(|&e| e <= self.len);
        match end.and_then(|end| self.bytes_mut().get_mut(at..end)) {
            Some(dst) => {
                dst.copy_from_slice(data);
                Ok(())
            }
            None => Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("guest write at {at:#x}+{} outside RAM", data.len()),
            )),
        }
    }
}

impl Drop for GuestRam {
    #[allow(unsafe_code)]
    fn drop(&mut self) {
        // SAFETY: unmaps exactly the mapping created in `new`; no slice of it
        // outlives `self` (they borrow it).
        unsafe {
            libc::munmap(self.ptr.cast(), self.len);
        }
    }
}
