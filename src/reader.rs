//! The page's side of the scenario reader worker (`src/bin/reader.rs`).
//! The worker starts on the first request, never on a plain load of a
//! built-in: the main module carries no JSON reader (README,
//! "Performance"). Requests wait until the worker says it is ready; each
//! reply goes to its request's callback. A worker that cannot start
//! answers every request with an error, never silence.

use std::cell::RefCell;

use apic_core::format::{wire, FormatError, Scenario};
use js_sys::{Array, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{MessageEvent, Worker, WorkerOptions, WorkerType};

type Done = Box<dyn FnOnce(Option<Array>)>;

struct Client {
    worker: Worker,
    ready: bool,
    queue: Vec<Array>,
    next: u32,
    waiting: Vec<(u32, Done)>,
}

thread_local! {
    static CLIENT: RefCell<Option<Client>> = const { RefCell::new(None) };
}

/// The worker's script, next to the page (Trunk's `data-loader-shim`).
const SCRIPT: &str = "./reader_loader.js";

fn on_message(msg: MessageEvent) {
    let data = msg.data();
    if data.as_string().as_deref() == Some("ready") {
        let queue = CLIENT.with_borrow_mut(|c| {
            c.as_mut().map(|c| {
                c.ready = true;
                std::mem::take(&mut c.queue)
            })
        });
        for m in queue.unwrap_or_default() {
            CLIENT.with_borrow(|c| c.as_ref().map(|c| c.worker.post_message(&m)));
        }
        return;
    }
    let reply = Array::from(&data);
    let id = reply.get(0).as_f64().unwrap_or(-1.0) as u32;
    let done = CLIENT.with_borrow_mut(|c| {
        let c = c.as_mut()?;
        let i = c.waiting.iter().position(|(k, _)| *k == id)?;
        Some(c.waiting.swap_remove(i).1)
    });
    if let Some(done) = done {
        done(Some(reply));
    }
}

/// The worker failed: every request still waiting gets `None`, and the
/// next request starts a new worker.
fn on_failure() {
    let waiting = CLIENT.with_borrow_mut(|c| c.take().map(|c| c.waiting).unwrap_or_default());
    for (_, done) in waiting {
        done(None);
    }
}

fn start() -> Option<Client> {
    let options = WorkerOptions::new();
    options.set_type(WorkerType::Module);
    let worker = Worker::new_with_options(SCRIPT, &options).ok()?;
    let onmessage = Closure::<dyn Fn(MessageEvent)>::new(on_message);
    worker.set_onmessage(Some(onmessage.as_ref().unchecked_ref()));
    onmessage.forget();
    let onerror = Closure::<dyn Fn()>::new(on_failure);
    worker.set_onerror(Some(onerror.as_ref().unchecked_ref()));
    onerror.forget();
    Some(Client {
        worker,
        ready: false,
        queue: Vec::new(),
        next: 0,
        waiting: Vec::new(),
    })
}

fn request(kind: &str, text: &str, done: Done) {
    let sent = CLIENT.with_borrow_mut(|slot| {
        if slot.is_none() {
            *slot = start();
        }
        let c = slot.as_mut()?;
        c.next = c.next.wrapping_add(1);
        let id = c.next;
        let msg = Array::of3(
            &JsValue::from(id),
            &JsValue::from_str(kind),
            &JsValue::from_str(text),
        );
        if c.ready {
            c.worker.post_message(&msg).ok()?;
        } else {
            c.queue.push(msg);
        }
        c.waiting.push((id, done));
        Some(())
    });
    if sent.is_none() {
        on_failure();
    }
}

fn unavailable() -> FormatError {
    FormatError {
        message: "the page's scenario reader did not start (reader_loader.js could not be loaded)"
            .into(),
        step: None,
        field: None,
        line: 0,
        column: 0,
    }
}

fn result_of(reply: &Option<Array>) -> Result<Scenario, FormatError> {
    reply
        .as_ref()
        .and_then(|r| r.get(1).dyn_into::<Uint8Array>().ok())
        .and_then(|bytes| wire::decode_result(&bytes.to_vec()))
        .unwrap_or_else(|| Err(unavailable()))
}

/// Reads format-v1 text with the one reader.
pub fn parse(text: &str, done: impl FnOnce(Result<Scenario, FormatError>) + 'static) {
    request(
        "parse",
        text,
        Box::new(move |reply| done(result_of(&reply))),
    );
}

/// Reads a link's `c` value: the scenario, and the JSON text it carried.
pub fn open(
    code: &str,
    done: impl FnOnce(Result<Scenario, FormatError>, Option<String>) + 'static,
) {
    request(
        "open",
        code,
        Box::new(move |reply| {
            let text = reply.as_ref().and_then(|r| r.get(2).as_string());
            done(result_of(&reply), text)
        }),
    );
}

/// The `c` value of format-v1 text (`None` when it cannot be made).
pub fn share(text: &str, done: impl FnOnce(Option<String>) + 'static) {
    request(
        "share",
        text,
        Box::new(move |reply| done(reply.and_then(|r| r.get(1).as_string()))),
    );
}
