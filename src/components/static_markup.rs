//! Markup written as HTML text. The browser's parser builds it in one
//! call, and a string costs the download far less than `html!`, which
//! compiles every element and text node into code (see the README's
//! performance budgets). `static_markup` takes constants of this crate
//! (legends, the logo, the footer); the parts that put data into markup
//! (the bit grid's cells, a pane's head, the guest log) pass every piece
//! of it through `escape`.

use yew::{AttrValue, Html};

/// `html`, a constant of this crate, as nodes.
pub fn static_markup(html: &'static str) -> Html {
    Html::from_html_unchecked(AttrValue::Static(html))
}

/// `html`, markup this crate wrote with every piece of data passed
/// through [`escape`], as nodes.
pub fn markup(html: String) -> Html {
    Html::from_html_unchecked(AttrValue::from(html))
}

/// Escapes text for an HTML attribute or element.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// `label` as markup with a break opportunity after each `_`, `(` and `>`
/// (of `->`), so that `start_secondary()` wraps as `start_` / `secondary()`
/// and `LOCAL_TIMER_VECTOR` as `LOCAL_TIMER_` / `VECTOR`, never inside a
/// word; its text escaped.
pub fn breakable(label: &str, out: &mut String) {
    let mut start = 0;
    for (i, c) in label.char_indices() {
        if matches!(c, '_' | '(' | '>') {
            let end = i + c.len_utf8();
            out.push_str(&escape(label.get(start..end).unwrap_or_default()));
            out.push_str("<wbr>");
            start = end;
        }
    }
    out.push_str(&escape(label.get(start..).unwrap_or_default()));
}
