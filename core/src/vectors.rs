//! Linux's names for x86 interrupt vectors, from
//! arch/x86/include/asm/irq_vectors.h as of v5.2 (only the fixed ones; the
//! device vectors in between are allocated at run time).

/// The `#define` name Linux v5.2 gives a vector, if it gives one.
pub fn linux_name(v: u8) -> Option<&'static str> {
    Some(match v {
        0x02 => "NMI_VECTOR",
        0x12 => "MCE_VECTOR",
        // IRQ_MOVE_CLEANUP_VECTOR is defined as FIRST_EXTERNAL_VECTOR.
        0x20 => "FIRST_EXTERNAL_VECTOR",
        0x80 => "IA32_SYSCALL_VECTOR",
        0xec => "LOCAL_TIMER_VECTOR",
        // 0xed and 0xee are HYPERV_STIMER0_VECTOR and
        // HYPERV_REENLIGHTENMENT_VECTOR, only with CONFIG_HYPERV.
        0xed => "HYPERV_STIMER0_VECTOR",
        0xee => "HYPERV_REENLIGHTENMENT_VECTOR",
        0xef => "MANAGED_IRQ_SHUTDOWN_VECTOR",
        // 0xf0..0xf2 only with CONFIG_HAVE_KVM.
        0xf0 => "POSTED_INTR_NESTED_VECTOR",
        0xf1 => "POSTED_INTR_WAKEUP_VECTOR",
        0xf2 => "POSTED_INTR_VECTOR",
        0xf3 => "HYPERVISOR_CALLBACK_VECTOR",
        0xf4 => "DEFERRED_ERROR_VECTOR",
        0xf5 => "UV_BAU_MESSAGE",
        0xf6 => "IRQ_WORK_VECTOR",
        0xf7 => "X86_PLATFORM_IPI_VECTOR",
        0xf8 => "REBOOT_VECTOR",
        0xf9 => "THRESHOLD_APIC_VECTOR",
        0xfa => "THERMAL_APIC_VECTOR",
        0xfb => "CALL_FUNCTION_SINGLE_VECTOR",
        0xfc => "CALL_FUNCTION_VECTOR",
        0xfd => "RESCHEDULE_VECTOR",
        0xfe => "ERROR_APIC_VECTOR",
        0xff => "SPURIOUS_APIC_VECTOR",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_vectors_of_the_story() {
        assert_eq!(linux_name(0xec), Some("LOCAL_TIMER_VECTOR"));
        assert_eq!(linux_name(0xff), Some("SPURIOUS_APIC_VECTOR"));
        assert_eq!(linux_name(0xfe), Some("ERROR_APIC_VECTOR"));
        assert_eq!(linux_name(0x31), None);
    }
}
