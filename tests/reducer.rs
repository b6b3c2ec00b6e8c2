//! The reducer's transitions: stepping stays in bounds, play stops at the
//! end, toggles keep at least one profile, and a bad link leaves a message
//! and a usable view. Runs on the hand-written traces of `common`, natively
//! (`cargo test`) and in the browser.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use std::rc::Rc;

use apic_core::Profile;
use apic_playground::keys::action_for;
use apic_playground::state::{Action, AppState, Speed, Theme};
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::*;
use yew::Reducible;

#[cfg(target_arch = "wasm32")]
wasm_bindgen_test_configure!(run_in_browser);

fn start(hash: &str) -> Rc<AppState> {
    Rc::new(AppState::new(hash, Theme::System, common::loader, "mini"))
}

fn apply(state: &Rc<AppState>, action: Action) -> Rc<AppState> {
    state.clone().reduce(action)
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn starts_at_the_initial_state_with_every_profile() {
    let s = start("");
    assert_eq!(s.step, 0);
    assert_eq!(s.last(), 3);
    assert_eq!(s.profiles, Profile::ALL.to_vec());
    assert!(s.alerts.is_empty());
    assert!(!s.playing);
    assert_eq!(s.data.id, "mini");
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn stepping_stays_in_bounds() {
    let s = start("");
    // Back from the first state: nothing changes, not even the Rc.
    let back = apply(&s, Action::Prev);
    assert!(Rc::ptr_eq(&s, &back));
    let s = apply(&s, Action::Next);
    assert_eq!(s.step, 1);
    let s = apply(&s, Action::Last);
    assert_eq!(s.step, 3);
    let again = apply(&s, Action::Next);
    assert!(
        Rc::ptr_eq(&s, &again),
        "forward from the last state is a no-op"
    );
    let s = apply(&s, Action::Prev);
    assert_eq!(s.step, 2);
    let s = apply(&s, Action::First);
    assert_eq!(s.step, 0);
    let s = apply(&s, Action::Goto(2));
    assert_eq!(s.step, 2);
    let out = apply(&s, Action::Goto(4));
    assert!(Rc::ptr_eq(&s, &out), "a step past the end is ignored");
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn play_ticks_to_the_end_then_stops() {
    let s = start("#t=1");
    let s = apply(&s, Action::TogglePlay);
    assert!(s.playing);
    assert_eq!(s.step, 1);
    let s = apply(&s, Action::Tick);
    assert_eq!((s.step, s.playing), (2, true));
    let s = apply(&s, Action::Tick);
    assert_eq!(
        (s.step, s.playing),
        (3, false),
        "reaching the end stops playing"
    );
    let idle = apply(&s, Action::Tick);
    assert!(Rc::ptr_eq(&s, &idle), "a late tick changes nothing");
    // Play at the end starts over.
    let s = apply(&s, Action::TogglePlay);
    assert_eq!((s.step, s.playing), (0, true));
    // Stepping by hand pauses.
    let s = apply(&s, Action::Next);
    assert_eq!((s.step, s.playing), (1, false));
    let s = apply(&s, Action::SetSpeed(Speed::Four));
    assert_eq!(s.speed, Speed::Four);
    assert!(Speed::Four.interval_ms() < Speed::Half.interval_ms());
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn toggles_keep_one_profile_and_the_canonical_order() {
    let s = start("");
    let s = apply(&s, Action::ToggleProfile(Profile::KvmApicv));
    let s = apply(&s, Action::ToggleProfile(Profile::KvmEmulatedFixed));
    assert_eq!(s.profiles, vec![Profile::Hardware, Profile::KvmEmulated]);
    let s = apply(&s, Action::ToggleProfile(Profile::Hardware));
    let s = apply(&s, Action::ToggleProfile(Profile::KvmEmulated));
    assert_eq!(
        s.profiles,
        vec![Profile::KvmEmulated],
        "the last profile stays"
    );
    assert!(s.status.is_some());
    let s = apply(&s, Action::ToggleProfile(Profile::Hardware));
    assert_eq!(s.profiles, vec![Profile::Hardware, Profile::KvmEmulated]);
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn markers_follow_the_profiles_on_screen() {
    let s = start("");
    // Step 2: the buggy emulation keeps 0xec where the others clear it.
    // Step 3: it also warns, a new way to differ.
    let diverge: Vec<bool> = s.marks.iter().map(|m| m.diverge).collect();
    assert_eq!(diverge, vec![false, false, true, true]);
    let warning: Vec<bool> = s.marks.iter().map(|m| m.warning).collect();
    assert_eq!(warning, vec![false, false, false, true]);
    // Without the buggy pane, nothing diverges and nobody warns.
    let s = apply(&s, Action::ToggleProfile(Profile::KvmEmulated));
    assert!(s.marks.iter().all(|m| !m.diverge && !m.warning));
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn a_link_sets_the_whole_view() {
    let s = start("#s=mini-2&p=kvm-emulated,hardware&t=3&embed=1&present=1");
    assert!(s.alerts.is_empty(), "{:?}", s.alerts);
    assert_eq!(s.data.id, "mini-2");
    assert_eq!(s.profiles, vec![Profile::Hardware, Profile::KvmEmulated]);
    assert_eq!(s.step, 3);
    assert!(s.embed && s.present);
    assert_eq!(
        apic_playground::url::encode(&s.url_state()),
        "s=mini-2&p=hardware,kvm-emulated&t=3&embed=1&present=1"
    );
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn a_bad_link_gives_messages_and_defaults() {
    let s = start("#s=nope&t=99&p=bogus&embed=maybe");
    assert_eq!(s.data.id, "mini");
    assert_eq!(s.step, 0);
    assert_eq!(s.profiles, Profile::ALL.to_vec());
    assert!(!s.embed);
    assert_eq!(s.alerts.len(), 4, "{:?}", s.alerts);
    assert!(s.alerts.iter().any(|a| a.contains("nope")));
    assert!(s.alerts.iter().any(|a| a.contains("99")));

    let s = start("#t=99");
    assert_eq!(s.step, 0);
    assert_eq!(s.alerts.len(), 1);
    let s = apply(&s, Action::DismissAlerts);
    assert!(s.alerts.is_empty());
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn a_followed_link_keeps_what_it_gets_wrong() {
    let s = start("#p=hardware,kvm-emulated&t=2");
    // An invalid step keeps the current one; the valid keys apply.
    let s = apply(&s, Action::ApplyHash("#s=mini&p=hardware&t=zzz".to_owned()));
    assert_eq!(s.step, 2);
    assert_eq!(s.profiles, vec![Profile::Hardware]);
    assert_eq!(s.alerts.len(), 1);
    // A missing key takes its default.
    let s = apply(&s, Action::ApplyHash("#s=mini".to_owned()));
    assert_eq!(s.step, 0);
    assert_eq!(s.profiles, Profile::ALL.to_vec());
    assert!(s.alerts.is_empty());
    // Another scenario starts at its step 0 unless the link says otherwise.
    let s = apply(&s, Action::ApplyHash("#s=mini-2&t=1".to_owned()));
    assert_eq!((s.data.id.as_str(), s.step), ("mini-2", 1));
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn selecting_a_scenario_resets_the_step_and_an_unknown_one_is_refused() {
    let s = apply(&start("#t=3"), Action::SelectScenario("mini-2".to_owned()));
    assert_eq!((s.data.id.as_str(), s.step), ("mini-2", 0));
    let s = apply(&s, Action::SelectScenario("nope".to_owned()));
    assert_eq!(s.data.id, "mini-2");
    assert_eq!(s.alerts.len(), 1);
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn modes_theme_and_help_toggle() {
    let s = start("");
    let s = apply(&s, Action::TogglePresent);
    assert!(s.present);
    let s = apply(&s, Action::ToggleHelp);
    assert!(s.help);
    let s = apply(&s, Action::CloseHelp);
    assert!(!s.help);
    let closed = apply(&s, Action::CloseHelp);
    assert!(Rc::ptr_eq(&s, &closed));
    // From the system's dark scheme, the switch goes light, then dark.
    let s = apply(&s, Action::ToggleTheme { system_dark: true });
    assert_eq!(s.theme, Theme::Light);
    let s = apply(&s, Action::ToggleTheme { system_dark: true });
    assert_eq!(s.theme, Theme::Dark);
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn the_keyboard_map() {
    assert_eq!(
        action_for("ArrowRight", false, false, false),
        Some(Action::Next)
    );
    assert_eq!(
        action_for("ArrowLeft", false, false, false),
        Some(Action::Prev)
    );
    assert_eq!(action_for("Home", false, false, false), Some(Action::First));
    assert_eq!(action_for("End", false, false, false), Some(Action::Last));
    assert_eq!(
        action_for(" ", false, false, false),
        Some(Action::TogglePlay)
    );
    assert_eq!(
        action_for("1", false, false, false),
        Some(Action::ToggleProfile(Profile::Hardware))
    );
    assert_eq!(
        action_for("4", false, false, false),
        Some(Action::ToggleProfile(Profile::KvmEmulatedFixed))
    );
    assert_eq!(
        action_for("p", false, false, false),
        Some(Action::TogglePresent)
    );
    assert_eq!(
        action_for("t", false, false, true),
        Some(Action::ToggleTheme { system_dark: true })
    );
    assert_eq!(
        action_for("?", false, false, false),
        Some(Action::ToggleHelp)
    );
    assert_eq!(
        action_for("ArrowRight", true, false, false),
        None,
        "Ctrl/Alt/Meta keys belong to the browser"
    );
    assert_eq!(
        action_for("5", false, false, false),
        Some(Action::ToggleProfile(Profile::Qemu))
    );
    assert_eq!(
        action_for("8", false, false, false),
        Some(Action::ToggleProfile(Profile::Virtualbox))
    );
    assert_eq!(action_for("9", false, false, false), None);
    assert_eq!(action_for("x", false, false, false), None);
    // With the help open, only Esc and ? act: they close it.
    assert_eq!(action_for("ArrowRight", false, true, false), None);
    assert_eq!(action_for(" ", false, true, false), None);
    assert_eq!(
        action_for("Escape", false, true, false),
        Some(Action::CloseHelp)
    );
    assert_eq!(action_for("?", false, true, false), Some(Action::CloseHelp));
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn n_and_shift_n_jump_between_marked_steps() {
    // The miniature: the buggy profile's IRR differs from step 2 on (a
    // divergence mark), and it warns at step 3 (a warning mark, and a new
    // way of differing); steps 0 and 1 are unmarked.
    let key = |k: &str| action_for(k, false, false, false).unwrap();
    let s = start("");
    let s = apply(&s, key("n"));
    assert_eq!(s.step, 2);
    let s = apply(&s, key("n"));
    assert_eq!(s.step, 3);
    let end = apply(&s, key("n"));
    assert_eq!(end.step, 3, "no marked step after the last");
    let s = apply(&end, key("N"));
    assert_eq!(s.step, 2);
    let s = apply(&s, key("N"));
    assert_eq!(s.step, 2, "no marked step before step 2");
    // With real hardware alone nothing diverges and nothing warns.
    let alone = start("p=hardware");
    assert_eq!(apply(&alone, key("n")).step, 0);
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn a_link_can_set_the_theme_for_an_embedding_page() {
    assert_eq!(start("theme=dark").theme, Theme::Dark);
    assert_eq!(start("theme=light&embed=1").theme, Theme::Light);
    // A link that changes its theme (the host page switched) follows it.
    let s = start("theme=dark");
    let s = apply(&s, Action::ApplyHash("theme=light".to_owned()));
    assert_eq!(s.theme, Theme::Light);
    // A bad value is said and changes nothing.
    let s = start("theme=blue");
    assert_eq!(s.theme, Theme::System);
    assert!(s
        .alerts
        .iter()
        .any(|a| a.contains("theme=light, theme=dark or theme=system")));
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn other_hypervisors_join_in_the_pickers_order() {
    let s = start("");
    let s = apply(&s, Action::ToggleProfile(Profile::Xen));
    let s = apply(&s, Action::ToggleProfile(Profile::Qemu));
    let s = apply(&s, Action::ToggleProfile(Profile::KvmApicv));
    assert_eq!(
        s.profiles,
        vec![
            Profile::Hardware,
            Profile::KvmEmulated,
            Profile::KvmEmulatedFixed,
            Profile::Qemu,
            Profile::Xen
        ]
    );
    assert_eq!(
        apic_playground::url::encode(&s.url_state()),
        "s=mini&p=hardware,kvm-emulated,kvm-emulated-fixed,qemu,xen&t=0"
    );
}

/// A guest kernel whose run cannot be had (the viewer's library could not
/// be read) leaves the screen as it was, guest and all, and says why: the
/// picker never names a kernel the panes do not show.
#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn a_guest_kernel_that_cannot_be_run_keeps_the_one_shown() {
    use apic_core::format::Kernel;
    use apic_playground::data::ScenarioData;
    fn no_v5_4(id: &str, guest: Kernel) -> Result<ScenarioData, String> {
        if guest == Kernel::V5_4 {
            Err("the library could not be read".to_owned())
        } else {
            common::loader(id, guest)
        }
    }
    let s = Rc::new(AppState::new("#s=mini&t=2", Theme::System, no_v5_4, "mini"));
    let s = apply(&s, Action::SetGuest(Kernel::V5_4));
    assert_eq!((s.guest, s.step), (Kernel::Wip2019, 2));
    assert!(
        s.data.summary.contains("guest wip-2019"),
        "{}",
        s.data.summary
    );
    assert_eq!(s.alerts.len(), 1, "{:?}", s.alerts);
    assert!(
        s.alerts[0].contains("the library could not be read"),
        "{:?}",
        s.alerts
    );
    let s = apply(&s, Action::ApplyHash("#s=mini&t=1&guest=v5.4".to_owned()));
    assert_eq!(s.guest, Kernel::Wip2019);
    assert!(
        s.data.summary.contains("guest wip-2019"),
        "{}",
        s.data.summary
    );
    assert!(
        s.alerts
            .iter()
            .any(|a| a.contains("the library could not be read")),
        "{:?}",
        s.alerts
    );
    assert!(!apic_playground::url::encode(&s.url_state()).contains("guest="));
    // A kernel that runs still does.
    let s = apply(&s, Action::SetGuest(Kernel::V5_2));
    assert_eq!(s.guest, Kernel::V5_2);
    assert!(s.data.summary.contains("guest v5.2"), "{}", s.data.summary);
}

#[cfg_attr(target_arch = "wasm32", wasm_bindgen_test)]
#[cfg_attr(not(target_arch = "wasm32"), test)]
fn the_guest_kernel_reruns_the_scenario_and_keeps_the_step() {
    use apic_core::format::Kernel;
    let s = start("#s=mini&t=2&guest=v5.2");
    assert!(s.alerts.is_empty(), "{:?}", s.alerts);
    assert_eq!(s.guest, Kernel::V5_2);
    assert!(s.data.summary.contains("guest v5.2"), "{}", s.data.summary);
    assert_eq!(s.step, 2);
    assert_eq!(
        apic_playground::url::encode(&s.url_state()),
        "s=mini&p=hardware,kvm-apicv,kvm-emulated,kvm-emulated-fixed&t=2&guest=v5.2"
    );
    let s = apply(&s, Action::SetGuest(Kernel::V5_4));
    assert_eq!((s.guest, s.step), (Kernel::V5_4, 2));
    assert!(s.data.summary.contains("guest v5.4"), "{}", s.data.summary);
    assert!(s.status.is_some());
    // A bad value keeps the current guest and says why.
    let s = apply(&s, Action::ApplyHash("#s=mini&t=2&guest=v9".to_owned()));
    assert_eq!(s.guest, Kernel::V5_4);
    assert_eq!(s.alerts.len(), 1, "{:?}", s.alerts);
    // A link without it runs the default guest again.
    let s = apply(&s, Action::ApplyHash("#s=mini&t=1".to_owned()));
    assert_eq!((s.guest, s.step), (Kernel::Wip2019, 1));
    assert!(
        s.data.summary.contains("guest wip-2019"),
        "{}",
        s.data.summary
    );
}
