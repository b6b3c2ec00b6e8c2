//! Collects the checkpoints that failed in a trace (`apic-trace check`).

use crate::trace::Trace;

/// One line per failed `expect`: profile, step, label and what differed.
/// Empty when every checkpoint passed.
pub fn check(trace: &Trace) -> Vec<String> {
    let mut out = Vec::new();
    for p in &trace.profiles {
        for s in &p.states {
            if let Some(e) = &s.expect {
                if !e.ok {
                    out.push(format!(
                        "{}: step {} ({}): {}",
                        p.profile, s.step, s.label, e.detail
                    ));
                }
            }
        }
    }
    out
}
