//! The keyboard map: which key does what (listed in the help overlay).
//! Pure, so it is tested without a browser event.

use apic_core::Profile;

use crate::state::Action;

/// One line of the help overlay: keys and what they do.
pub const HELP: [(&str, &str); 14] = [
    ("→ / ←", "step forward / back"),
    (
        "n / N",
        "next / previous marked step: profiles diverge, the guest warns, a check fails",
    ),
    ("Home / End", "initial state / last step"),
    ("Space", "play / pause"),
    (
        "1 … 8",
        "show or hide a profile: 1 real hardware, 2 KVM apicv=1, 3 KVM apicv=0, 4 apicv=0 + fix, 5 QEMU, 6 Xen, 7 bhyve, 8 VirtualBox",
    ),
    (
        "c",
        "at a checkpoint: check your prediction, each field marked right or wrong",
    ),
    (
        "r",
        "reveal the answer the checkpoint hides (presenter: for the whole room)",
    ),
    ("h", "hide the checkpoint's answer again, for another try"),
    ("p", "presenter mode"),
    ("t", "light / dark theme"),
    ("?", "this help"),
    ("Esc", "close this help"),
    ("Tab", "move between controls"),
    ("Enter", "activate the focused control"),
];

/// The action for a key (`KeyboardEvent.key`), if it has one. Keys with
/// Ctrl, Alt or Meta belong to the browser; while the help dialog is open
/// only the keys that close it act, as a modal dialog should.
pub fn action_for(
    key: &str,
    ctrl_alt_meta: bool,
    help_open: bool,
    system_dark: bool,
) -> Option<Action> {
    if ctrl_alt_meta {
        return None;
    }
    if help_open {
        return matches!(key, "Escape" | "?").then_some(Action::CloseHelp);
    }
    let profile = |i: usize| Profile::EVERY.get(i).copied().map(Action::ToggleProfile);
    match key {
        "ArrowRight" => Some(Action::Next),
        "ArrowLeft" => Some(Action::Prev),
        "n" => Some(Action::NextMark),
        "N" => Some(Action::PrevMark),
        "Home" => Some(Action::First),
        "End" => Some(Action::Last),
        " " | "Spacebar" => Some(Action::TogglePlay),
        "1" => profile(0),
        "2" => profile(1),
        "3" => profile(2),
        "4" => profile(3),
        "5" => profile(4),
        "6" => profile(5),
        "7" => profile(6),
        "8" => profile(7),
        "c" | "C" => Some(Action::Check),
        "r" | "R" => Some(Action::Reveal),
        "h" | "H" => Some(Action::Rehide),
        "p" | "P" => Some(Action::TogglePresent),
        "t" | "T" => Some(Action::ToggleTheme { system_dark }),
        "?" => Some(Action::ToggleHelp),
        "Escape" => Some(Action::CloseHelp),
        _ => None,
    }
}
