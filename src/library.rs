//! The built-ins beyond the seed, for the viewer: its first load embeds
//! only the seed and the list of the built-ins, and reads any other from
//! the library file `builtins.bin` (`apic_core::builtin::library`), fetched
//! once, the first time a visit asks for one (README, "Performance": first
//! load). The full playground embeds every built-in and never fetches it.
//!
//! The file, once read, is kept for the page's life in this module: the
//! reducer's loader (`state::Loader`) is a plain function, and the bytes
//! never change once fetched, as the table the full playground embeds.

use std::cell::{OnceCell, RefCell};

use apic_core::builtin::{self, Library, LIBRARY_FILE, LIBRARY_HASH};
use apic_core::format::Scenario;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use crate::url::{self, Value};

/// What runs once the library is read (`then`).
type Waiting = Box<dyn FnOnce()>;

thread_local! {
    /// The library, once fetched and found to be this build's.
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

/// Whether showing built-in `id` needs the library first: the viewer, a
/// built-in other than the seed, and no library read yet.
pub fn needs(id: &str) -> bool {
    !crate::PLAY && id != builtin::SEED_ID && FILE.with(|f| f.get().is_none()) && listed(id)
}

/// Whether the view of `hash` (a link) needs the library first: it names
/// a built-in that `needs` it, and no scenario of one's own (`c` wins).
pub fn needed_by(hash: &str) -> bool {
    let parsed = url::parse(hash);
    matches!(parsed.custom, Value::Missing)
        && matches!(&parsed.scenario, Value::Given(id) if needs(id))
}

/// The built-in `id`, from the table the full playground embeds.
#[cfg(feature = "play")]
pub fn scenario(id: &str) -> Result<Scenario, String> {
    builtin::get(id).ok_or_else(|| format!("unknown scenario \"{id}\""))
}

/// The built-in `id`: the seed, else from the library.
#[cfg(not(feature = "play"))]
pub fn scenario(id: &str) -> Result<Scenario, String> {
    let unknown = || format!("unknown scenario \"{id}\"");
    if id == builtin::SEED_ID {
        return builtin::seed().ok_or_else(unknown);
    }
    match FILE.with(|f| f.get().map(|library| library.get(id))) {
        Some(Ok(scenario)) => Ok(scenario),
        Some(Err(builtin::LibraryError::Unknown)) => Err(unknown()),
        Some(Err(builtin::LibraryError::Stale)) => Err(format!(
            "\"{id}\" cannot be read from {LIBRARY_FILE}: {}",
            stale()
        )),
        None if listed(id) => Err(format!(
            "\"{id}\" comes with the other built-ins in {LIBRARY_FILE}, which could not be read{}",
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

/// Fetches the library and keeps it if it is this build's, else why not
/// (`FAILED`). The address names the build's library (`?v=` its
/// fingerprint), so that no cache answers with another build's.
async fn load() {
    let library = fetch()
        .await
        .and_then(|bytes| Library::read(bytes).map_err(|_| stale()));
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

async fn fetch() -> Result<Vec<u8>, String> {
    let window = web_sys::window().ok_or("no window")?;
    let address = format!("{LIBRARY_FILE}?v={LIBRARY_HASH:016x}");
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
