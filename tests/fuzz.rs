//! Fuzzing of every input the page reads (issue 9): the URL hash
//! (`url::parse`), a link's `c` value (`base64url::decode`; its DEFLATE
//! runs in the browser), a scenario's text (`apic_core::format::parse`: a
//! file opened, dropped or pasted, or a decompressed `c`) and the reader
//! worker's transfer encoding (`apic_core::format::wire`).
//!
//! cargo-fuzz needs a nightly compiler, so this is proptest: random and
//! structure-aware inputs, the scenario texts mutated from the built-ins'
//! JSON (their seed corpus: `core/scenarios/*.json`), and on failure a
//! shrunk, saved counterexample (`tests/fuzz.proptest-regressions`). Each
//! property holds for every input: no panic, and every rejection carries a
//! message. A scenario the reader accepts is also run under every profile.
//!
//! `make test` runs the default 256 cases per property; a longer run
//! (about two minutes per 10,000 cases on two cores):
//! `PROPTEST_CASES=100000 cargo test -p apic-playground --test fuzz`.

#![cfg(not(target_arch = "wasm32"))]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::path::Path;
use std::sync::OnceLock;

use apic_core::format::{self, wire, Field, Profile, Reg, Routine};
use apic_playground::{base64url, url};
use proptest::prelude::*;
use serde_json::{json, Map, Value};

// ---------- the URL hash ----------

/// Keys the codec knows, and some it does not.
fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec!["s", "p", "t", "c", "embed", "present"]).prop_map(String::from),
        "[a-zA-Z%=]{0,6}",
        ".{0,4}",
    ]
}

/// Values near what the codec expects: ids, profile lists, numbers, flags,
/// percent-escapes (valid, invalid, cut short, not UTF-8), and long values.
fn hash_value() -> impl Strategy<Value = String> {
    let profiles: Vec<&str> = Profile::ALL.iter().map(|p| p.id()).collect();
    let ids: Vec<&str> = apic_core::builtin::ids().collect();
    prop_oneof![
        prop::sample::select(ids).prop_map(String::from),
        prop::collection::vec(prop::sample::select(profiles), 0..6).prop_map(|v| v.join(",")),
        any::<i64>().prop_map(|n| n.to_string()),
        any::<u128>().prop_map(|n| n.to_string()),
        prop::sample::select(vec!["0", "1", "true", "", "-0", "+1", "1e3", " 1"])
            .prop_map(String::from),
        "(%[0-9a-fA-FzZ]{0,2}|[a-z,_&=#-]){0,12}",
        "[A-Za-z0-9_=-]{0,40}",
        "[A-Za-z0-9_-]{150,400}",
        ".{0,30}",
    ]
}

fn hash() -> impl Strategy<Value = String> {
    (
        prop::option::of(Just("#")),
        prop::collection::vec(
            prop_oneof![
                4 => (key(), hash_value()).prop_map(|(k, v)| format!("{k}={v}")),
                1 => key(),
            ],
            0..8,
        ),
    )
        .prop_map(|(hash, pairs)| format!("{}{}", hash.unwrap_or(""), pairs.join("&")))
}

fn check_parsed(input: &str, parsed: &url::Parsed) -> Result<(), TestCaseError> {
    let invalid = [
        matches!(parsed.scenario, url::Value::Invalid),
        matches!(parsed.profiles, url::Value::Invalid),
        matches!(parsed.step, url::Value::Invalid),
        matches!(parsed.embed, url::Value::Invalid),
        matches!(parsed.present, url::Value::Invalid),
    ];
    prop_assert!(
        !invalid.contains(&true) || !parsed.errors.is_empty(),
        "{input:?}: a key was rejected with no message: {parsed:?}"
    );
    for e in &parsed.errors {
        prop_assert!(
            e.len() > 10 && e.ends_with('.'),
            "{input:?}: a message that says nothing: {e:?}"
        );
        // Messages quote the link, shortened: a long link cannot make a long message.
        prop_assert!(
            e.chars().count() < 400,
            "{input:?}: a message of {} characters",
            e.chars().count()
        );
    }
    Ok(())
}

proptest! {
    #[test]
    fn url_parse_never_panics_on_any_text(text in ".{0,300}") {
        check_parsed(&text, &url::parse(&text))?;
    }

    #[test]
    fn url_parse_never_panics_on_near_links(hash in hash()) {
        let parsed = url::parse(&hash);
        check_parsed(&hash, &parsed)?;
        // One leading '#' changes nothing.
        if !hash.starts_with('#') {
            prop_assert_eq!(&parsed, &url::parse(&format!("#{hash}")));
        }
    }
}

// ---------- the `c` value: base64url ----------

proptest! {
    #[test]
    fn base64url_decode_never_panics_and_explains(text in prop_oneof![".{0,200}", "[A-Za-z0-9_=-]{0,200}"]) {
        match base64url::decode(&text) {
            // Never more bytes than the text could describe.
            Ok(bytes) => prop_assert!(bytes.len() <= text.len() * 3 / 4),
            Err(e) => prop_assert!(e.len() > 10, "{text:?}: {e:?}"),
        }
    }

    #[test]
    fn base64url_round_trips(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        let text = base64url::encode(&bytes);
        prop_assert!(text.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_'));
        prop_assert_eq!(base64url::decode(&text).unwrap(), bytes);
    }
}

// ---------- scenario texts: mutations of the built-ins ----------

/// The seed corpus: every built-in scenario's JSON text.
fn seeds() -> &'static [(String, Value)] {
    static SEEDS: OnceLock<Vec<(String, Value)>> = OnceLock::new();
    SEEDS.get_or_init(|| {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("core/scenarios");
        let mut out: Vec<(String, Value)> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|f| f.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .map(|p| {
                let text = std::fs::read_to_string(&p).unwrap();
                let value = serde_json::from_str(&text).unwrap();
                (text, value)
            })
            .collect();
        out.sort_by(|a, b| a.0.cmp(&b.0));
        assert!(
            out.len() >= 10,
            "the built-ins' JSON is missing from {}",
            dir.display()
        );
        out
    })
}

/// Words the reader knows, so that mutations reach past "unknown field".
fn word() -> impl Strategy<Value = String> {
    let mut words: Vec<&'static str> = vec![
        "id",
        "title",
        "summary",
        "handlers",
        "processor",
        "steps",
        "do",
        "label",
        "note",
        "text",
        "reg",
        "value",
        "vector",
        "level",
        "routine",
        "profiles",
        "warn",
        "auto_eoi",
        "manual",
        "write",
        "cli",
        "sti",
        "hlt",
        "irq",
        "self_ipi",
        "nmi",
        "init",
        "sipi",
        "timer_fire",
        "eoi",
        "linux",
        "expect",
        "$schema",
        "0x",
        "0xec",
        "0xffffffffffffffffff",
        "-1",
    ];
    words.extend(Reg::names());
    words.extend(Routine::names());
    words.extend(Field::names());
    words.extend(Profile::ALL.iter().map(|p| p.id()));
    prop_oneof![
        3 => prop::sample::select(words).prop_map(String::from),
        1 => ".{0,12}",
    ]
}

/// Any JSON value, biased to what scenarios hold.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        prop::sample::select(vec![
            0i64,
            1,
            15,
            16,
            0xec,
            255,
            256,
            -1,
            i64::MAX,
            i64::MIN
        ])
        .prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        word().prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((word(), inner), 0..4)
                .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// One structural edit of a JSON document, at the node numbered `at` in
/// pre-order (modulo their count).
#[derive(Clone, Debug)]
enum Edit {
    Replace(usize, Value),
    RemoveKey(usize, usize),
    AddKey(usize, String, Value),
    DuplicateItem(usize, usize),
    RemoveItem(usize, usize),
    Many(usize, usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        4 => (any::<usize>(), json_value()).prop_map(|(a, v)| Edit::Replace(a, v)),
        2 => (any::<usize>(), any::<usize>()).prop_map(|(a, k)| Edit::RemoveKey(a, k)),
        3 => (any::<usize>(), word(), json_value()).prop_map(|(a, k, v)| Edit::AddKey(a, k, v)),
        2 => (any::<usize>(), any::<usize>()).prop_map(|(a, i)| Edit::DuplicateItem(a, i)),
        2 => (any::<usize>(), any::<usize>()).prop_map(|(a, i)| Edit::RemoveItem(a, i)),
        1 => (any::<usize>(), 1usize..20_000).prop_map(|(a, n)| Edit::Many(a, n)),
    ]
}

fn count(v: &Value) -> usize {
    1 + match v {
        Value::Array(a) => a.iter().map(count).sum(),
        Value::Object(o) => o.values().map(count).sum(),
        _ => 0,
    }
}

/// The node numbered `n` in pre-order.
fn nth(v: &mut Value, n: usize) -> Option<&mut Value> {
    if n == 0 {
        return Some(v);
    }
    let mut n = n - 1;
    let children: Vec<&mut Value> = match v {
        Value::Array(a) => a.iter_mut().collect(),
        Value::Object(o) => o.values_mut().collect(),
        _ => return None,
    };
    for c in children {
        let size = count(c);
        if n < size {
            return nth(c, n);
        }
        n -= size;
    }
    None
}

fn apply(doc: &mut Value, edit: &Edit) {
    let at = |a: usize| a % count(doc);
    match edit {
        Edit::Replace(a, v) => {
            let a = at(*a);
            *nth(doc, a).unwrap() = v.clone();
        }
        Edit::RemoveKey(a, k) => {
            let a = at(*a);
            if let Some(Value::Object(o)) = nth(doc, a) {
                if let Some(key) = o.keys().nth(k % o.len().max(1)).cloned() {
                    o.remove(&key);
                }
            }
        }
        Edit::AddKey(a, k, v) => {
            let a = at(*a);
            if let Some(Value::Object(o)) = nth(doc, a) {
                o.insert(k.clone(), v.clone());
            }
        }
        Edit::DuplicateItem(a, i) => {
            let a = at(*a);
            if let Some(Value::Array(items)) = nth(doc, a) {
                if !items.is_empty() {
                    let i = i % items.len();
                    items.insert(i, items[i].clone());
                }
            }
        }
        Edit::RemoveItem(a, i) => {
            let a = at(*a);
            if let Some(Value::Array(items)) = nth(doc, a) {
                if !items.is_empty() {
                    items.remove(i % items.len());
                }
            }
        }
        // Past the reader's limits: many steps.
        Edit::Many(a, n) => {
            let a = at(*a);
            if let Some(Value::Array(items)) = nth(doc, a) {
                if let Some(first) = items.first().cloned() {
                    items.resize(*n, first);
                }
            }
        }
    }
}

/// One byte-level edit of a text.
#[derive(Clone, Debug)]
enum Splice {
    Cut(usize),
    Delete(usize, usize),
    Insert(usize, String),
    Flip(usize, u8),
}

fn splice() -> impl Strategy<Value = Splice> {
    prop_oneof![
        any::<usize>().prop_map(Splice::Cut),
        (any::<usize>(), 1usize..40).prop_map(|(a, n)| Splice::Delete(a, n)),
        (
            any::<usize>(),
            prop_oneof![
                word(),
                Just("\"".into()),
                Just("{".into()),
                Just("]".into()),
                Just("\\u".into()),
                Just(",".into()),
                "[\\[\\]{}\":,0-9a-z\\\\]{1,6}"
            ]
        )
            .prop_map(|(a, s)| Splice::Insert(a, s)),
        (any::<usize>(), any::<u8>()).prop_map(|(a, b)| Splice::Flip(a, b)),
    ]
}

fn splice_text(text: &str, s: &Splice) -> String {
    let mut bytes = text.as_bytes().to_vec();
    let len = bytes.len().max(1);
    match s {
        Splice::Cut(a) => bytes.truncate(a % len),
        Splice::Delete(a, n) => {
            let a = a % len;
            let b = (a + n).min(bytes.len());
            if a < b {
                bytes.drain(a..b);
            }
        }
        Splice::Insert(a, s) => {
            let a = (a % len).min(bytes.len());
            bytes.splice(a..a, s.bytes());
        }
        Splice::Flip(a, b) => {
            if let Some(x) = bytes.get_mut(a % len) {
                *x ^= b | 1;
            }
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

/// The reader's verdict on `text`: an error that says what and where, or a
/// scenario that runs under every profile, goes through the worker's
/// encoding unchanged, and reads back from its canonical JSON.
fn check_scenario_text(text: &str) -> Result<(), TestCaseError> {
    match format::parse(text) {
        Err(e) => {
            prop_assert!(e.message.len() > 10, "a rejection without a message: {e:?}");
            prop_assert!(
                e.line <= text.lines().count() + 1,
                "line {} of a {}-line text",
                e.line,
                text.lines().count()
            );
            let back = wire::decode_result(&wire::encode_result(&Err(e.clone())));
            prop_assert_eq!(back, Some(Err(e)));
        }
        Ok(s) => {
            prop_assert!(s.steps.len() <= format::MAX_STEPS);
            prop_assert_eq!(wire::decode(&wire::encode(&s)), Some(s.clone()));
            prop_assert_eq!(format::parse(&format::to_json(&s)), Ok(s.clone()));
            // Short enough to run here at every case; the engine's own
            // invariants are core/tests/properties.rs's.
            if s.steps.len() <= 200 {
                let trace = apic_core::engine::run_all(&s, &Profile::ALL);
                prop_assert_eq!(trace.profiles.len(), Profile::ALL.len());
            }
        }
    }
    Ok(())
}

proptest! {
    #[test]
    fn the_built_ins_read_as_they_are(i in 0usize..64) {
        let (text, _) = &seeds()[i % seeds().len()];
        prop_assert!(format::parse(text).is_ok());
        check_scenario_text(text)?;
    }

    #[test]
    fn mutated_built_ins_never_panic_the_reader(
        i in 0usize..64,
        edits in prop::collection::vec(edit(), 1..5),
        pretty in any::<bool>(),
    ) {
        let mut doc = seeds()[i % seeds().len()].1.clone();
        for e in &edits {
            apply(&mut doc, e);
        }
        let text = if pretty { serde_json::to_string_pretty(&doc).unwrap() } else { doc.to_string() };
        check_scenario_text(&text)?;
    }

    #[test]
    fn spliced_built_ins_never_panic_the_reader(i in 0usize..64, splices in prop::collection::vec(splice(), 1..4)) {
        let mut text = seeds()[i % seeds().len()].0.clone();
        for s in &splices {
            text = splice_text(&text, s);
        }
        check_scenario_text(&text)?;
    }

    #[test]
    fn random_documents_never_panic_the_reader(doc in json_value(), steps in prop::collection::vec(json_value(), 0..6)) {
        check_scenario_text(&doc.to_string())?;
        let wrapped = json!({"id": "x", "title": "x", "steps": steps});
        check_scenario_text(&wrapped.to_string())?;
    }
}

// ---------- the worker's transfer encoding ----------

/// One byte-level edit of an encoding.
fn mutate(mut bytes: Vec<u8>, edits: &[(usize, u8, u8)]) -> Vec<u8> {
    for &(at, kind, b) in edits {
        let len = bytes.len().max(1);
        let at = at % len;
        match kind % 4 {
            0 => bytes.truncate(at),
            1 => {
                if let Some(x) = bytes.get_mut(at) {
                    *x = b;
                }
            }
            2 => bytes.insert(at.min(bytes.len()), b),
            _ => {
                if at < bytes.len() {
                    bytes.remove(at);
                }
            }
        }
    }
    bytes
}

proptest! {
    #[test]
    fn wire_decode_never_panics_on_any_bytes(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        if let Some(s) = wire::decode(&bytes) {
            prop_assert_eq!(wire::decode(&wire::encode(&s)), Some(s));
        }
        let _ = wire::decode_result(&bytes);
    }

    #[test]
    fn wire_decode_never_panics_on_mutated_built_ins(
        i in 0usize..64,
        edits in prop::collection::vec((any::<usize>(), any::<u8>(), any::<u8>()), 1..6),
        as_result in any::<bool>(),
    ) {
        let s = format::parse(&seeds()[i % seeds().len()].0).unwrap();
        let bytes = if as_result { wire::encode_result(&Ok(s)) } else { wire::encode(&s) };
        let bytes = mutate(bytes, &edits);
        if as_result {
            if let Some(Err(e)) = wire::decode_result(&bytes) {
                // Even a forged error arrives as words the page can show.
                let _ = e.to_string();
            }
        } else if let Some(s) = wire::decode(&bytes) {
            prop_assert_eq!(wire::decode(&wire::encode(&s)), Some(s));
        }
    }
}
