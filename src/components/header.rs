//! The header: scenario picker (title and summary), profile toggles grouped
//! as hardware, KVM and other hypervisors, the guest kernel, and
//! the tools (theme, presenter mode, copy link, help).

use std::rc::Rc;

use apic_core::format::{Kernel, ProfileGroup};
use apic_core::Profile;
use yew::prelude::*;

use crate::components::icons::{icon, Icon};
use crate::components::static_markup::static_markup;
use crate::hooks::theme::system_dark;
use crate::state::{Action, Theme};

/// A built-in scenario in the picker.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScenarioEntry {
    /// Id.
    pub id: AttrValue,
    /// Title.
    pub title: AttrValue,
}

/// Props of [`Header`].
#[derive(Properties, PartialEq)]
pub struct HeaderProps {
    /// Scenarios to pick from.
    pub catalog: Rc<[ScenarioEntry]>,
    /// The current scenario's id.
    pub scenario: AttrValue,
    /// Its summary.
    pub summary: AttrValue,
    /// The profiles shown.
    pub shown: Vec<Profile>,
    /// The guest kernel.
    pub guest: Kernel,
    /// The colour theme.
    pub theme: Theme,
    /// Whether presenter mode is on.
    pub present: bool,
    /// What a control asks for.
    pub on_action: Callback<Action>,
    /// "Copy link".
    pub on_copy: Callback<()>,
    /// The title of the user's draft, if there is one.
    #[prop_or_default]
    pub draft: Option<AttrValue>,
    /// Whether the draft is shown.
    #[prop_or_default]
    pub on_draft: bool,
}

/// A short toggle label for a profile (declared with the profiles, in
/// apic-core's profile.rs).
pub fn short_name(p: Profile) -> &'static str {
    p.short_name()
}

/// The logo beside the title, as inline SVG (no request).
const LOGO: &str = concat!(
    r#"<svg viewBox="0 0 16 16" width="22" height="22" aria-hidden="true" focusable="false" class="logo">"#,
    r#"<rect x="1" y="1" width="14" height="14" rx="2" fill="none" stroke="currentColor" stroke-width="1.5"></rect>"#,
    r#"<rect x="4" y="4" width="3" height="3" fill="currentColor"></rect>"#,
    r#"<rect x="9" y="9" width="3" height="3" fill="currentColor"></rect>"#,
    r#"<circle cx="10.5" cy="5.5" r="1.5" fill="none" stroke="currentColor" stroke-width="1.2"></circle>"#,
    r#"</svg>"#,
);

/// "Checked against Linux X KVM: n/m states agree" (and "QEMU 7.2 (TCG)")
/// for a built-in recorded on a real system (src/checked.rs, generated
/// from kvm/recorded/ and kvm/recorded-qemu/), with the system, what it
/// cannot show and the quirks on demand.
fn checked_line(id: &str) -> Html {
    crate::checked::CHECKED
        .iter()
        .filter(|c| c.id == id)
        .map(|c| {
            html! {
                <details class="checked" data-checked={format!("{}/{}", c.agree, c.states)} data-against={c.against}>
                    <summary>{ format!("Checked against {}: {}/{} states agree with {}", c.system, c.agree, c.states, c.profile) }</summary>
                    <p>
                        { format!("Recorded on {} by `apic-trace run {} --profile {}`. ", c.detail, c.id, c.against) }
                        if !c.left_out.is_empty() { { format!("Left out, because that system cannot show them: {}. ", c.left_out) } }
                        if !c.quirks.is_empty() { { format!("Differences explained by documented quirks of its runner: {} (kvm/src/hostcmp.rs). ", c.quirks) } }
                        { format!("Check your own machine: apic-trace compare {} --profile {} --against {}.", c.id, c.profile, c.against) }
                    </p>
                </details>
            }
        })
        .collect()
}

/// A `<select>` that names what is shown, and only that: a choice goes
/// back to it at once, and the list follows when what is shown changes.
/// What a choice asks for may wait (for the viewer's library) or fail (a
/// built-in or kernel it could not read), and the options' `selected`
/// alone cannot put the list back, as a user's choice outlives the
/// attribute.
#[hook]
fn use_shown_select(shown: AttrValue) -> NodeRef {
    let select = use_node_ref();
    {
        let select = select.clone();
        use_effect_with(shown, move |shown| {
            if let Some(s) = select.cast::<web_sys::HtmlSelectElement>() {
                s.set_value(shown);
            }
        });
    }
    select
}

/// The value chosen in the `<select>` of `e`; the list goes back to
/// `shown` (`use_shown_select`), and focus leaves it, so that the arrow
/// keys then step through what is shown rather than choose again.
fn chosen(e: &Event, shown: &str) -> String {
    let select = e.target_dyn_into::<web_sys::HtmlSelectElement>();
    let value = select.as_ref().map(|s| s.value()).unwrap_or_default();
    if let Some(s) = select {
        s.set_value(shown);
        let _ = s.blur();
    }
    value
}

/// The page header.
#[function_component]
pub fn Header(props: &HeaderProps) -> Html {
    let shown = if props.on_draft {
        AttrValue::Static(crate::state::DRAFT_ENTRY)
    } else {
        props.scenario.clone()
    };
    let pick = use_shown_select(shown.clone());
    let on_pick = props
        .on_action
        .reform(move |e: Event| Action::SelectScenario(chosen(&e, &shown)));
    // Grouped as hardware, KVM and the other hypervisors; keys 1 to 8 in
    // `Profile::EVERY` order.
    let groups = ProfileGroup::ALL.map(|g| {
        let toggles = g.profiles().map(|p| {
            let key = Profile::EVERY.iter().position(|q| *q == p).unwrap_or(0) + 1;
            let on = props.shown.contains(&p);
            let onclick = props
                .on_action
                .reform(move |_: MouseEvent| Action::ToggleProfile(p));
            html! {
                <button type="button" class={classes!("toggle", format!("p-{}", p.id()))} {onclick}
                    aria-pressed={if on { "true" } else { "false" }}
                    title={format!("Show or hide: {} (key {key})", p.title())}>
                    <span class="box" aria-hidden="true" />
                    { short_name(p) }
                    <kbd aria-hidden="true">{ key }</kbd>
                </button>
            }
        });
        html! {
            <div class="group" role="group" aria-label={g.title()}>
                <span class="group-title" aria-hidden="true">{ g.title() }</span>
                { for toggles }
            </div>
        }
    });
    // The viewer reads another kernel's run from its library, which can
    // wait or fail.
    let guest_pick = use_shown_select(AttrValue::Static(props.guest.name()));
    let shown_guest = props.guest;
    let on_guest = props.on_action.reform(move |e: Event| {
        Action::SetGuest(Kernel::from_name(&chosen(&e, shown_guest.name())).unwrap_or_default())
    });
    let guests = Kernel::variants().iter().map(|&k| {
        html! { <option value={k.name()} selected={k == props.guest}>{ k.short_title() }</option> }
    });
    let tool =
        |onclick: Callback<MouseEvent>, ic: Icon, label: &'static str, pressed: Option<bool>| {
            html! {
                <button type="button" class="tool" {onclick} title={label} aria-label={label}
                    aria-pressed={pressed.map(|p| if p { "true" } else { "false" })}>
                    { icon(ic) }
                </button>
            }
        };
    let on_theme = props.on_action.reform(|_: MouseEvent| Action::ToggleTheme {
        system_dark: system_dark(),
    });
    let dark = props.theme.is_dark(system_dark());
    html! {
        <header class="top">
            <div class="brand">
                { static_markup(LOGO) }
                <span>{ "APIC playground" }</span>
            </div>
            <div class="picker">
                <label for="scenario-pick" class="sr-only">{ "Scenario" }</label>
                <select id="scenario-pick" ref={pick} onchange={on_pick} aria-describedby="scenario-summary">
                    if let Some(t) = &props.draft {
                        <option value={crate::state::DRAFT_ENTRY} selected={props.on_draft}>{ format!("✎ Your draft: {t}") }</option>
                    }
                    { for props.catalog.iter().map(|s| html! {
                        <option value={s.id.clone()} selected={!props.on_draft && s.id == props.scenario}>{ s.title.clone() }</option>
                    }) }
                </select>
            </div>
            <div class="guest">
                <label for="guest-pick">{ "Guest" }</label>
                <select id="guest-pick" ref={guest_pick} onchange={on_guest} title={props.guest.title()}>{ for guests }</select>
            </div>
            <div class="tools">
                <button type="button" class="edit" data-fork=""
                    onclick={props.on_action.reform(|_: MouseEvent| Action::Fork)}>{ "Edit a copy" }</button>
                if props.on_draft {
                    <button type="button" class="edit" data-edit=""
                        onclick={props.on_action.reform(|_: MouseEvent| Action::Editor(Some(crate::state::EditMode::Steps)))}>{ "Edit" }</button>
                }
                { tool(on_theme, if dark { Icon::Sun } else { Icon::Moon },
                    if dark { "Light theme (t)" } else { "Dark theme (t)" }, None) }
                { tool(props.on_action.reform(|_: MouseEvent| Action::TogglePresent), Icon::Present,
                    "Presenter mode (p)", Some(props.present)) }
                { tool(props.on_copy.reform(|_: MouseEvent| ()), Icon::Link, "Copy a link to this view", None) }
                { tool(props.on_action.reform(|_: MouseEvent| Action::ToggleHelp), Icon::Help, "Keyboard help (?)", None) }
            </div>
            <div class="toggles" role="group" aria-label="Profiles shown">{ for groups }</div>
            <p id="scenario-summary" class="summary" title={props.summary.clone()}>{ props.summary.clone() }</p>
            if !props.on_draft {
                { checked_line(&props.scenario) }
            }
        </header>
    }
}
