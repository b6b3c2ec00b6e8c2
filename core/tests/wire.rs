//! Property tests of the page's private transfer encoding
//! (`format::wire`): any scenario comes back as it went, and no input,
//! however forged, makes `decode` panic.

#![allow(clippy::unwrap_used)]

use apic_core::format::wire::{decode, decode_result, encode, encode_result};
use apic_core::format::{
    CpuRun, Expect, Field, FieldValue, FormatError, Handlers, Op, Processor, Profile, Reg, Routine,
    Scenario, Step,
};
use proptest::prelude::*;

fn pick<T: Copy + std::fmt::Debug + 'static>(
    names: Vec<&'static str>,
    from: fn(&str) -> Option<T>,
) -> impl Strategy<Value = T> {
    let all: Vec<T> = names.into_iter().filter_map(from).collect();
    prop::sample::select(all)
}

fn value(field: Field) -> BoxedStrategy<FieldValue> {
    match field.kind() {
        apic_core::format::Kind::Vectors => prop::collection::btree_set(any::<u8>(), 0..5)
            .prop_map(|v| FieldValue::Vectors(v.into_iter().collect()))
            .boxed(),
        apic_core::format::Kind::U8 => (0u32..256).prop_map(FieldValue::Number).boxed(),
        apic_core::format::Kind::U32 => any::<u32>().prop_map(FieldValue::Number).boxed(),
        apic_core::format::Kind::Bool => any::<bool>().prop_map(FieldValue::Bool).boxed(),
        apic_core::format::Kind::Cpu => pick(CpuRun::names().collect(), CpuRun::from_name)
            .prop_map(FieldValue::Cpu)
            .boxed(),
    }
}

fn op() -> impl Strategy<Value = Op> {
    let field = pick(Field::names().collect(), Field::from_name);
    prop_oneof![
        (pick(Reg::names().collect(), Reg::from_name), any::<u64>())
            .prop_map(|(reg, value)| Op::Write { reg, value }),
        Just(Op::Cli),
        Just(Op::Sti),
        Just(Op::Hlt),
        (any::<u8>(), any::<bool>()).prop_map(|(vector, level)| Op::Irq { vector, level }),
        any::<u8>().prop_map(|vector| Op::SelfIpi { vector }),
        Just(Op::Nmi),
        Just(Op::Init),
        any::<u8>().prop_map(|vector| Op::Sipi { vector }),
        Just(Op::TimerFire),
        Just(Op::Eoi),
        pick(Routine::names().collect(), Routine::from_name)
            .prop_map(|routine| Op::Linux { routine }),
        ".{0,20}".prop_map(|text| Op::Note { text }),
        (
            prop::option::of(prop::collection::vec(
                pick(Profile::names().collect(), Profile::from_name),
                0..4
            )),
            prop::collection::vec(
                field.prop_flat_map(|f| value(f).prop_map(move |v| (f, v))),
                0..4
            ),
            prop::option::of(prop::collection::vec(
                pick(Field::names().collect(), Field::from_name),
                0..4
            )),
        )
            .prop_map(|(profiles, checks, predict)| Op::Expect(Expect {
                profiles,
                checks,
                predict
            })),
    ]
}

fn scenario() -> impl Strategy<Value = Scenario> {
    (
        "[a-z0-9_-]{1,20}",
        ".{0,30}",
        ".{0,30}",
        any::<bool>(),
        any::<bool>(),
        prop::collection::vec(
            (
                op(),
                prop::option::of(".{0,12}"),
                prop::option::of(".{0,12}"),
            ),
            0..30,
        ),
    )
        .prop_map(|(id, title, summary, manual, ap, steps)| Scenario {
            id,
            title,
            summary,
            handlers: if manual {
                Handlers::Manual
            } else {
                Handlers::AutoEoi
            },
            processor: if ap { Processor::Ap } else { Processor::Bsp },
            steps: steps
                .into_iter()
                .map(|(op, label, note)| Step { op, label, note })
                .collect(),
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn any_scenario_round_trips(s in scenario()) {
        prop_assert_eq!(decode(&encode(&s)), Some(s.clone()));
        prop_assert_eq!(decode_result(&encode_result(&Ok(s.clone()))), Some(Ok(s)));
    }

    #[test]
    fn any_error_round_trips(message in ".{0,40}", step in prop::option::of(0usize..20_000),
        field in prop::option::of("[a-z_]{0,10}"), line in 0usize..100_000, column in 0usize..10_000) {
        let e = FormatError { message, step, field, line, column };
        prop_assert_eq!(decode_result(&encode_result(&Err(e.clone()))), Some(Err(e)));
    }

    #[test]
    fn no_input_panics(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        let _ = decode(&bytes);
        let _ = decode_result(&bytes);
    }

    /// A scenario with one byte flipped either decodes to something or is
    /// rejected, never panics.
    #[test]
    fn flipped_bytes_never_panic(s in scenario(), at in any::<prop::sample::Index>(), bit in 0u8..8) {
        let mut bytes = encode(&s);
        if !bytes.is_empty() {
            let i = at.index(bytes.len());
            if let Some(b) = bytes.get_mut(i) {
                *b ^= 1 << bit;
            }
        }
        let _ = decode(&bytes);
    }
}
