//! The page's scenario reader: a web worker (Trunk builds it as
//! `reader_loader.js`, `reader.js` and `reader_bg.wasm`) that the page
//! starts only when it needs a scenario of its own read or shared: the
//! editor, a `c` link, a file, a restored draft. It holds format v1's one
//! reader (`format::parse`, serde_json and all), which the page's main
//! module does not carry, and parses off the main thread, so a 1 MB paste
//! never freezes the tab.
//!
//! Messages in: `[id, kind, text]`; out: `[id, ...]`, after one `"ready"`.
//! - `parse`: text is format-v1 JSON; reply `[id, result]` where result
//!   is `format::wire::encode_result` of what `parse` read.
//! - `open`: text is a link's `c` value (raw DEFLATE, base64url without
//!   padding, README "The URL"); reply `[id, result, json]`, json the
//!   decompressed text (or null when it is not readable).
//! - `share`: text is format-v1 JSON; reply `[id, c]`, c the link value
//!   (or null when the browser cannot compress).

use apic_core::format::{self, wire, FormatError};
use js_sys::{Array, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

#[wasm_bindgen]
extern "C" {
    /// `CompressionStream` (web-sys has it only behind an unstable cfg).
    #[wasm_bindgen(js_name = CompressionStream)]
    type Compressor;
    #[wasm_bindgen(constructor, js_class = "CompressionStream", catch)]
    fn new(format: &str) -> Result<Compressor, JsValue>;

    /// `DecompressionStream`.
    #[wasm_bindgen(js_name = DecompressionStream)]
    type Decompressor;
    #[wasm_bindgen(constructor, js_class = "DecompressionStream", catch)]
    fn new(format: &str) -> Result<Decompressor, JsValue>;
}

/// The longest `c` value read at all (a link is far shorter in practice).
const MAX_CODE: usize = 1 << 20;

/// Raw DEFLATE (`deflate-raw`) of `bytes` one way or the other, with the
/// browser's own streams.
#[cfg(target_arch = "wasm32")]
async fn deflate(bytes: &[u8], compress: bool) -> Result<Vec<u8>, JsValue> {
    use wasm_bindgen_futures::JsFuture;
    use web_sys::{Blob, ReadableWritablePair, Response};
    let parts = Array::of1(&Uint8Array::from(bytes));
    let blob = Blob::new_with_u8_array_sequence(&parts)?;
    let pair: ReadableWritablePair = if compress {
        Compressor::new("deflate-raw")?.unchecked_into()
    } else {
        Decompressor::new("deflate-raw")?.unchecked_into()
    };
    let out = blob.stream().pipe_through(&pair);
    let response = Response::new_with_opt_readable_stream(Some(&out))?;
    let buffer = JsFuture::from(response.array_buffer()?).await?;
    Ok(Uint8Array::new(&buffer).to_vec())
}

#[cfg(not(target_arch = "wasm32"))]
async fn deflate(_bytes: &[u8], _compress: bool) -> Result<Vec<u8>, JsValue> {
    Err(JsValue::NULL)
}

/// A link's problem as a reader error (no line or column: not the text).
fn link_error(message: String) -> FormatError {
    FormatError {
        message,
        step: None,
        field: None,
        line: 0,
        column: 0,
    }
}

/// The JSON text a `c` value carries.
async fn open(code: &str) -> Result<String, FormatError> {
    if code.len() > MAX_CODE {
        return Err(link_error(format!(
            "the link's scenario is {} characters long; at most {MAX_CODE} are read",
            code.len()
        )));
    }
    let packed = apic_playground::base64url::decode(code).map_err(link_error)?;
    let bytes = deflate(&packed, false).await.map_err(|_| {
        link_error(
            "the link's scenario is cut short or corrupt (it does not inflate as raw DEFLATE)"
                .into(),
        )
    })?;
    if bytes.len() > format::MAX_BYTES {
        return Err(link_error(format!(
            "the link's scenario inflates to more than {} bytes, the most a scenario may have",
            format::MAX_BYTES
        )));
    }
    String::from_utf8(bytes).map_err(|_| link_error("the link's scenario is not UTF-8 text".into()))
}

async fn answer(kind: &str, text: &str, reply: &Array) {
    match kind {
        "parse" => {
            reply.push(&Uint8Array::from(
                &wire::encode_result(&format::parse(text))[..],
            ));
        }
        "open" => match open(text).await {
            Ok(json) => {
                reply.push(&Uint8Array::from(
                    &wire::encode_result(&format::parse(&json))[..],
                ));
                reply.push(&JsValue::from_str(&json));
            }
            Err(e) => {
                reply.push(&Uint8Array::from(&wire::encode_result(&Err(e))[..]));
                reply.push(&JsValue::NULL);
            }
        },
        "share" => match deflate(text.as_bytes(), true).await {
            Ok(packed) => {
                reply.push(&JsValue::from_str(&apic_playground::base64url::encode(
                    &packed,
                )));
            }
            Err(_) => {
                reply.push(&JsValue::NULL);
            }
        },
        _ => {}
    }
}

fn main() {
    let Ok(scope) = js_sys::global().dyn_into::<DedicatedWorkerGlobalScope>() else {
        return;
    };
    let replier = scope.clone();
    let onmessage = Closure::<dyn Fn(MessageEvent)>::new(move |msg: MessageEvent| {
        let data = Array::from(&msg.data());
        let id = data.get(0);
        let kind = data.get(1).as_string().unwrap_or_default();
        let text = data.get(2).as_string().unwrap_or_default();
        let scope = replier.clone();
        wasm_bindgen_futures::spawn_local(async move {
            let reply = Array::of1(&id);
            answer(&kind, &text, &reply).await;
            let _ = scope.post_message(&reply);
        });
    });
    scope.set_onmessage(Some(onmessage.as_ref().unchecked_ref()));
    onmessage.forget();
    // Messages sent before the module ran its main are lost: say when.
    let _ = scope.post_message(&JsValue::from_str("ready"));
}
