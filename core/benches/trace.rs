//! Traces every built-in scenario under every profile (target: the whole
//! set in under 1 ms).

use apic_core::{builtin, engine, Profile};
use criterion::{criterion_group, criterion_main, Criterion};

fn all_builtins(c: &mut Criterion) {
    let scenarios: Vec<_> = builtin::list()
        .iter()
        .filter_map(|b| builtin::get(b.id))
        .collect();
    c.bench_function("trace every built-in under every profile", |b| {
        b.iter(|| {
            for s in &scenarios {
                std::hint::black_box(engine::run_all(std::hint::black_box(s), &Profile::ALL));
            }
        })
    });
    for s in &scenarios {
        c.bench_function(&format!("trace {}", s.id), |b| {
            b.iter(|| std::hint::black_box(engine::run_all(std::hint::black_box(s), &Profile::ALL)))
        });
    }
}

criterion_group!(benches, all_builtins);
criterion_main!(benches);
