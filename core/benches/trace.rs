//! The model's timings, reported by `make bench` (scripts/criterion-medians.mjs
//! prints the medians), never asserted (issue 15: the whole set in at most
//! 100 us):
//!
//! - `model/every built-in, every profile`: `engine::run_all` of every
//!   built-in scenario under all four profiles, as the page does: events
//!   kept as data, their text formatted only when read;
//! - `model/every built-in, all eight profiles`: the same under
//!   `Profile::EVERY` (the four and the other hypervisors);
//! - `model/<id>`: the first, one scenario at a time;
//! - `model/every built-in, every profile, every text`: the first, then
//!   every event's text read (formatted), as `apic-trace run` does: the
//!   difference to the first is what formatting every state's events up
//!   front would cost, where the page formats one step's at a time.

use apic_core::{builtin, engine, Profile, Trace};
use criterion::{criterion_group, criterion_main, Criterion};
use std::hint::black_box;
use std::time::Duration;

/// Read every event's text (and every label and checkpoint detail), so
/// that each is formatted.
fn read_every_text(t: &Trace) -> usize {
    let mut bytes = 0;
    for p in &t.profiles {
        for s in &p.states {
            bytes += s.label.len();
            bytes += s.events.iter().map(|e| e.text.len()).sum::<usize>();
            bytes += s.expect.as_ref().map_or(0, |e| e.detail.len());
        }
    }
    bytes
}

fn model(c: &mut Criterion) {
    let scenarios: Vec<_> = builtin::list()
        .iter()
        .filter_map(|b| builtin::get(b.id))
        .collect();
    let mut g = c.benchmark_group("model");
    g.warm_up_time(Duration::from_millis(500));
    g.measurement_time(Duration::from_secs(2));
    g.bench_function("every built-in, every profile", |b| {
        b.iter(|| {
            for s in &scenarios {
                black_box(engine::run_all(black_box(s), &Profile::ALL));
            }
        })
    });
    g.bench_function("every built-in, every profile, every text", |b| {
        b.iter(|| {
            for s in &scenarios {
                let t = engine::run_all(black_box(s), &Profile::ALL);
                black_box(read_every_text(&t));
            }
        })
    });
    g.bench_function("every built-in, all eight profiles", |b| {
        b.iter(|| {
            for s in &scenarios {
                black_box(engine::run_all(black_box(s), &Profile::EVERY));
            }
        })
    });
    for s in &scenarios {
        g.bench_function(s.id.as_str(), |b| {
            b.iter(|| black_box(engine::run_all(black_box(s), &Profile::ALL)))
        });
    }
    g.finish();
}

criterion_group!(benches, model);
criterion_main!(benches);
