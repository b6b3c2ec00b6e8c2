//! The `kvm-host` profile: the host's in-kernel KVM local APIC, through
//! apic-kvm (Linux x86_64 only; elsewhere every call says why it cannot run).

use apic_core::format::{Field, Scenario};
use apic_core::trace::ProfileTrace;

/// The profile id of the host's KVM.
pub const ID: &str = "kvm-host";

/// What this host's KVM is, as far as a comparison needs it.
pub struct Host {
    /// The facts, printable (kernel, vendor, module, APICv, limitations).
    pub facts: String,
    /// The model profile the host stands for.
    pub stands_for: apic_core::Profile,
    /// Fields this host cannot show.
    pub unobservable: Vec<Field>,
    #[cfg(all(target_os = "linux", target_arch = "x86_64"))]
    options: apic_kvm::RunOptions,
}

/// Why a scenario cannot run on this host (exit status 3), in one line.
pub struct Cannot(pub String);

#[cfg(all(target_os = "linux", target_arch = "x86_64"))]
mod imp {
    use super::*;

    /// Probes the host: facts, the profile it stands for, what it cannot show.
    pub fn probe() -> Result<Host, Cannot> {
        let facts = apic_kvm::probe().map_err(|e| Cannot(e.to_string()))?;
        if let Err(e) = &facts.irqchip {
            return Err(Cannot(format!("no in-kernel irqchip: {e}")));
        }
        let stands_for = apic_core::Profile::from_id(facts.profile)
            .ok_or_else(|| Cannot(format!("unknown profile {}", facts.profile)))?;
        let options = apic_kvm::RunOptions::for_host(&facts);
        Ok(Host {
            facts: facts.to_string(),
            stands_for,
            unobservable: options.unobservable.clone(),
            options,
        })
    }

    /// Runs a scenario on the host's KVM.
    pub fn run(host: &Host, scenario: &Scenario) -> Result<ProfileTrace, Cannot> {
        apic_kvm::run_scenario(scenario, &host.options).map_err(|e| Cannot(e.to_string()))
    }

    /// Checks, without a VM, that the runner can express every step.
    pub fn check(scenario: &Scenario) -> Result<(), Cannot> {
        apic_kvm::check(scenario).map_err(|e| Cannot(e.to_string()))
    }
}

#[cfg(not(all(target_os = "linux", target_arch = "x86_64")))]
mod imp {
    use super::*;

    const WHY: &str =
        "not Linux on x86_64: the kvm-host profile needs the x86 in-kernel KVM local APIC";

    pub fn probe() -> Result<Host, Cannot> {
        Err(Cannot(WHY.into()))
    }

    pub fn run(_: &Host, _: &Scenario) -> Result<ProfileTrace, Cannot> {
        Err(Cannot(WHY.into()))
    }

    pub fn check(_: &Scenario) -> Result<(), Cannot> {
        Err(Cannot(WHY.into()))
    }
}

pub use imp::{check, probe, run};

impl Host {
    /// The vendor module line of the facts, shortened: `kvm_pvm`.
    pub fn module_line(&self) -> String {
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
