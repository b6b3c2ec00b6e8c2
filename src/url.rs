//! The URL hash codec: `#s=<scenario>&p=<profile,...>&t=<k>&guest=<kernel>&embed=1&present=1`
//! (README.md, "The URL"). Parsing never fails as a whole: each key is
//! missing, given, or invalid with a message saying why, so the app can keep
//! what is good and fall back for the rest.

use apic_core::format::Kernel;
use apic_core::Profile;

/// The view a link names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UrlState {
    /// Scenario id.
    pub scenario: String,
    /// Profiles shown, in order.
    pub profiles: Vec<Profile>,
    /// Step (state index).
    pub step: usize,
    /// The guest kernel (left out of the link when it is the default).
    pub guest: Kernel,
    /// Compact embedded widget.
    pub embed: bool,
    /// Presenter mode.
    pub present: bool,
    /// A scenario of one's own, as the `c` value (replaces `s`).
    pub custom: Option<String>,
}

/// One key's outcome.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value<T> {
    /// The key is absent: use the default.
    Missing,
    /// The key holds a usable value.
    Given(T),
    /// The key is present but unusable; `Parsed::errors` says why.
    Invalid,
}

impl<T> Value<T> {
    /// The value if given.
    pub fn given(self) -> Option<T> {
        match self {
            Value::Given(v) => Some(v),
            Value::Missing | Value::Invalid => None,
        }
    }
}

/// A parsed hash: one outcome per key, and a message per problem.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Parsed {
    /// `s`
    pub scenario: Value<String>,
    /// `p`
    pub profiles: Value<Vec<Profile>>,
    /// `t`
    pub step: Value<usize>,
    /// `guest`: the guest kernel whose routines `linux` steps run
    pub guest: Value<Kernel>,
    /// `embed`
    pub embed: Value<bool>,
    /// `present`
    pub present: Value<bool>,
    /// `c`: a scenario of its own (checked by the reader, not here)
    pub custom: Value<String>,
    /// `theme`: `light`, `dark` or `system`, for a page that embeds the
    /// playground and wants it to follow its own theme (read, never
    /// written back: the view's link does not carry it)
    pub theme: Value<&'static str>,
    /// Human-readable problems, in the order met.
    pub errors: Vec<String>,
}

/// Longest value read at all; anything longer is garbage, not a link.
const MAX_VALUE: usize = 200;

/// Whether going from a view whose history key is `from` to one whose key
/// is `to` adds an entry to the browser's history (`hooks::url_sync`):
/// another built-in. A view's key is the built-in it shows; a scenario
/// of one's own and an embed (whose frame shares its host page's
/// history) have none, and never add one.
pub fn new_entry(from: Option<&str>, to: Option<&str>) -> bool {
    matches!((from, to), (Some(a), Some(b)) if a != b)
}

impl UrlState {
    /// The view's key for `new_entry`.
    pub fn history_key(&self) -> Option<&str> {
        (!self.embed && self.custom.is_none()).then_some(self.scenario.as_str())
    }
}

impl Parsed {
    /// The link's key for `new_entry`: the built-in it names.
    pub fn history_key(&self) -> Option<&str> {
        match (&self.scenario, &self.custom, &self.embed) {
            (Value::Given(id), Value::Missing, embed) if *embed != Value::Given(true) => {
                Some(id.as_str())
            }
            _ => None,
        }
    }
}

/// Reads a location hash (with or without the leading `#`).
pub fn parse(hash: &str) -> Parsed {
    let mut out = Parsed {
        scenario: Value::Missing,
        profiles: Value::Missing,
        step: Value::Missing,
        guest: Value::Missing,
        embed: Value::Missing,
        present: Value::Missing,
        custom: Value::Missing,
        theme: Value::Missing,
        errors: Vec::new(),
    };
    let body = hash.strip_prefix('#').unwrap_or(hash);
    let mut seen: Vec<&str> = Vec::new();
    for pair in body.split('&').filter(|p| !p.is_empty()) {
        let Some((key, raw)) = pair.split_once('=') else {
            out.errors.push(format!(
                "The link part \"{}\" has no value (expected key=value).",
                shorten(pair)
            ));
            continue;
        };
        if seen.contains(&key) {
            out.errors.push(format!(
                "The link gives \"{}\" twice; the first one is used.",
                shorten(key)
            ));
            continue;
        }
        seen.push(key);
        if key == "c" {
            // base64url needs no percent-decoding; the reader checks the rest.
            out.custom = if raw.is_empty() {
                out.errors
                    .push("The link's \"c\" (a scenario of its own) is empty.".to_owned());
                Value::Invalid
            } else {
                Value::Given(raw.to_owned())
            };
            continue;
        }
        let Some(value) = decode(raw) else {
            out.errors.push(format!(
                "The link's \"{}\" value is too long or not readable text.",
                shorten(key)
            ));
            mark_invalid(&mut out, key);
            continue;
        };
        match key {
            "s" => out.scenario = parse_scenario(&value, &mut out.errors),
            "p" => out.profiles = parse_profiles(&value, &mut out.errors),
            "t" => out.step = parse_step(&value, &mut out.errors),
            "guest" => out.guest = parse_guest(&value, &mut out.errors),
            "embed" => out.embed = parse_flag("embed", &value, &mut out.errors),
            "present" => out.present = parse_flag("present", &value, &mut out.errors),
            "theme" => out.theme = parse_theme(&value, &mut out.errors),
            _ => out.errors.push(format!(
                "The link's key \"{}\" is unknown and was ignored (known: s, c, p, t, guest, embed, present, theme).",
                shorten(key)
            )),
        }
    }
    if let (Value::Given(s), Value::Given(_)) = (&out.scenario, &out.custom) {
        out.errors.push(format!(
            "The link names both the built-in scenario \"{}\" (s) and a scenario of its own (c); it shows its own.",
            shorten(s)
        ));
        out.scenario = Value::Missing;
    }
    out
}

/// Writes the hash for a view, without the leading `#`. Flags that are off
/// are left out, so a plain link stays short.
pub fn encode(state: &UrlState) -> String {
    let profiles: Vec<&str> = state.profiles.iter().map(|p| p.id()).collect();
    let scenario = match &state.custom {
        Some(code) => format!("c={code}"),
        None => format!("s={}", encode_component(&state.scenario)),
    };
    let mut out = format!("{scenario}&p={}&t={}", profiles.join(","), state.step);
    if state.guest != Kernel::default() {
        out.push_str("&guest=");
        out.push_str(state.guest.name());
    }
    if state.embed {
        out.push_str("&embed=1");
    }
    if state.present {
        out.push_str("&present=1");
    }
    out
}

fn mark_invalid(out: &mut Parsed, key: &str) {
    match key {
        "s" => out.scenario = Value::Invalid,
        "p" => out.profiles = Value::Invalid,
        "t" => out.step = Value::Invalid,
        "guest" => out.guest = Value::Invalid,
        "embed" => out.embed = Value::Invalid,
        "present" => out.present = Value::Invalid,
        "theme" => out.theme = Value::Invalid,
        _ => {}
    }
}

fn parse_scenario(value: &str, errors: &mut Vec<String>) -> Value<String> {
    let ok = !value.is_empty()
        && value.len() <= 64
        && value
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
    if ok {
        Value::Given(value.to_owned())
    } else {
        errors.push(format!(
            "\"{}\" is not a scenario id (lower-case letters, digits, '-' and '_').",
            shorten(value)
        ));
        Value::Invalid
    }
}

fn parse_profiles(value: &str, errors: &mut Vec<String>) -> Value<Vec<Profile>> {
    let mut profiles = Vec::new();
    let mut unknown = Vec::new();
    for id in value.split(',').filter(|id| !id.is_empty()) {
        match Profile::from_id(id) {
            Some(p) if !profiles.contains(&p) => profiles.push(p),
            Some(_) => {}
            None => unknown.push(format!("\"{}\"", shorten(id))),
        }
    }
    if !unknown.is_empty() {
        let known: Vec<&str> = Profile::EVERY.iter().map(|p| p.id()).collect();
        errors.push(format!(
            "Unknown profile {} in the link (known: {}).",
            unknown.join(", "),
            known.join(", ")
        ));
    }
    if profiles.is_empty() {
        if unknown.is_empty() {
            errors.push("The link's \"p\" names no profile.".to_owned());
        }
        Value::Invalid
    } else {
        Value::Given(profiles)
    }
}

fn parse_step(value: &str, errors: &mut Vec<String>) -> Value<usize> {
    let digits_only =
        !value.is_empty() && value.len() <= 9 && value.bytes().all(|b| b.is_ascii_digit());
    match value.parse::<usize>() {
        Ok(k) if digits_only => Value::Given(k),
        _ => {
            errors.push(format!(
                "\"t={}\" is not a step number (0 is the initial state).",
                shorten(value)
            ));
            Value::Invalid
        }
    }
}

fn parse_guest(value: &str, errors: &mut Vec<String>) -> Value<Kernel> {
    match Kernel::from_name(value) {
        Some(k) => Value::Given(k),
        None => {
            let known: Vec<&str> = Kernel::names().collect();
            errors.push(format!(
                "\"guest={}\" is not a guest kernel (known: {}).",
                shorten(value),
                known.join(", ")
            ));
            Value::Invalid
        }
    }
}

/// The themes a link may ask for (the tokens of `state::Theme`).
const THEMES: [&str; 3] = ["light", "dark", "system"];

fn parse_theme(value: &str, errors: &mut Vec<String>) -> Value<&'static str> {
    match THEMES.iter().find(|t| **t == value) {
        Some(t) => Value::Given(t),
        None => {
            errors.push(format!(
                "\"theme={}\" should be theme=light, theme=dark or theme=system.",
                shorten(value)
            ));
            Value::Invalid
        }
    }
}

fn parse_flag(key: &str, value: &str, errors: &mut Vec<String>) -> Value<bool> {
    match value {
        "1" => Value::Given(true),
        "0" => Value::Given(false),
        _ => {
            errors.push(format!(
                "\"{key}={}\" should be {key}=1 or {key}=0.",
                shorten(value)
            ));
            Value::Invalid
        }
    }
}

/// Percent-decoding of one value; `None` for a broken escape, a value too
/// long to be a link's, or bytes that are not UTF-8.
fn decode(raw: &str) -> Option<String> {
    if raw.len() > MAX_VALUE {
        return None;
    }
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            let hi = bytes.get(i + 1).and_then(|c| (*c as char).to_digit(16))?;
            let lo = bytes.get(i + 2).and_then(|c| (*c as char).to_digit(16))?;
            out.push(u8::try_from(hi * 16 + lo).ok()?);
            i += 3;
        } else {
            out.push(b);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Percent-encodes everything but RFC 3986 unreserved characters.
fn encode_component(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A value quoted in a message, cut so a garbage link cannot flood the page.
fn shorten(value: &str) -> String {
    const MAX: usize = 40;
    if value.chars().count() <= MAX {
        value.to_owned()
    } else {
        let mut cut: String = value.chars().take(MAX).collect();
        cut.push('…');
        cut
    }
}
