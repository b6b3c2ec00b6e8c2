//! The built-ins beyond the seed, for the viewer: it links no engine
//! (`apic_core::library`): it shows the seed's traces, computed ahead of
//! time, from the seed file it embeds (`seed.bin`), and reads any other
//! built-in's, or another guest kernel's, from the library file
//! `builtins.bin`, fetched once, the first time a visit asks for one
//! (README, "Performance": first load). The full playground runs the
//! engine on the built-ins it embeds and never fetches the file.
//!
//! The file, once read, is kept for the page's life in this module: the
//! reducer's loader (`state::Loader`) is a plain function, and the bytes
//! never change once fetched, as the table the full playground embeds.

use std::cell::{OnceCell, RefCell};

use apic_core::builtin::{self, SEED_ID};
use apic_core::format::{Kernel, Scenario};
use apic_core::library::{Library, LIBRARY_FILE};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use crate::url::{self, Value};

/// What runs once the library is read (`then`).
type Waiting = Box<dyn FnOnce()>;

/// The seed file (`make builtins` writes it; a test of the CLI holds it
/// to the engine): the seed's traces with the default kernel, and the
/// fingerprint of the library written with it.
#[cfg(not(feature = "play"))]
const SEED_FILE: &[u8] = include_bytes!("seed.bin");

thread_local! {
    /// The library, once fetched and found to be the one the seed file names.
    static FILE: OnceCell<Library> = const { OnceCell::new() };
    /// Why the last fetch failed, for the message of a scenario it misses.
    static FAILED: RefCell<Option<String>> = const { RefCell::new(None) };
    /// While a fetch runs, what waits for it, in the order asked.
    static WAITING: RefCell<Option<Vec<Waiting>>> = const { RefCell::new(None) };
}

/// Whether `id` names a built-in.
fn listed(id: &str) -> bool {
    builtin::titles().any(|(b, _)| b == id)
}

/// Whether showing built-in `id` with `guest`'s routines needs the
/// library first: the viewer, other than the seed with the default
/// kernel, and no library read yet. (Until the library is read, the
/// viewer shows nothing but that, so an action's `guest` or scenario
/// missing here is the seed's or the default.)
pub fn needs(id: &str, guest: Kernel) -> bool {
    !crate::PLAY
        && (id != SEED_ID || guest != Kernel::default())
        && FILE.with(|f| f.get().is_none())
        && listed(id)
}

/// Whether the view of `hash` (a link) needs the library first: it names
/// a built-in and a guest kernel that `needs` it, and no scenario of one's
/// own (`c` wins).
pub fn needed_by(hash: &str) -> bool {
    let parsed = url::parse(hash);
    let id = match &parsed.scenario {
        Value::Given(id) => id.as_str(),
        _ => SEED_ID,
    };
    let guest = match parsed.guest {
        Value::Given(guest) => guest,
        _ => Kernel::default(),
    };
    matches!(parsed.custom, Value::Missing) && needs(id, guest)
}

/// The built-in `id`, from the table the full playground embeds.
#[cfg(feature = "play")]
pub fn scenario(id: &str) -> Result<Scenario, String> {
    builtin::get(id).ok_or_else(|| format!("unknown scenario \"{id}\""))
}

/// The viewer holds no built-in's steps (only what it shows of them,
/// `view`): what edits one hands it to the full playground first
/// (`hooks::play_loader`), so this is never asked for there.
#[cfg(not(feature = "play"))]
pub fn scenario(id: &str) -> Result<Scenario, String> {
    Err(format!("\"{id}\" is edited in the full playground"))
}

/// The seed file, read.
#[cfg(not(feature = "play"))]
fn seed() -> Option<apic_core::library::Seed> {
    apic_core::library::read_seed(SEED_FILE)
}

/// What the page shows of built-in `id` and its traces under every
/// profile with `guest`'s routines, as the engine computed them ahead of
/// time: the seed's with the default kernel from the seed file, any other
/// from the library.
#[cfg(not(feature = "play"))]
pub fn view(id: &str, guest: Kernel) -> Result<(apic_core::view::Meta, apic_core::Trace), String> {
    use apic_core::library::LibraryError;
    let unknown = || format!("unknown scenario \"{id}\"");
    if id == SEED_ID && guest == Kernel::default() {
        let seed = seed().ok_or_else(|| "the page's seed file is damaged".to_owned())?;
        return Ok((seed.meta, seed.trace));
    }
    match FILE.with(|f| f.get().map(|library| library.get(id, guest))) {
        Some(Ok(view)) => Ok(view),
        Some(Err(LibraryError::Unknown)) => Err(unknown()),
        Some(Err(LibraryError::Stale)) => Err(format!(
            "\"{id}\" cannot be read from {LIBRARY_FILE}: {}",
            stale()
        )),
        None if listed(id) => Err(format!(
            "\"{id}\"{} comes with the other built-ins in {LIBRARY_FILE}, which could not be read{}",
            if guest == Kernel::default() {
                String::new()
            } else {
                format!(" with {}", guest.short_title())
            },
            FAILED
                .with_borrow(Clone::clone)
                .map(|why| format!(" ({why})"))
                .unwrap_or_default()
        )),
        None => Err(unknown()),
    }
}

/// Why a library of another build is refused, and the cure.
fn stale() -> String {
    "it is from another version of the page: reload the page".to_owned()
}

/// Whether a fetch of the library runs.
pub fn loading() -> bool {
    WAITING.with_borrow(Option::is_some)
}

/// Runs `then` once the library is read, or could not be: at once when
/// it is, else after the fetch, which this starts unless one runs. What
/// waits runs in the order asked, so that of two scenarios picked while
/// the file comes, the one picked last is shown.
pub fn then(then: impl FnOnce() + 'static) {
    if FILE.with(|f| f.get().is_some()) {
        return then();
    }
    let started = WAITING.with_borrow_mut(|w| {
        let first = w.is_none();
        w.get_or_insert_with(Vec::new).push(Box::new(then));
        first
    });
    if started {
        wasm_bindgen_futures::spawn_local(async {
            load().await;
            for f in WAITING.take().unwrap_or_default() {
                f();
            }
        });
    }
}

/// Fetches the library and keeps it if it is the one the seed file names,
/// else why not (`FAILED`). The address names that library (`?v=` its
/// fingerprint), so that no cache answers with another build's.
async fn load() {
    let fingerprint = fingerprint();
    let library = fetch(fingerprint)
        .await
        .and_then(|bytes| Library::read(bytes, fingerprint).map_err(|_| stale()));
    match library {
        Ok(library) => {
            FILE.with(|f| {
                let _ = f.set(library);
            });
            FAILED.set(None);
        }
        Err(why) => FAILED.set(Some(why)),
    }
}

/// The fingerprint of the library this build reads, as its seed file
/// names it (the full playground reads none).
fn fingerprint() -> u64 {
    #[cfg(not(feature = "play"))]
    return apic_core::library::seed_fingerprint(SEED_FILE).unwrap_or(0);
    #[cfg(feature = "play")]
    0
}

async fn fetch(fingerprint: u64) -> Result<Vec<u8>, String> {
    let window = web_sys::window().ok_or("no window")?;
    let address = format!("{LIBRARY_FILE}?v={fingerprint:016x}");
    let response = JsFuture::from(window.fetch_with_str(&address))
        .await
        .map_err(|_| "the network or the server did not answer".to_owned())?;
    let response: web_sys::Response = response
        .dyn_into()
        .map_err(|_| "not a response".to_owned())?;
    if !response.ok() {
        return Err(format!("the server answered {}", response.status()));
    }
    let buffer = response
        .array_buffer()
        .map_err(|_| "unreadable response".to_owned())?;
    let buffer = JsFuture::from(buffer)
        .await
        .map_err(|_| "the download broke off".to_owned())?;
    Ok(js_sys::Uint8Array::new(&buffer).to_vec())
}
