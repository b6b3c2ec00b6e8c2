//! Markup that never changes (legends, the logo, the footer), written as
//! HTML text. The browser's parser builds it in one call, and a string
//! costs the download far less than `html!`, which compiles every element
//! and text node into code (see the README's performance budgets). Only
//! constants written in this crate go through here, never data.

use yew::{AttrValue, Html};

/// `html`, a constant of this crate, as nodes.
pub fn static_markup(html: &'static str) -> Html {
    Html::from_html_unchecked(AttrValue::Static(html))
}
