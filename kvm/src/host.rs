//! What this host's KVM is: facts read from the kernel, /dev/kvm, CPUID and
//! sysfs, plus behaviour probed by running tiny guests (see `behaviour`).

use kvm_ioctls::{Cap, Kvm};
use std::collections::BTreeMap;
use std::fmt;
use std::fs;
use std::path::Path;

/// Why the host cannot run guests on its KVM.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostError {
    /// `/dev/kvm` does not exist (no KVM module, or not exposed here).
    NoDevKvm(String),
    /// `/dev/kvm` exists but this user may not open it.
    NoPermission(String),
    /// Not Linux on x86_64 (the runner needs the x86 in-kernel local APIC).
    Unsupported(String),
    /// Anything else: an ioctl that failed, a VM that could not be created.
    Other(String),
    /// QEMU did not start, or its guest did not boot (`crate::qemu`).
    Qemu(String),
}

impl fmt::Display for HostError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HostError::NoDevKvm(s) => write!(f, "no /dev/kvm: {s}"),
            HostError::NoPermission(s) => write!(f, "no permission to use /dev/kvm: {s}"),
            HostError::Unsupported(s) => write!(f, "unsupported host: {s}"),
            HostError::Other(s) => write!(f, "KVM error: {s}"),
            HostError::Qemu(s) => write!(f, "QEMU error: {s}"),
        }
    }
}

impl std::error::Error for HostError {}

impl HostError {
    /// Classifies an error from opening `/dev/kvm`.
    pub(crate) fn from_open(e: &kvm_ioctls::Error) -> Self {
        match e.errno() {
            libc::ENOENT | libc::ENODEV | libc::ENXIO => {
                HostError::NoDevKvm(format!("opening /dev/kvm: {e}"))
            }
            libc::EACCES | libc::EPERM => HostError::NoPermission(format!(
                "opening /dev/kvm: {e} (run as root or join the kvm group)"
            )),
            _ => HostError::Other(format!("opening /dev/kvm: {e}")),
        }
    }
}

/// A loaded KVM vendor module and its parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KvmModule {
    /// `kvm_intel`, `kvm_amd` or `kvm_pvm`.
    pub name: String,
    /// `/sys/module/<name>/parameters/*`, file name to trimmed contents.
    pub params: BTreeMap<String, String>,
}

/// What this host's KVM is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostFacts {
    /// `/proc/sys/kernel/osrelease`, e.g. `6.18.44-fc-v857`.
    pub kernel: String,
    /// KVM_GET_API_VERSION (12 on every released kernel).
    pub api_version: i32,
    /// CPUID leaf 0 vendor string, e.g. `GenuineIntel`.
    pub vendor: String,
    /// CPUID 0x80000002..4 brand string.
    pub brand: String,
    /// CPUID.1:ECX[31]: this host is itself a guest.
    pub hypervisor_bit: bool,
    /// CPUID 0x40000000 vendor signature when `hypervisor_bit` is set.
    pub hypervisor: Option<String>,
    /// CPUID.1:ECX[5] (VMX) as this host sees it.
    pub vmx: bool,
    /// CPUID.80000001:ECX[2] (SVM) as this host sees it.
    pub svm: bool,
    /// The vendor KVM modules loaded (`kvm_intel`, `kvm_amd`, `kvm_pvm`).
    pub modules: Vec<KvmModule>,
    /// APICv (kvm_intel `enable_apicv`) or AVIC (kvm_amd `avic`) is on;
    /// `None` when no module says (e.g. `kvm_pvm`, which has neither).
    pub apic_virtualization: Option<bool>,
    /// KVM_CREATE_IRQCHIP worked on a fresh VM.
    pub irqchip: Result<(), String>,
    /// Capabilities the runner relies on, name to present.
    pub caps: BTreeMap<&'static str, bool>,
    /// The model profile this host stands for.
    pub profile: &'static str,
    /// Behaviour that keeps something from being observed here, or differs
    /// from the SDM or from VMX/SVM KVM; filled by [`crate::probe`] from tiny guests.
    pub limitations: Vec<String>,
    /// Trace fields this host cannot show (e.g. `isr`, `ppr`), for a
    /// comparison to leave out; filled by [`crate::probe`].
    pub unobservable: Vec<&'static str>,
}

/// The module names the probe looks for, in order.
pub const VENDOR_MODULES: [&str; 3] = ["kvm_intel", "kvm_amd", "kvm_pvm"];

fn read_trim(p: &Path) -> Option<String> {
    fs::read_to_string(p).ok().map(|s| s.trim().to_string())
}

fn module(name: &str) -> Option<KvmModule> {
    let dir = Path::new("/sys/module").join(name);
    if !dir.exists() {
        return None;
    }
    let mut params = BTreeMap::new();
    if let Ok(entries) = fs::read_dir(dir.join("parameters")) {
        for e in entries.flatten() {
            let key = e.file_name().to_string_lossy().into_owned();
            if let Some(v) = read_trim(&e.path()) {
                params.insert(key, v);
            }
        }
    }
    Some(KvmModule {
        name: name.to_string(),
        params,
    })
}

fn yes(v: &str) -> bool {
    matches!(v, "Y" | "y" | "1")
}

/// CPUID facts of the host processor.
struct Cpu {
    vendor: String,
    brand: String,
    hypervisor_bit: bool,
    hypervisor: Option<String>,
    vmx: bool,
    svm: bool,
}

fn regs_str(regs: &[u32]) -> String {
    let bytes: Vec<u8> = regs.iter().flat_map(|r| r.to_le_bytes()).collect();
    String::from_utf8_lossy(&bytes)
        .trim_matches(char::from(0))
        .trim()
        .to_string()
}

fn cpu() -> Cpu {
    use std::arch::x86_64::__cpuid;
    let l0 = __cpuid(0);
    let vendor = regs_str(&[l0.ebx, l0.edx, l0.ecx]);
    let l1 = __cpuid(1);
    let hypervisor_bit = l1.ecx & (1 << 31) != 0;
    let vmx = l1.ecx & (1 << 5) != 0;
    let ext = __cpuid(0x8000_0000).eax;
    let svm = ext >= 0x8000_0001 && __cpuid(0x8000_0001).ecx & (1 << 2) != 0;
    let brand = if ext >= 0x8000_0004 {
        let mut r = Vec::new();
        for leaf in 0x8000_0002..=0x8000_0004u32 {
            let c = __cpuid(leaf);
            r.extend_from_slice(&[c.eax, c.ebx, c.ecx, c.edx]);
        }
        regs_str(&r)
    } else {
        String::new()
    };
    let hypervisor = hypervisor_bit.then(|| {
        let h = __cpuid(0x4000_0000);
        regs_str(&[h.ebx, h.ecx, h.edx])
    });
    Cpu {
        vendor,
        brand,
        hypervisor_bit,
        hypervisor,
        vmx,
        svm,
    }
}

/// Opens `/dev/kvm`, classifying failure.
pub(crate) fn open() -> Result<Kvm, HostError> {
    open_path(c"/dev/kvm")
}

fn open_path(path: &std::ffi::CStr) -> Result<Kvm, HostError> {
    Kvm::new_with_path(path).map_err(|e| HostError::from_open(&e))
}

/// Reads the static facts (no guest is run).
pub fn facts() -> Result<HostFacts, HostError> {
    let kernel = read_trim(Path::new("/proc/sys/kernel/osrelease")).unwrap_or_default();
    let kvm = open()?;
    let api_version = kvm.get_api_version();
    let c = cpu();
    let modules: Vec<KvmModule> = VENDOR_MODULES.iter().filter_map(|m| module(m)).collect();
    let mut apicv = None;
    for m in &modules {
        let key = match m.name.as_str() {
            "kvm_intel" => "enable_apicv",
            "kvm_amd" => "avic",
            _ => continue,
        };
        if let Some(v) = m.params.get(key) {
            apicv = Some(apicv.unwrap_or(false) || yes(v));
        }
    }
    let irqchip = kvm
        .create_vm()
        .map_err(|e| format!("KVM_CREATE_VM: {e}"))
        .and_then(|vm| {
            vm.create_irq_chip()
                .map_err(|e| format!("KVM_CREATE_IRQCHIP: {e}"))
        });
    let mut caps = BTreeMap::new();
    for (name, cap) in [
        ("KVM_CAP_IRQCHIP", Cap::Irqchip),
        ("KVM_CAP_SIGNAL_MSI", Cap::SignalMsi),
        ("KVM_CAP_USER_NMI", Cap::UserNmi),
        ("KVM_CAP_MP_STATE", Cap::MpState),
        ("KVM_CAP_VCPU_EVENTS", Cap::VcpuEvents),
        ("KVM_CAP_TSC_DEADLINE_TIMER", Cap::TscDeadlineTimer),
        ("KVM_CAP_IMMEDIATE_EXIT", Cap::ImmediateExit),
        ("KVM_CAP_X2APIC_API", Cap::X2ApicApi),
        ("KVM_CAP_SPLIT_IRQCHIP", Cap::SplitIrqchip),
    ] {
        caps.insert(name, kvm.check_extension(cap));
    }
    let profile = if apicv == Some(true) {
        "kvm-apicv"
    } else {
        // Every kernel since v5.2 carries commit bb34e690e934 (see the
        // reference, section 3), so a software-emulated APIC here is the
        // fixed one.
        "kvm-emulated-fixed"
    };
    Ok(HostFacts {
        kernel,
        api_version,
        vendor: c.vendor,
        brand: c.brand,
        hypervisor_bit: c.hypervisor_bit,
        hypervisor: c.hypervisor,
        vmx: c.vmx,
        svm: c.svm,
        modules,
        apic_virtualization: apicv,
        irqchip,
        caps,
        profile,
        limitations: Vec::new(),
        unobservable: Vec::new(),
    })
}

impl fmt::Display for HostFacts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "kernel:      Linux {}", self.kernel)?;
        writeln!(f, "KVM API:     {}", self.api_version)?;
        writeln!(f, "CPU:         {} ({})", self.vendor, self.brand)?;
        writeln!(
            f,
            "virt:        hypervisor bit {}{}, VMX {}, SVM {}",
            self.hypervisor_bit,
            self.hypervisor
                .as_ref()
                .map(|h| format!(" ({h:?})"))
                .unwrap_or_default(),
            self.vmx,
            self.svm
        )?;
        for m in &self.modules {
            let ps: Vec<String> = m.params.iter().map(|(k, v)| format!("{k}={v}")).collect();
            writeln!(f, "module:      {} [{}]", m.name, ps.join(" "))?;
        }
        writeln!(
            f,
            "APICv/AVIC:  {}",
            match self.apic_virtualization {
                Some(true) => "active",
                Some(false) => "off",
                None => "not offered by the module",
            }
        )?;
        writeln!(
            f,
            "irqchip:     {}",
            match &self.irqchip {
                Ok(()) => "KVM_CREATE_IRQCHIP works".to_string(),
                Err(e) => e.clone(),
            }
        )?;
        let caps: Vec<String> = self
            .caps
            .iter()
            .map(|(k, v)| format!("{}={}", k.trim_start_matches("KVM_CAP_"), u8::from(*v)))
            .collect();
        writeln!(f, "caps:        {}", caps.join(" "))?;
        writeln!(f, "stands for:  {}", self.profile)?;
        for l in &self.limitations {
            writeln!(f, "limitation:  {l}")?;
        }
        if !self.unobservable.is_empty() {
            writeln!(f, "unobservable: {}", self.unobservable.join(", "))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_device_is_no_dev_kvm() {
        assert!(matches!(
            open_path(c"/nonexistent/kvm"),
            Err(HostError::NoDevKvm(_))
        ));
    }

    #[test]
    fn errors_classify_by_errno() {
        let e = kvm_ioctls::Error::new(libc::EACCES);
        assert!(matches!(
            HostError::from_open(&e),
            HostError::NoPermission(_)
        ));
        let e = kvm_ioctls::Error::new(libc::EIO);
        assert!(matches!(HostError::from_open(&e), HostError::Other(_)));
    }
}
