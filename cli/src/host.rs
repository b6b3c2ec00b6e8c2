//! The profiles of real runs: `kvm-host`, the host's in-kernel KVM local
//! APIC (through apic-kvm), and `qemu-tcg`, QEMU's own local APIC under
//! TCG (apic-kvm's QEMU runner). Linux x86_64 only; elsewhere every call
//! says why it cannot run.

use apic_core::format::{Field, Scenario};
use apic_core::trace::ProfileTrace;
use apic_kvm::hostcmp::{Quirk, QEMU_QUIRKS, QUIRKS};

/// The profile id of the host's KVM.
pub const ID: &str = "kvm-host";

/// The profile id of QEMU under TCG.
pub const QEMU_ID: &str = "qemu-tcg";

/// Which real system runs the scenario.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// The host's KVM.
    Kvm,
    /// QEMU under TCG.
    Qemu,
}

impl Kind {
    /// The profile id of its traces.
    pub fn id(self) -> &'static str {
        match self {
            Kind::Kvm => ID,
            Kind::Qemu => QEMU_ID,
        }
    }

    /// The profile id, if it names one.
    pub fn from_id(id: &str) -> Option<Self> {
        match id {
            ID => Some(Kind::Kvm),
            QEMU_ID => Some(Kind::Qemu),
            _ => None,
        }
    }

    /// Its documented quirks.
    pub fn quirks(self) -> &'static [Quirk] {
        match self {
            Kind::Kvm => QUIRKS,
            Kind::Qemu => QEMU_QUIRKS,
        }
    }

    /// What it is, in a few words.
    pub fn what(self) -> &'static str {
        match self {
            Kind::Kvm => "this host's KVM",
            Kind::Qemu => "QEMU under TCG",
        }
    }
}

/// What a real system is, as far as a comparison needs it.
pub struct Host {
    /// Which one.
    pub kind: Kind,
    /// The facts, printable (kernel, vendor, module, APICv, limitations;
    /// QEMU's version).
    pub facts: String,
    /// The model profile it stands for.
    pub stands_for: apic_core::Profile,
    /// Fields it cannot show.
    pub unobservable: Vec<Field>,
    #[cfg(all(target_os = "linux", target_arch = "x86_64"))]
    options: apic_kvm::RunOptions,
}

/// Why a scenario cannot run here (exit status 3), in one line.
pub struct Cannot(pub String);

#[cfg(all(target_os = "linux", target_arch = "x86_64"))]
mod imp {
    use super::*;

    /// Probes the system: facts, the profile it stands for, what it cannot
    /// show.
    pub fn probe(kind: Kind) -> Result<Host, Cannot> {
        match kind {
            Kind::Kvm => probe_kvm(),
            Kind::Qemu => probe_qemu(),
        }
    }

    fn probe_kvm() -> Result<Host, Cannot> {
        let facts = apic_kvm::probe().map_err(|e| Cannot(e.to_string()))?;
        if let Err(e) = &facts.irqchip {
            return Err(Cannot(format!("no in-kernel irqchip: {e}")));
        }
        let stands_for = apic_core::Profile::from_id(facts.profile)
            .ok_or_else(|| Cannot(format!("unknown profile {}", facts.profile)))?;
        let options = apic_kvm::RunOptions::for_host(&facts);
        Ok(Host {
            kind: Kind::Kvm,
            facts: facts.to_string(),
            stands_for,
            unobservable: options.unobservable.clone(),
            options,
        })
    }

    /// QEMU's version (`--version`), or why it cannot run.
    fn probe_qemu() -> Result<Host, Cannot> {
        let bin = apic_kvm::qemu::binary();
        let out = std::process::Command::new(&bin)
            .arg("--version")
            .output()
            .map_err(|e| {
                Cannot(format!(
                    "cannot start {bin}: {e} (install Debian's qemu-system-x86; `scripts/tools.sh test` does)"
                ))
            })?;
        let version = String::from_utf8_lossy(&out.stdout)
            .lines()
            .next()
            .unwrap_or_default()
            .trim()
            .to_string();
        Ok(Host {
            kind: Kind::Qemu,
            facts: format!("qemu:        {version}\naccel:       tcg (QEMU's own local APIC, hw/intc/apic.c)\n"),
            stands_for: apic_kvm::qemu::STANDS_FOR,
            unobservable: Vec::new(),
            options: apic_kvm::RunOptions {
                expect_as: Some(apic_kvm::qemu::STANDS_FOR),
                ..apic_kvm::RunOptions::default()
            },
        })
    }

    /// Runs a scenario.
    pub fn run(host: &Host, scenario: &Scenario) -> Result<ProfileTrace, Cannot> {
        match host.kind {
            Kind::Kvm => apic_kvm::run_scenario(scenario, &host.options),
            Kind::Qemu => apic_kvm::qemu::run_scenario(scenario, &host.options).map(|(t, _)| t),
        }
        .map_err(|e| Cannot(e.to_string()))
    }

    /// Checks, without running anything, that the runner can express every
    /// step.
    pub fn check(kind: Kind, scenario: &Scenario) -> Result<(), Cannot> {
        match kind {
            Kind::Kvm => apic_kvm::check(scenario),
            Kind::Qemu => apic_kvm::qemu::check(scenario),
        }
        .map_err(|e| Cannot(e.to_string()))
    }
}

#[cfg(not(all(target_os = "linux", target_arch = "x86_64")))]
mod imp {
    use super::*;

    const WHY: &str = "not Linux on x86_64: the kvm-host and qemu-tcg profiles need an x86 host";

    pub fn probe(_: Kind) -> Result<Host, Cannot> {
        Err(Cannot(WHY.into()))
    }

    pub fn run(_: &Host, _: &Scenario) -> Result<ProfileTrace, Cannot> {
        Err(Cannot(WHY.into()))
    }

    pub fn check(_: Kind, _: &Scenario) -> Result<(), Cannot> {
        Err(Cannot(WHY.into()))
    }
}

pub use imp::{check, probe, run};

impl Host {
    /// The vendor module line of the facts, shortened: `kvm_pvm`; for QEMU
    /// its accelerator, `TCG`.
    pub fn module_line(&self) -> String {
        if self.kind == Kind::Qemu {
            return "TCG".into();
        }
        let modules: Vec<&str> = self
            .facts
            .lines()
            .filter_map(|l| l.strip_prefix("module:"))
            .filter_map(|l| l.split_whitespace().next())
            .collect();
        if modules.is_empty() {
            "no vendor module found".into()
        } else {
            modules.join(", ")
        }
    }
}
