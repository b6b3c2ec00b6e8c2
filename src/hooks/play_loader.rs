//! The viewer's side of Play (`src/handoff.rs`): it holds none of it, and
//! loads the full playground the moment a visit needs it: a `c` link, a
//! draft kept from an earlier visit, a file dropped on the page, a
//! control that edits ("Edit a copy", a what-if), a scenario with
//! prediction checkpoints (on the full page), or the keyboard help.

use yew::prelude::*;

use crate::handoff;
use crate::hooks::play::KEY_GOOD;
use crate::library;
use crate::state::{Action, AppState};
use crate::url;

/// The command for the full playground that carries out `action`, for
/// the actions only it can (`None` for the viewer's own).
pub fn command(action: &Action) -> Option<String> {
    match action {
        Action::Fork => Some("fork".to_owned()),
        Action::DeleteCurrent => Some("delete".to_owned()),
        Action::WhatIf(op, after) => Some(format!("whatif:{}:{}", op.name(), u8::from(*after))),
        Action::ToggleHelp => Some("help".to_owned()),
        _ => None,
    }
}

/// Loads the full playground, to show the view shown (or the view of
/// `hash`, for a link or a stored draft) and carry out `command`.
fn hand_over(
    command: &str,
    file: Option<web_sys::File>,
    hash: Option<String>,
    on_action: &Callback<Action>,
) {
    let view = hash.unwrap_or_else(handoff::view);
    let view = view.trim_start_matches('#');
    handoff::start(Some(view), command, file, failed(on_action));
}

/// Whether `action` waits for a built-in's file, and for which: it shows
/// a built-in, or a guest kernel's traces, the viewer must read from that
/// built-in's file first (`library::needs`): `Some(Some(id))`; or it
/// changes the view while another such action waits (the later must not
/// overtake it): `Some(None)`.
fn waits_for(action: &Action) -> Option<Option<String>> {
    // The view shown, as of the viewer's last render.
    let shown = || library::shown_by(&handoff::view());
    let file = match action {
        Action::SelectScenario(id) => library::needs(id, shown().1).then(|| id.clone()),
        Action::SetGuest(guest) => {
            let (id, _) = shown();
            library::needs(&id, *guest).then_some(id)
        }
        Action::ApplyHash(hash) => library::needed_by(hash),
        _ => return None,
    };
    match file {
        Some(id) => Some(Some(id)),
        None => library::loading().then_some(None),
    }
}

/// `on_action`, but an action only the full playground can carry out
/// loads it and hands the action over, and one that shows a built-in
/// other than the seed waits for that built-in's file (once): read or
/// not, the action then runs, and a scenario whose file could not be read
/// gets the reducer's message with the reason.
pub fn route(on_action: Callback<Action>) -> Callback<Action> {
    Callback::from(move |action: Action| match command(&action) {
        None => match waits_for(&action) {
            None => on_action.emit(action),
            Some(file) => {
                on_action.emit(Action::Status(Some(AttrValue::Static(
                    "Loading the scenario…",
                ))));
                let on_action = on_action.clone();
                library::then(file.as_deref(), move || {
                    // "Loading" no more, whatever came of it.
                    on_action.emit(Action::Status(None));
                    on_action.emit(action);
                });
            }
        },
        Some(c) => {
            on_action.emit(Action::Status(Some(AttrValue::Static(if c == "help" {
                "Loading the keyboard help…"
            } else {
                "Loading the editor…"
            }))));
            hand_over(&c, None, None, &on_action);
        }
    })
}

fn failed(on_action: &Callback<Action>) -> Callback<()> {
    on_action.reform(|()| {
        Action::Problem(AttrValue::Static(
            "The full playground (the editor, the prediction checkpoints, the keyboard help) could not be loaded (play_loader.js): reload the page to try again.",
        ))
    })
}

/// Whether the scenario shown asks for predictions, which the full
/// playground holds: on the full page (an embed shows every state).
pub fn asks(state: &AppState) -> bool {
    !state.embed && !state.data.checkpoints.is_empty()
}

/// Whether this app is not ready yet (`hooks::ready`): the view is a `c`
/// link still being read (the full playground reads it with its worker;
/// the viewer loads the full playground for it), or, in the viewer, the
/// scenario asks for predictions, which the full playground shows. Until
/// a link is read the page shows another scenario, and `data-ready` says
/// the page shows what its address asks for.
pub fn waits(state: &AppState) -> bool {
    state.link.is_some() || (!crate::PLAY && asks(state))
}

/// Loads the full playground when the view needs it: a link's `c`, a
/// stored draft (on the full page: an embed never shows it, and a book
/// page embeds the playground many times), a dropped file (the viewer's
/// `use_play`).
#[hook]
pub fn use_play_loader(state: &AppState, on_action: Callback<Action>) {
    handoff::note_view(url::encode(&state.url_state()));
    let stored = use_memo((), |_| {
        web_sys::window()
            .and_then(|w| w.local_storage().ok()?)
            .and_then(|s| s.get_item(KEY_GOOD).ok()?)
            .is_some()
    });
    // The address as loaded: the viewer's first render rewrites it (a
    // link's `s` beside its `c` goes), but the full playground must read
    // the link itself, problems and all.
    let loaded = use_mut_ref(crate::hooks::url_sync::current_hash);
    {
        let on_action = on_action.clone();
        let link = state.link.is_some();
        use_effect_with(
            (link, (*stored && !state.embed) || asks(state)),
            move |&(link, other)| {
                let loaded = std::mem::take(&mut *loaded.borrow_mut());
                if link || other {
                    // A link as it was loaded or typed in; else the view
                    // shown (a scenario picked that has checkpoints).
                    let hash = Some(loaded).filter(|h| !h.is_empty());
                    let hash = hash.or_else(|| link.then(crate::hooks::url_sync::current_hash));
                    hand_over("", None, hash, &on_action);
                }
            },
        );
    }
    // A file dropped on the page opens in the full playground.
    crate::hooks::dropped_file::use_dropped_file(Callback::from(move |file| {
        hand_over("", Some(file), None, &on_action)
    }));
}
