//! Property tests of the page's private transfer encoding
//! (`format::wire`) and of the library of traces written with it
//! (`library`): any scenario comes back as it went, and no input, however
//! forged, makes a reader panic.

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

/// The library of traces computed ahead of time (`apic_core::library`):
/// any scenario's entry gives back, under every guest kernel, what it
/// shows of the scenario and exactly the traces the engine computes; no
/// file, however forged or damaged, makes a reader panic.
mod library {
    use super::*;
    use apic_core::format::{wire, Kernel};
    use apic_core::library::{entry, read_seed, seed_file, Library, LibraryError};
    use apic_core::view::Meta;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]

        #[test]
        fn any_scenario_reads_back_as_the_engine_traces_it(s in scenario()) {
            let file = wire::join([entry(&s, Kernel::variants()).as_slice()]);
            let library = Library::read(file.clone(), wire::fingerprint(&file)).unwrap();
            for &kernel in Kernel::variants() {
                let expected =
                    apic_core::engine::run_all_guest(&s, &Profile::EVERY, kernel);
                prop_assert_eq!(
                    library.get(&s.id, kernel),
                    Ok((Meta::of(&s), expected))
                );
            }
        }

        #[test]
        fn no_library_or_seed_file_panics(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
            let _ = read_seed(&bytes);
            if let Ok(library) = Library::read(bytes.clone(), wire::fingerprint(&bytes)) {
                let _ = library.get("hotplug-cpu0", Kernel::default());
            }
        }

        /// The seed file with one byte flipped reads as something or as
        /// nothing, never panics; a library with one byte flipped is refused.
        #[test]
        fn flipped_bytes_of_the_files_never_panic(at in any::<prop::sample::Index>(), bit in 0u8..8) {
            let mut seed = seed_file();
            let i = at.index(seed.len());
            if let Some(b) = seed.get_mut(i) {
                *b ^= 1 << bit;
            }
            let _ = read_seed(&seed);
            let file = wire::join([entry(&apic_core::builtin::seed().unwrap(), &[Kernel::default()]).as_slice()]);
            let hash = wire::fingerprint(&file);
            let mut flipped = file.clone();
            let i = at.index(flipped.len());
            if let Some(b) = flipped.get_mut(i) {
                *b ^= 1 << bit;
            }
            prop_assert_eq!(Library::read(flipped, hash).err(), Some(LibraryError::Stale));
        }
    }
}
