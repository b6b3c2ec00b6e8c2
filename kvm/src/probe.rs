//! `probe()`: host facts plus behaviour observed by running tiny programs.

use crate::host::{facts, HostError, HostFacts};

/// One behavioural observation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Observation {
    /// Short id, e.g. `isr-after-delivery`.
    pub id: &'static str,
    /// What was seen.
    pub text: String,
}

/// What this host's KVM is, with the limitations observed by running guests.
pub fn probe() -> Result<HostFacts, HostError> {
    let f = facts()?;
    Ok(f)
}
