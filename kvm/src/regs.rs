//! Scenario register names (format v1 `write {reg, value}`) as guest
//! operations, so the CLI can turn a primitive step into [`GuestOp`]s.

use crate::lapic::{msr, reg};
use crate::vm::GuestOp;

/// The APIC registers and MSRs a format-v1 `write` step may name.
pub const WRITABLE: [&str; 18] = [
    "id",
    "tpr",
    "eoi",
    "ldr",
    "dfr",
    "spiv",
    "esr",
    "icr",
    "lvt_timer",
    "lvt_thermal",
    "lvt_pmc",
    "lvt_lint0",
    "lvt_lint1",
    "lvt_error",
    "timer_initial",
    "timer_divide",
    "tsc_deadline",
    "apic_base",
];

/// The xAPIC MMIO offset of a 32-bit register name.
pub fn mmio_offset(name: &str) -> Option<u16> {
    Some(match name {
        "id" => reg::ID,
        "tpr" => reg::TPR,
        "eoi" => reg::EOI,
        "ldr" => reg::LDR,
        "dfr" => reg::DFR,
        "spiv" => reg::SPIV,
        "esr" => reg::ESR,
        "lvt_timer" => reg::LVT_TIMER,
        "lvt_thermal" => reg::LVT_THERMAL,
        "lvt_pmc" => reg::LVT_PMC,
        "lvt_lint0" => reg::LVT_LINT0,
        "lvt_lint1" => reg::LVT_LINT1,
        "lvt_error" => reg::LVT_ERROR,
        "timer_initial" => reg::TIMER_INITIAL,
        "timer_divide" => reg::TIMER_DIVIDE,
        _ => return None,
    })
}

/// The guest operations that write `value` to the register `name`:
///
/// - 32-bit APIC registers: one MMIO write (a value above 32 bits is refused);
/// - `icr`: the high half (destination, bits 63:32) first, then the low
///   half, whose write sends the IPI (SDM 10.6.1);
/// - `tsc_deadline`: WRMSR 0x6e0;
/// - `apic_base`: WRMSR 0x1b with bit 8 (BSP) kept as `bsp` says, as the
///   model keeps it (the runner's vCPU is an AP unless configured as BSP).
pub fn write_reg(name: &str, value: u64, bsp: bool) -> Result<Vec<GuestOp>, String> {
    if let Some(offset) = mmio_offset(name) {
        let value = u32::try_from(value)
            .map_err(|_| format!("{name} is a 32-bit register; {value:#x} does not fit"))?;
        return Ok(vec![GuestOp::WriteApic { offset, value }]);
    }
    match name {
        "icr" => Ok(vec![
            GuestOp::WriteApic {
                offset: reg::ICR_HIGH,
                value: (value >> 32) as u32,
            },
            GuestOp::WriteApic {
                offset: reg::ICR_LOW,
                value: value as u32,
            },
        ]),
        "tsc_deadline" => Ok(vec![GuestOp::WriteMsr {
            msr: msr::TSC_DEADLINE,
            value,
        }]),
        "apic_base" => {
            let value = (value & !(1 << 8)) | if bsp { 1 << 8 } else { 0 };
            Ok(vec![GuestOp::WriteMsr {
                msr: msr::APIC_BASE,
                value,
            }])
        }
        _ => Err(format!(
            "unknown register {name:?}; one of {}",
            WRITABLE.join(" ")
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_writable_name_maps() {
        for name in WRITABLE {
            assert!(write_reg(name, 0, false).is_ok(), "{name}");
        }
        assert!(write_reg("isr", 0, false).is_err());
        assert!(write_reg("spiv", 1 << 32, false).is_err());
    }

    #[test]
    fn icr_writes_high_then_low_and_apic_base_keeps_bsp() {
        assert_eq!(
            write_reg("icr", 0x0100_0000_0000_4050, false),
            Ok(vec![
                GuestOp::WriteApic {
                    offset: reg::ICR_HIGH,
                    value: 0x0100_0000
                },
                GuestOp::WriteApic {
                    offset: reg::ICR_LOW,
                    value: 0x4050
                },
            ])
        );
        assert_eq!(
            write_reg("apic_base", 0xfee0_0900, false),
            Ok(vec![GuestOp::WriteMsr {
                msr: 0x1b,
                value: 0xfee0_0800
            }])
        );
    }
}
