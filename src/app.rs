//! The app: owns the one reducer, runs the effect hooks, and lays out the
//! components with the data and callbacks each needs.

use std::rc::Rc;

use yew::prelude::*;

use crate::components::alerts::alerts;
use crate::components::checkpoint::checkpoint_bar;
#[cfg(feature = "play")]
use crate::components::editor::Editor;
use crate::components::editor::{what_if, WhatIfCallbacks};
use crate::components::header::{Header, ScenarioEntry};
use crate::components::help::Help;
use crate::components::icons::{icon, Icon};
use crate::components::narration::narration;
use crate::components::pane::Pane;
use crate::components::prediction;
use crate::components::static_markup::static_markup;
use crate::components::timeline::Timeline;
use crate::components::vcr::{vcr, VcrCallbacks, VcrProps};
use crate::data::{self, DEFAULT_SCENARIO};
use crate::hooks::copy_link::link_to;
use crate::hooks::play_loader;
use crate::hooks::theme::stored_theme;
use crate::hooks::url_sync::current_hash;
use crate::hooks::{
    use_checkpoint_focus, use_copy_link, use_doc_title, use_keyboard, use_play, use_play_timer,
    use_progress_store, use_ready, use_status_clear, use_theme, use_url_sync,
};
use crate::state::{Action, AppState};
use crate::url::UrlState;

/// The picker's entries and the scenario a bare URL shows: the seed's
/// story when it is built in, else the first built-in.
fn catalog() -> (Rc<[ScenarioEntry]>, String) {
    let entries: Vec<ScenarioEntry> = data::catalog()
        .into_iter()
        .map(|(id, title)| ScenarioEntry { id, title })
        .collect();
    let default = if entries.iter().any(|e| e.id == DEFAULT_SCENARIO) {
        DEFAULT_SCENARIO.to_owned()
    } else {
        entries
            .first()
            .map(|e| e.id.to_string())
            .unwrap_or_default()
    };
    (Rc::from(entries), default)
}

/// The full playground's address for the view, for the embed's link out.
fn playground_link(view: &UrlState) -> String {
    let full = UrlState {
        embed: false,
        ..view.clone()
    };
    link_to(&full).unwrap_or_default()
}

/// The footer of the full page.
const FOOTER: &str = concat!(
    r#"<footer class="foot"><span>Press <kbd>?</kbd> for keys and the legend. The model: "#,
    r#"<code>apic-core</code>; every change cites the SDM or kernel source it follows.</span></footer>"#,
);

/// The whole page.
#[function_component]
pub fn App() -> Html {
    let catalog = use_memo((), |_| catalog());
    let state = {
        let default = catalog.1.clone();
        use_reducer(move || {
            AppState::new(
                &current_hash(),
                stored_theme(),
                data::load_builtin,
                &default,
            )
        })
    };
    // The viewer (built without Play) hands what only Play does over to
    // the full playground, loaded then (src/handoff.rs).
    let on_action: Callback<Action> = {
        let dispatcher = state.dispatcher();
        (*use_memo((), move |_| {
            let on_action = dispatcher.to_callback();
            if crate::PLAY {
                on_action
            } else {
                play_loader::route(on_action)
            }
        }))
        .clone()
    };
    let root = use_node_ref();
    // One callback for the page's life, so the timeline's steps, which
    // compare it, re-render only when their own place or marks change.
    let on_goto = {
        let on_action = on_action.clone();
        use_memo((), move |_| on_action.reform(Action::Goto))
    };
    let vcr_callbacks = {
        let on_action = on_action.clone();
        use_memo((), move |_| VcrCallbacks::new(&on_action))
    };
    let what_if_callbacks = {
        let on_action = on_action.clone();
        use_memo((), move |_| WhatIfCallbacks::new(&on_action))
    };

    // A scenario that asks for predictions is the full playground's to
    // show (`hooks::play_loader`): until it takes over, the viewer shows
    // no state that would give an answer away.
    let waits_for_play = !crate::PLAY && play_loader::asks(&state);

    use_url_sync(state.url_state(), on_action.reform(Action::ApplyHash));
    use_play_timer(
        state.playing,
        state.speed,
        on_action.reform(|()| Action::Tick),
    );
    use_keyboard(state.embed, state.help, root.clone(), on_action.clone());
    use_theme(state.theme);
    use_status_clear(
        state.status.clone(),
        on_action.reform(|()| Action::Status(None)),
    );
    use_ready(!play_loader::waits(&state));
    use_play(&state, on_action.clone());
    use_doc_title(state.data.title.clone());
    use_progress_store(state.progress.clone(), on_action.clone());
    let on_copy = use_copy_link(state.url_state(), on_action.clone());
    use_checkpoint_focus(&state);

    let data = &state.data;
    let step = state.step;
    let info = data.steps.get(step);
    let label = info.map(|i| i.label.clone()).unwrap_or_default();
    let note = info.and_then(|i| i.note.clone());

    let shown = || {
        state.profiles.iter().filter_map(|&p| {
            let run = data.run(p)?;
            Some((p, run, run.at(step)?))
        })
    };
    let shared: Rc<[apic_core::Event]> =
        data::shared_events(shown().map(|(_, _, v)| v.as_ref())).into();
    let panes = shown().map(|(p, run, view)| {
        let predict = prediction::for_pane(&state, p, run);
        html! { <Pane key={p.id()} profile={p} view={view.clone()} warnings={run.warnings.clone()}
        shared={shared.clone()} {predict} on_action={on_action.clone()} present={state.present} /> }
    });

    // What the initial state says when the scenario gives it no note: the
    // summary where the header (which shows it) is hidden, else how to start.
    let start_text = if state.embed {
        data.summary.clone()
    } else {
        AttrValue::Static(
            "The initial state, before the first step. Press → (or the step button) to walk through the \
             timeline: every pane shows one implementation at the same step, and each change says which \
             rule made it.",
        )
    };
    let vcr = vcr(&VcrProps {
        step,
        last: state.last(),
        label: label.clone(),
        playing: state.playing,
        speed: state.speed,
        on: &vcr_callbacks,
    });
    let timeline = html! {
        <Timeline steps={data.steps.clone()} marks={prediction::timeline_marks(&state)} current={step}
            on_goto={(*on_goto).clone()} />
    };
    let narration = narration(
        step,
        state.last(),
        label,
        note,
        start_text,
        state.embed || state.present,
    );
    #[cfg(feature = "play")]
    let editor = match (state.editor, state.shown_draft()) {
        (Some(mode), Some(d)) if !state.embed => html! {
            <Editor draft={d.clone()} {mode} current={step} can_undo={!state.undo.is_empty()}
                can_redo={!state.redo.is_empty()}
                aside={state.aside.as_ref().map(|a| AttrValue::from(a.scenario.title.clone()))}
                on_action={on_action.clone()} />
        },
        _ => Html::default(),
    };
    #[cfg(not(feature = "play"))]
    let editor = Html::default();
    let stale = state.shown_draft().is_some_and(|d| d.stale());
    let top = if state.embed {
        html! {
            <div class="embed-bar">
                <span class="embed-title" title={data.summary.clone()}>{ data.title.clone() }</span>
                { vcr }
                <a class="open" href={playground_link(&state.url_state())} target="_blank" rel="noopener">
                    <span class="open-text">{ "Open in playground" }</span>{ icon(Icon::External) }
                </a>
            </div>
        }
    } else {
        html! {
            <>
                <Header catalog={catalog.0.clone()} scenario={data.id.clone()} summary={data.summary.clone()}
                    draft={state.draft.as_ref().map(|d| AttrValue::from(d.scenario.title.clone()))} on_draft={state.on_draft}
                    shown={state.profiles.clone()} guest={state.guest} theme={state.theme}
                    present={state.present} on_action={on_action.clone()} on_copy={on_copy} />
                <div class="controls">{ vcr }</div>
            </>
        }
    };
    let empty = data.runs.is_empty();
    html! {
        <div ref={root} class={classes!("app", state.embed.then_some("embed"), state.present.then_some("present"))}
            tabindex={state.embed.then_some("0")}
            aria-label={state.embed.then_some("APIC playground: focus here to use the arrow keys")}>
            { top }
            { alerts(&state.alerts, &on_action.reform(|()| Action::DismissAlerts)) }
            <p class="status" role="status">{ state.status.clone().unwrap_or_default() }</p>
            if waits_for_play {
                <p class="nothing" role="status">{ "Loading the prediction checkpoints…" }</p>
            } else {
                { timeline }
                if !state.embed {
                    { what_if(step, state.last(), &what_if_callbacks) }
                }
                { editor }
                { narration }
                if crate::PLAY && !state.embed {
                    { checkpoint_bar(state.checkpoint_text(), prediction::here(&state), state.progress.together,
                        state.progress.score(), state.present, &on_action) }
                }
            }
            if empty {
                <p class="nothing">{ "Nothing to show: no scenario could be loaded." }</p>
            } else if !waits_for_play {
                <main class={classes!("panes", stale.then_some("stale"))} data-stale={stale.then_some("1")}
                    style={format!("--panes: {}", state.profiles.len())}>{ for panes }</main>
            }
            if !state.embed {
                { static_markup(FOOTER) }
            }
            <div class="sr-only" aria-live="polite" aria-atomic="true">{ state.announcement() }</div>
            if crate::PLAY && state.help {
                <Help on_close={on_action.reform(|()| Action::CloseHelp)} />
            }
        </div>
    }
}
