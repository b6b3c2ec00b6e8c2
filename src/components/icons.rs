//! Inline SVG icons (no icon font, no request): 16x16, drawn with
//! `currentColor`, hidden from screen readers (every control carries its
//! own label). Each is markup from a constant (`static_markup`): a step
//! compares one string per icon of the playback bar, where it compared two
//! elements, each a call to the browser (README, "Performance": one step).

use yew::prelude::*;

use crate::components::static_markup::static_markup;

/// An icon's markup, from its path.
macro_rules! svg {
    ($d:literal) => {
        concat!(
            r#"<svg class="icon" viewBox="0 0 16 16" width="16" height="16" aria-hidden="true" focusable="false"><path d=""#,
            $d,
            r#"" fill="currentColor" fill-rule="evenodd"></path></svg>"#
        )
    };
}

/// The icons the controls use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Icon {
    First,
    Prev,
    Next,
    Play,
    Pause,
    Last,
    Sun,
    Moon,
    Present,
    Link,
    Help,
    External,
    Close,
    /// Two squares, one over the other: copy this. An icon, not the
    /// character U+29C9 (⧉), which fonts as common as DejaVu Sans, the
    /// whole of many Linux desktops' fallback, do not draw.
    Duplicate,
}

fn markup(icon: Icon) -> &'static str {
    match icon {
        Icon::First => svg!("M3 2h2v12H3zM13 2v12L6 8z"),
        Icon::Prev => svg!("M12 2v12L4 8z"),
        Icon::Next => svg!("M4 2v12l8-6z"),
        Icon::Play => svg!("M4 2v12l10-6z"),
        Icon::Pause => svg!("M3 2h4v12H3zM9 2h4v12H9z"),
        Icon::Last => svg!("M11 2h2v12h-2zM3 2v12l7-6z"),
        Icon::Sun => svg!("M8 4.5a3.5 3.5 0 1 0 0 7 3.5 3.5 0 0 0 0-7zM7.25 0h1.5v2.5h-1.5zM7.25 13.5h1.5V16h-1.5zM0 7.25h2.5v1.5H0zM13.5 7.25H16v1.5h-2.5zM2.1 3.16l1.06-1.06 1.77 1.77-1.06 1.06zM11.07 12.13l1.06-1.06 1.77 1.77-1.06 1.06zM2.1 12.84l1.77-1.77 1.06 1.06-1.77 1.77zM11.07 3.87l1.77-1.77 1.06 1.06-1.77 1.77z"),
        Icon::Moon => svg!("M6.2 1.1A7 7 0 1 0 14.9 9.8 5.6 5.6 0 0 1 6.2 1.1z"),
        Icon::Present => svg!("M1 2h14v9H1zM2.5 3.5v6h11v-6zM7.25 11h1.5v2H12v1.5H4V13h3.25z"),
        Icon::Link => svg!("M6.6 9.4a3 3 0 0 0 4.24 0l2.83-2.83a3 3 0 0 0-4.24-4.24L8.2 3.56l1.06 1.06 1.23-1.23a1.5 1.5 0 0 1 2.12 2.12L9.78 8.34a1.5 1.5 0 0 1-2.12 0zM9.4 6.6a3 3 0 0 0-4.24 0L2.33 9.43a3 3 0 0 0 4.24 4.24l1.23-1.23-1.06-1.06-1.23 1.23a1.5 1.5 0 0 1-2.12-2.12l2.83-2.83a1.5 1.5 0 0 1 2.12 0z"),
        Icon::Help => svg!("M8 0a8 8 0 1 0 0 16A8 8 0 0 0 8 0zm0 1.5a6.5 6.5 0 1 1 0 13 6.5 6.5 0 0 1 0-13zM7.2 11h1.6v1.6H7.2zM8 3.5c-1.6 0-2.8 1-2.8 2.5h1.5c0-.7.6-1.1 1.3-1.1s1.3.4 1.3 1c0 1.2-2.1 1.2-2.1 3.4h1.5c0-1.6 2.1-1.6 2.1-3.5 0-1.4-1.2-2.3-2.8-2.3z"),
        Icon::External => svg!("M9 1h6v6h-1.5V3.56L7.53 9.53 6.47 8.47l5.97-5.97H9zM2 3h5v1.5H3.5v8h8V9H13v5H2z"),
        Icon::Duplicate => svg!("M1 1h10v3H9.5V2.5h-7v7H4V11H1zM5 5h10v10H5zM6.5 6.5v7h7v-7z"),
        Icon::Close => svg!("M3.05 4.11l1.06-1.06L8 6.94l3.89-3.89 1.06 1.06L9.06 8l3.89 3.89-1.06 1.06L8 9.06l-3.89 3.89-1.06-1.06L6.94 8z"),
    }
}

/// An icon as inline SVG.
pub fn icon(icon: Icon) -> Html {
    static_markup(markup(icon))
}
