//! The built-ins beyond the seed, for the viewer: it links no engine
//! (`apic_core::library`): it shows the seed's traces, computed ahead of
//! time, from the seed file it embeds (`seed.bin`), and reads any other
//! built-in's, or another guest kernel's, from that built-in's own file,
//! `builtins/<id>.bin`, fetched once, the first time a visit asks for it
//! (README, "Performance": first load). A visit fetches only the
//! built-ins it shows. The full playground runs the engine on the
//! built-ins it embeds and never fetches the files.
//!
//! A file, once read, is kept for the page's life in this module: the
//! reducer's loader (`state::Loader`) is a plain function, and the bytes
//! never change once fetched, as the table the full playground embeds.

use std::cell::RefCell;

use apic_core::builtin::{self, SEED_ID};
use apic_core::format::{Kernel, Scenario};
use apic_core::library::{file_name, Library};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use crate::url::{self, Value};

/// What runs once a built-in's file is read (`then`), and that built-in
/// (none for what only waits its turn).
type Waiting = (Option<String>, Box<dyn FnOnce()>);

/// The seed file (`make builtins` writes it; a test of the CLI holds it
/// to the engine): the seed's traces with the default kernel, and every
/// built-in's file by fingerprint.
#[cfg(not(feature = "play"))]
const SEED_FILE: &[u8] = include_bytes!("seed.bin");

thread_local! {
    /// What came of the last fetch of each built-in's file, by id: the
    /// file, found to be the one the seed file names, or why not (for the
    /// message of the scenario it misses).
    static FILES: RefCell<Vec<(String, Result<Library, String>)>> = const { RefCell::new(Vec::new()) };
    /// While files are read, what waits for them, in the order asked.
    static WAITING: RefCell<Option<Vec<Waiting>>> = const { RefCell::new(None) };
}

/// Whether built-in `id`'s file has been read.
fn read(id: &str) -> bool {
    FILES.with_borrow(|f| f.iter().any(|(i, file)| i == id && file.is_ok()))
}

/// Whether `id` names a built-in.
fn listed(id: &str) -> bool {
    builtin::titles().any(|(b, _)| b == id)
}

/// Whether showing built-in `id` with `guest`'s routines needs its file
/// first: the viewer, other than the seed with the default kernel, and
/// that file not read yet.
pub fn needs(id: &str, guest: Kernel) -> bool {
    !crate::PLAY && (id != SEED_ID || guest != Kernel::default()) && listed(id) && !read(id)
}

/// The built-in and guest kernel the view of `hash` (a link) shows: the
/// seed and the default kernel where it names none.
pub fn shown_by(hash: &str) -> (String, Kernel) {
    shown(url::parse(hash))
}

/// `shown_by`, of a link already read.
fn shown(parsed: url::Parsed) -> (String, Kernel) {
    let id = match parsed.scenario {
        Value::Given(id) => id,
        _ => SEED_ID.to_owned(),
    };
    let guest = match parsed.guest {
        Value::Given(guest) => guest,
        _ => Kernel::default(),
    };
    (id, guest)
}

/// The built-in whose file the view of `hash` (a link) needs first: it
/// names a built-in and a guest kernel that `needs` it, and no scenario
/// of one's own (`c` wins).
pub fn needed_by(hash: &str) -> Option<String> {
    let parsed = url::parse(hash);
    let own = !matches!(parsed.custom, Value::Missing);
    let (id, guest) = shown(parsed);
    (!own && needs(&id, guest)).then_some(id)
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
    let file = FILES.with_borrow(|f| {
        f.iter().find(|(i, _)| i == id).map(|(_, file)| match file {
            Ok(library) => Ok(library.get(id, guest)),
            Err(why) => Err(why.clone()),
        })
    });
    match file {
        Some(Ok(Ok(view))) => Ok(view),
        Some(Ok(Err(LibraryError::Unknown))) => Err(unknown()),
        Some(Ok(Err(LibraryError::Stale))) => Err(format!(
            "\"{id}\" cannot be read from {}: {}",
            file_name(id),
            stale()
        )),
        Some(Err(why)) => Err(format!(
            "\"{id}\"{} is read from {}, which could not be read ({why})",
            with(guest),
            file_name(id),
        )),
        None if listed(id) => Err(format!(
            "\"{id}\"{} is read from {}, which has not been read",
            with(guest),
            file_name(id),
        )),
        None => Err(unknown()),
    }
}

/// " with <kernel>" for a guest kernel other than the default, for a
/// message.
#[cfg(not(feature = "play"))]
fn with(guest: Kernel) -> String {
    if guest == Kernel::default() {
        String::new()
    } else {
        format!(" with {}", guest.short_title())
    }
}

/// Why a file of another build is refused, and the cure.
fn stale() -> String {
    "it is from another version of the page: reload the page".to_owned()
}

/// Whether built-ins' files are being read (what asks for a view then
/// waits its turn, `then`).
pub fn loading() -> bool {
    WAITING.with_borrow(Option::is_some)
}

/// Runs `then` once built-in `file`'s file is read, or could not be: at
/// once when it is (or `file` is `None`) and nothing waits, else in turn
/// after the files asked for before it, fetching `file`'s unless it is
/// read by then. What waits runs in the order asked, so that of two
/// scenarios picked while a file comes, the one picked last is shown.
pub fn then(file: Option<&str>, then: impl FnOnce() + 'static) {
    if !loading() && file.is_none_or(read) {
        return then();
    }
    let started = WAITING.with_borrow_mut(|w| {
        let first = w.is_none();
        w.get_or_insert_with(Vec::new)
            .push((file.map(str::to_owned), Box::new(then)));
        first
    });
    if started {
        wasm_bindgen_futures::spawn_local(async {
            // What runs may ask for more; it joins the queue.
            while let Some((file, then)) = WAITING.with_borrow_mut(|w| {
                let next = w.as_mut().filter(|w| !w.is_empty()).map(|w| w.remove(0));
                if next.is_none() {
                    *w = None;
                }
                next
            }) {
                if let Some(id) = file.filter(|id| !read(id)) {
                    load(&id).await;
                }
                then();
            }
            crate::handoff::settle();
        });
    }
}

/// Fetches built-in `id`'s file and keeps it if it is the one the seed
/// file names, else why not (`FILES`). The address names that file
/// (`?v=` its fingerprint), so that no cache answers with another build's.
async fn load(id: &str) {
    let file = match fingerprint(id) {
        Some(fingerprint) => fetch(id, fingerprint)
            .await
            .and_then(|bytes| Library::read(bytes, fingerprint).map_err(|_| stale())),
        None => Err(stale()),
    };
    FILES.with_borrow_mut(|f| {
        f.retain(|(i, _)| i != id);
        f.push((id.to_owned(), file));
    });
}

/// The fingerprint of built-in `id`'s file this build reads, as its seed
/// file names it (the full playground reads none).
fn fingerprint(id: &str) -> Option<u64> {
    #[cfg(not(feature = "play"))]
    return apic_core::library::seed_fingerprint(SEED_FILE, id);
    #[cfg(feature = "play")]
    {
        let _ = id;
        None
    }
}

async fn fetch(id: &str, fingerprint: u64) -> Result<Vec<u8>, String> {
    let window = web_sys::window().ok_or("no window")?;
    let address = format!("{}?v={fingerprint:016x}", file_name(id));
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
