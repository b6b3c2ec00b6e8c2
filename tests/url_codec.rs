//! The URL hash codec: canonical links round-trip, and garbage is rejected
//! key by key with a message, never a panic. Runs natively and in the browser.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use apic_core::format::Kernel;
use apic_core::Profile;
use apic_playground::url::{encode, parse, UrlState, Value};
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::*;

#[cfg(target_arch = "wasm32")]
wasm_bindgen_test_configure!(run_in_browser);

fn view(profiles: &[Profile], step: usize, embed: bool, present: bool) -> UrlState {
    UrlState {
        scenario: "hotplug-cpu0".to_owned(),
        profiles: profiles.to_vec(),
        step,
        guest: Kernel::default(),
        embed,
        present,
        custom: None,
    }
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn encodes_the_documented_form() {
    // README's example link.
    let v = view(&[Profile::Hardware, Profile::KvmEmulated], 12, false, false);
    assert_eq!(encode(&v), "s=hotplug-cpu0&p=hardware,kvm-emulated&t=12");
    let v = view(&[Profile::KvmApicv], 3, true, true);
    assert_eq!(
        encode(&v),
        "s=hotplug-cpu0&p=kvm-apicv&t=3&embed=1&present=1"
    );
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn every_view_round_trips() {
    // Every non-empty subset of the eight profiles, a few steps, every
    // flag pair.
    for mask in 1u16..256 {
        let profiles: Vec<Profile> = Profile::EVERY
            .iter()
            .enumerate()
            .filter(|(i, _)| mask & (1 << i) != 0)
            .map(|(_, p)| *p)
            .collect();
        for step in [0, 1, 9, 10, 123] {
            for (embed, present) in [(false, false), (true, false), (false, true), (true, true)] {
                let v = view(&profiles, step, embed, present);
                let hash = format!("#{}", encode(&v));
                let p = parse(&hash);
                assert!(p.errors.is_empty(), "{hash}: {:?}", p.errors);
                assert_eq!(p.scenario, Value::Given(v.scenario.clone()));
                assert_eq!(p.profiles, Value::Given(v.profiles.clone()));
                assert_eq!(p.step, Value::Given(step));
                let flag = |on: bool| {
                    if on {
                        Value::Given(true)
                    } else {
                        Value::Missing
                    }
                };
                assert_eq!(p.embed, flag(embed));
                assert_eq!(p.present, flag(present));
            }
        }
    }
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn an_empty_hash_is_all_defaults_without_complaint() {
    for hash in ["", "#", "#&&"] {
        let p = parse(hash);
        assert!(p.errors.is_empty(), "{hash}");
        assert_eq!(p.scenario, Value::Missing);
        assert_eq!(p.profiles, Value::Missing);
        assert_eq!(p.step, Value::Missing);
        assert_eq!(p.embed, Value::Missing);
        assert_eq!(p.present, Value::Missing);
    }
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn keys_in_any_order_with_escapes_and_explicit_zero_flags() {
    let p = parse("#t=4&present=0&p=kvm-emulated%2Chardware&embed=0&s=hotplug-cpu0");
    assert!(p.errors.is_empty(), "{:?}", p.errors);
    assert_eq!(p.step, Value::Given(4));
    assert_eq!(
        p.profiles,
        Value::Given(vec![Profile::KvmEmulated, Profile::Hardware])
    );
    assert_eq!(p.embed, Value::Given(false));
    assert_eq!(p.present, Value::Given(false));
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn rejects_bad_steps() {
    for bad in [
        "abc",
        "-1",
        "+3",
        "1e3",
        "",
        "3.0",
        " 3",
        "99999999999999999999",
    ] {
        let p = parse(&format!("#t={bad}"));
        assert_eq!(p.step, Value::Invalid, "t={bad}");
        assert_eq!(p.errors.len(), 1, "t={bad}: {:?}", p.errors);
        assert!(p.errors[0].contains("step"), "{}", p.errors[0]);
    }
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn rejects_bad_scenarios() {
    for bad in ["", "../etc", "Hotplug", "a b", "<script>", "x%00"] {
        let p = parse(&format!("#s={bad}"));
        assert_eq!(p.scenario, Value::Invalid, "s={bad}");
        assert_eq!(p.errors.len(), 1, "s={bad}: {:?}", p.errors);
    }
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn keeps_known_profiles_and_names_unknown_ones() {
    let p = parse("#p=hardware,bogus,hardware");
    assert_eq!(p.profiles, Value::Given(vec![Profile::Hardware]));
    assert_eq!(p.errors.len(), 1);
    assert!(p.errors[0].contains("\"bogus\""), "{}", p.errors[0]);
    for bad in ["p=", "p=,", "p=nope"] {
        let p = parse(bad);
        assert_eq!(p.profiles, Value::Invalid, "{bad}");
        assert_eq!(p.errors.len(), 1, "{bad}: {:?}", p.errors);
    }
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn rejects_bad_flags_unknown_keys_duplicates_and_broken_escapes() {
    let p = parse("#embed=yes&present=2");
    assert_eq!((p.embed, p.present), (Value::Invalid, Value::Invalid));
    assert_eq!(p.errors.len(), 2);

    let p = parse("#zoom=3&t=1");
    assert_eq!(p.step, Value::Given(1));
    assert_eq!(p.errors.len(), 1);
    assert!(p.errors[0].contains("zoom"));

    let p = parse("#t=1&t=2");
    assert_eq!(p.step, Value::Given(1), "the first one is used");
    assert_eq!(p.errors.len(), 1);

    for bad in ["#s=%zz", "#s=%e", "#p=%ff%fe"] {
        let p = parse(bad);
        assert_eq!(p.errors.len(), 1, "{bad}: {:?}", p.errors);
    }

    let p = parse("#nonsense");
    assert_eq!(p.errors.len(), 1);
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn garbage_never_floods_the_message() {
    let long = "x".repeat(5000);
    let p = parse(&format!("#{long}=1&s={long}"));
    assert_eq!(p.errors.len(), 2);
    for e in &p.errors {
        assert!(e.len() < 200, "{e}");
    }
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn a_followed_link_is_read_from_its_own_url() {
    // `hashchange`'s newURL, not the address bar (hooks/url_sync.rs).
    use apic_playground::hooks::url_sync::hash_of;
    assert_eq!(
        hash_of("http://127.0.0.1:8080/#s=hotplug-cpu0&t=banana"),
        "#s=hotplug-cpu0&t=banana"
    );
    assert_eq!(hash_of("http://127.0.0.1:8080/a/index.html"), "");
    assert_eq!(hash_of("http://127.0.0.1:8080/#"), "#");
    assert_eq!(hash_of("http://127.0.0.1:8080/#t=1#2"), "#t=1#2");
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn theme_is_read_from_a_link() {
    assert_eq!(parse("theme=dark").theme, Value::Given("dark"));
    assert_eq!(
        parse("s=hotplug-cpu0&theme=system").theme,
        Value::Given("system")
    );
    let p = parse("theme=Dark");
    assert_eq!(p.theme, Value::Invalid);
    assert_eq!(p.errors.len(), 1, "{:?}", p.errors);
    assert_eq!(parse("").theme, Value::Missing);
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn guest_kernel_is_named_only_when_not_the_default() {
    let mut v = view(&[Profile::KvmEmulated], 7, false, false);
    assert_eq!(encode(&v), "s=hotplug-cpu0&p=kvm-emulated&t=7");
    assert_eq!(parse(&encode(&v)).guest, Value::Missing);
    for (kernel, name) in [(Kernel::V5_2, "v5.2"), (Kernel::V5_4, "v5.4")] {
        v.guest = kernel;
        let hash = encode(&v);
        assert_eq!(
            hash,
            format!("s=hotplug-cpu0&p=kvm-emulated&t=7&guest={name}")
        );
        let p = parse(&hash);
        assert!(p.errors.is_empty(), "{:?}", p.errors);
        assert_eq!(p.guest, Value::Given(kernel));
    }
    assert_eq!(parse("guest=wip-2019").guest, Value::Given(Kernel::Wip2019));
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn an_unknown_guest_kernel_names_the_known_ones() {
    let p = parse("s=hotplug-cpu0&guest=v6.1");
    assert_eq!(p.guest, Value::Invalid);
    assert_eq!(p.scenario, Value::Given("hotplug-cpu0".to_owned()));
    assert_eq!(p.errors.len(), 1, "{:?}", p.errors);
    assert!(
        p.errors[0].contains("v6.1") && p.errors[0].contains("wip-2019, v5.2, v5.4"),
        "{:?}",
        p.errors
    );
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn links_name_the_other_implementations() {
    let p = parse("p=hardware,qemu,xen,bhyve,virtualbox");
    assert!(p.errors.is_empty(), "{:?}", p.errors);
    assert_eq!(
        p.profiles,
        Value::Given(vec![
            Profile::Hardware,
            Profile::Qemu,
            Profile::Xen,
            Profile::Bhyve,
            Profile::Virtualbox
        ])
    );
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn only_another_built_in_outside_an_embed_is_a_new_entry_of_the_history() {
    use apic_playground::url::new_entry;
    let key = |hash: &str| parse(hash).history_key().map(str::to_owned);
    let seed = key("#s=hotplug-cpu0&t=16");
    // Another built-in: a new entry; the same one at another step or with
    // other profiles: none.
    assert!(new_entry(
        seed.as_deref(),
        key("s=nested-eoi&t=0").as_deref()
    ));
    assert!(!new_entry(
        seed.as_deref(),
        key("s=hotplug-cpu0&p=hardware&t=3").as_deref()
    ));
    // An embed's frame shares its host page's history; a scenario of one's
    // own changes its `c` at every edit: neither adds one.
    assert_eq!(key("s=nested-eoi&embed=1"), None);
    assert_eq!(key("c=AAAA&s=nested-eoi"), None);
    assert!(!new_entry(seed.as_deref(), key("c=AAAA").as_deref()));
    assert!(!new_entry(None, seed.as_deref()));
    // A view and the link that encodes it have the same key.
    let shown = view(&[Profile::Hardware], 4, false, false);
    assert_eq!(shown.history_key(), key(&encode(&shown)).as_deref());
    assert_eq!(
        view(&[Profile::Hardware], 4, true, false).history_key(),
        None
    );
}
