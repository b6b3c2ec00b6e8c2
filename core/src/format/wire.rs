//! A compact private transfer encoding of a `Scenario` (and of a reader's
//! `FormatError`), for handing a scenario the page's reader worker read to
//! the page's main module, which carries no JSON reader (README,
//! "Performance"), and for the built-in scenarios a program embeds
//! (`build.rs` encodes them for `builtin.rs`). Every side compiles this one
//! module, so the encoding needs no version: it is not a second format,
//! and nothing but this module and `library` (which writes traces with
//! its items) may depend on its layout. The copies kept outside a program,
//! the page's seed and library files (`library`), are read only by a build
//! whose seed file names the library's `fingerprint`, and a test fails
//! while they are stale.
//!
//! Layout: a number is unsigned LEB128; a text is its byte length and its
//! UTF-8 bytes; a name (register, routine, profile, ...) is one byte, its
//! place in the format's list of those names (`names.rs`); an optional
//! value is a 0 byte, or a 1 byte and the value; a list is its length and
//! its items. A scenario is id, title,
//! summary, handlers, processor, steps; a step is its `do` name, that
//! operation's fields in declaration order, optional label, optional note.
//! An expect's value is a tag (0 vectors, 1 number, 2 bool, 3 cpu) and the
//! value; its optional `predict` list follows its checks. `decode` rejects anything else, trailing bytes included, and
//! never panics nor allocates more than its input could describe.

use strum::VariantArray;

use super::{
    CpuRun, Expect, Field, FieldValue, FormatError, Handlers, Op, OpName, Processor, Profile, Reg,
    Routine, Scenario, Step,
};

const OK: u8 = 0;
const ERROR: u8 = 1;

/// The scenario as bytes.
pub fn encode(s: &Scenario) -> Vec<u8> {
    let mut w = Writer(Vec::with_capacity(64 + 16 * s.steps.len()));
    w.scenario(s);
    w.0
}

/// The scenario `encode` wrote; `None` for anything else.
pub fn decode(bytes: &[u8]) -> Option<Scenario> {
    let mut r = Reader(bytes);
    let s = r.scenario()?;
    r.0.is_empty().then_some(s)
}

/// The id, title and summary that `encode` writes first, borrowed from
/// `bytes`: what a list of scenarios shows, without decoding their steps.
pub fn head(bytes: &[u8]) -> Option<[&str; 3]> {
    let mut r = Reader(bytes);
    let mut text = || std::str::from_utf8(r.bytes()?).ok();
    Some([text()?, text()?, text()?])
}

/// A reader's outcome as bytes: the scenario, or the error.
pub fn encode_result(result: &Result<Scenario, FormatError>) -> Vec<u8> {
    let mut w = Writer(Vec::new());
    match result {
        Ok(s) => {
            w.byte(OK);
            w.scenario(s);
        }
        Err(e) => {
            w.byte(ERROR);
            w.text(&e.message);
            w.opt(e.step.as_ref(), |w, n| w.num(*n as u64));
            w.opt(e.field.as_ref(), |w, f| w.text(f));
            w.num(e.line as u64);
            w.num(e.column as u64);
        }
    }
    w.0
}

/// Encoded scenarios as one file: each its length (4 bytes, little-endian)
/// and its bytes, in order (`split` reads it back).
pub fn join<'a>(entries: impl IntoIterator<Item = &'a [u8]>) -> Vec<u8> {
    let mut out = Vec::new();
    for bytes in entries {
        out.extend_from_slice(&u32::try_from(bytes.len()).unwrap_or(u32::MAX).to_le_bytes());
        out.extend_from_slice(bytes);
    }
    out
}

/// The entries `join` wrote, in order; `None` for anything else.
pub fn split(file: &[u8]) -> Option<Vec<&[u8]>> {
    let mut out = Vec::new();
    let mut rest = file;
    while let Some((len, tail)) = rest.split_first_chunk::<4>() {
        let len = usize::try_from(u32::from_le_bytes(*len)).ok()?;
        let (bytes, tail) = tail.split_at_checked(len)?;
        out.push(bytes);
        rest = tail;
    }
    rest.is_empty().then_some(out)
}

/// The 64-bit FNV-1a hash of `bytes`: a build's fingerprint of the file
/// `join` wrote, so that it reads no other build's.
pub fn fingerprint(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// What `encode_result` wrote; `None` for anything else.
pub fn decode_result(bytes: &[u8]) -> Option<Result<Scenario, FormatError>> {
    let mut r = Reader(bytes);
    let out = match r.byte()? {
        OK => Ok(r.scenario()?),
        ERROR => Err(FormatError {
            message: r.text()?,
            step: r.opt(|r| r.usize())?,
            field: r.opt(Reader::text)?,
            line: r.usize()?,
            column: r.usize()?,
        }),
        _ => return None,
    };
    r.0.is_empty().then_some(out)
}

/// Writes the layout's items (numbers, texts, optional values).
pub(crate) struct Writer(pub(crate) Vec<u8>);

impl Writer {
    pub(crate) fn byte(&mut self, b: u8) {
        self.0.push(b);
    }

    pub(crate) fn num(&mut self, mut n: u64) {
        loop {
            let low = (n & 0x7f) as u8;
            n >>= 7;
            if n == 0 {
                self.0.push(low);
                return;
            }
            self.0.push(low | 0x80);
        }
    }

    /// A byte string: its length, then its bytes (`Reader::bytes`).
    pub(crate) fn bytes(&mut self, b: &[u8]) {
        self.num(b.len() as u64);
        self.0.extend_from_slice(b);
    }

    pub(crate) fn text(&mut self, s: &str) {
        self.bytes(s.as_bytes());
    }

    /// A name, as its place in its list (`VariantArray`): one byte.
    pub(crate) fn variant<T: VariantArray + PartialEq>(&mut self, v: T) {
        let i = T::VARIANTS.iter().position(|x| *x == v);
        self.byte(i.and_then(|i| u8::try_from(i).ok()).unwrap_or(u8::MAX));
    }

    pub(crate) fn opt<T>(&mut self, v: Option<T>, f: impl FnOnce(&mut Writer, T)) {
        match v {
            None => self.byte(0),
            Some(v) => {
                self.byte(1);
                f(self, v);
            }
        }
    }

    fn scenario(&mut self, s: &Scenario) {
        self.text(&s.id);
        self.text(&s.title);
        self.text(&s.summary);
        self.variant(s.handlers);
        self.variant(s.processor);
        self.num(s.steps.len() as u64);
        for step in &s.steps {
            self.step(step);
        }
    }

    fn step(&mut self, s: &Step) {
        self.variant(s.op.name());
        match &s.op {
            Op::Write { reg, value } => {
                self.variant(*reg);
                self.num(*value);
            }
            Op::Irq { vector, level } => {
                self.byte(*vector);
                self.byte(u8::from(*level));
            }
            Op::SelfIpi { vector } | Op::Sipi { vector } => self.byte(*vector),
            Op::Linux { routine } => self.variant(*routine),
            Op::Note { text } => self.text(text),
            Op::Expect(e) => {
                self.opt(e.profiles.as_ref(), |w, ps| {
                    w.num(ps.len() as u64);
                    for p in ps {
                        w.variant(*p);
                    }
                });
                self.num(e.checks.len() as u64);
                for (field, value) in &e.checks {
                    self.variant(*field);
                    match value {
                        FieldValue::Vectors(v) => {
                            self.byte(0);
                            self.bytes(v);
                        }
                        FieldValue::Number(n) => {
                            self.byte(1);
                            self.num(u64::from(*n));
                        }
                        FieldValue::Bool(b) => {
                            self.byte(2);
                            self.byte(u8::from(*b));
                        }
                        FieldValue::Cpu(c) => {
                            self.byte(3);
                            self.variant(*c);
                        }
                    }
                }
                self.opt(e.predict.as_ref(), |w, fs| {
                    w.num(fs.len() as u64);
                    for f in fs {
                        w.variant(*f);
                    }
                });
            }
            Op::Cli | Op::Sti | Op::Hlt | Op::Nmi | Op::Init | Op::TimerFire | Op::Eoi => {}
        }
        self.opt(s.label.as_ref(), |w, l| w.text(l));
        self.opt(s.note.as_ref(), |w, n| w.text(n));
    }
}

/// Reads the layout's items; every read is `None` past the end.
pub(crate) struct Reader<'a>(pub(crate) &'a [u8]);

impl<'a> Reader<'a> {
    pub(crate) fn byte(&mut self) -> Option<u8> {
        let (&b, rest) = self.0.split_first()?;
        self.0 = rest;
        Some(b)
    }

    pub(crate) fn num(&mut self) -> Option<u64> {
        let mut n = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            n |= u64::from(b & 0x7f).checked_shl(shift)?;
            if b & 0x80 == 0 {
                return Some(n);
            }
        }
        None
    }

    pub(crate) fn usize(&mut self) -> Option<usize> {
        usize::try_from(self.num()?).ok()
    }

    /// A count of items, each at least one byte long: never more than the
    /// bytes left, so a forged count cannot make `decode` loop or allocate.
    pub(crate) fn count(&mut self) -> Option<usize> {
        self.usize().filter(|n| *n <= self.0.len())
    }

    pub(crate) fn bytes(&mut self) -> Option<&'a [u8]> {
        let n = self.count()?;
        let (head, rest) = (self.0.get(..n)?, self.0.get(n..)?);
        self.0 = rest;
        Some(head)
    }

    pub(crate) fn text(&mut self) -> Option<String> {
        String::from_utf8(self.bytes()?.to_vec()).ok()
    }

    /// A name `Writer::variant` wrote.
    pub(crate) fn variant<T: VariantArray + Copy>(&mut self) -> Option<T> {
        T::VARIANTS.get(usize::from(self.byte()?)).copied()
    }

    pub(crate) fn opt<T>(&mut self, f: impl FnOnce(&mut Self) -> Option<T>) -> Option<Option<T>> {
        match self.byte()? {
            0 => Some(None),
            1 => Some(Some(f(self)?)),
            _ => None,
        }
    }

    pub(crate) fn bool(&mut self) -> Option<bool> {
        match self.byte()? {
            0 => Some(false),
            1 => Some(true),
            _ => None,
        }
    }

    fn scenario(&mut self) -> Option<Scenario> {
        let id = self.text()?;
        let title = self.text()?;
        let summary = self.text()?;
        let handlers = self.variant::<Handlers>()?;
        let processor = self.variant::<Processor>()?;
        let n = self.count()?;
        let mut steps = Vec::with_capacity(n);
        for _ in 0..n {
            steps.push(self.step()?);
        }
        Some(Scenario {
            id,
            title,
            summary,
            handlers,
            processor,
            steps,
        })
    }

    fn step(&mut self) -> Option<Step> {
        let op = match self.variant::<OpName>()? {
            OpName::Write => Op::Write {
                reg: self.variant::<Reg>()?,
                value: self.num()?,
            },
            OpName::Cli => Op::Cli,
            OpName::Sti => Op::Sti,
            OpName::Hlt => Op::Hlt,
            OpName::Irq => Op::Irq {
                vector: self.byte()?,
                level: self.bool()?,
            },
            OpName::SelfIpi => Op::SelfIpi {
                vector: self.byte()?,
            },
            OpName::Nmi => Op::Nmi,
            OpName::Init => Op::Init,
            OpName::Sipi => Op::Sipi {
                vector: self.byte()?,
            },
            OpName::TimerFire => Op::TimerFire,
            OpName::Eoi => Op::Eoi,
            OpName::Linux => Op::Linux {
                routine: self.variant::<Routine>()?,
            },
            OpName::Note => Op::Note { text: self.text()? },
            OpName::Expect => {
                let profiles = self.opt(|r| {
                    let n = r.count()?;
                    (0..n).map(|_| r.variant::<Profile>()).collect()
                })?;
                let n = self.count()?;
                let mut checks = Vec::with_capacity(n);
                for _ in 0..n {
                    let field = self.variant::<Field>()?;
                    let value = match self.byte()? {
                        0 => FieldValue::Vectors(self.bytes()?.to_vec()),
                        1 => FieldValue::Number(u32::try_from(self.num()?).ok()?),
                        2 => FieldValue::Bool(self.bool()?),
                        3 => FieldValue::Cpu(self.variant::<CpuRun>()?),
                        _ => return None,
                    };
                    checks.push((field, value));
                }
                let predict = self.opt(|r| {
                    let n = r.count()?;
                    (0..n).map(|_| r.variant::<Field>()).collect()
                })?;
                Op::Expect(Expect {
                    profiles,
                    checks,
                    predict,
                })
            }
        };
        Some(Step {
            op,
            label: self.opt(Reader::text)?,
            note: self.opt(Reader::text)?,
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::super::parse;
    use super::*;

    /// `split` gives back what `join` joined, and refuses a file cut short.
    #[test]
    fn split_reads_what_join_wrote() {
        let entries: [&[u8]; 3] = [b"ab", b"", b"cde"];
        let file = join(entries);
        assert_eq!(file.len(), 3 * 4 + 5);
        assert_eq!(split(&file), Some(entries.to_vec()));
        assert_eq!(split(&file[..file.len() - 1]), None);
        assert_eq!(split(&file[..2]), None);
        assert_eq!(split(&[]), Some(Vec::new()));
    }

    /// The fingerprint is FNV-1a 64 (the published test vectors: the
    /// empty string and "a").
    #[test]
    fn fingerprint_is_fnv1a_64() {
        assert_eq!(fingerprint(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fingerprint(b"a"), 0xaf63_dc4c_8601_ec8c);
    }

    #[test]
    fn every_builtin_round_trips() {
        for b in crate::builtin::list() {
            let s = crate::builtin::get(b.id).unwrap();
            assert_eq!(decode(&encode(&s)), Some(s.clone()), "{}", b.id);
            assert_eq!(decode_result(&encode_result(&Ok(s.clone()))), Some(Ok(s)));
        }
    }

    /// `head` reads the id, title and summary of a scenario `encode` wrote,
    /// here of one read from a file's text, and nothing from bytes cut
    /// inside them.
    #[test]
    fn head_reads_id_title_and_summary() {
        let s = parse(
            r#"{"id":"a-1","title":"Ä title","summary":"its summary","steps":[{"do":"cli"}]}"#,
        )
        .unwrap();
        let bytes = encode(&s);
        assert_eq!(head(&bytes), Some(["a-1", "Ä title", "its summary"]));
        let end = 1 + 3 + 1 + "Ä title".len() + 1 + "its summary".len();
        assert!(head(bytes.get(..end).unwrap()).is_some());
        for cut in 0..end {
            assert_eq!(head(bytes.get(..cut).unwrap()), None, "cut at {cut}");
        }
    }

    #[test]
    fn errors_round_trip() {
        let e = parse("{\n  \"id\": 3").unwrap_err();
        assert!(e.line > 0, "{e:?}");
        assert_eq!(decode_result(&encode_result(&Err(e.clone()))), Some(Err(e)));
        let e = parse(r#"{"id":"a","title":"A","steps":[{"do":"nope"}]}"#).unwrap_err();
        assert!(e.step.is_some() && e.field.is_some(), "{e:?}");
        assert_eq!(decode_result(&encode_result(&Err(e.clone()))), Some(Err(e)));
    }

    #[test]
    fn rejects_trailing_and_truncated_bytes() {
        let s = crate::builtin::get("hotplug-cpu0").unwrap();
        let mut bytes = encode(&s);
        bytes.push(0);
        assert_eq!(decode(&bytes), None);
        bytes.pop();
        for cut in 0..bytes.len() {
            assert_eq!(decode(bytes.get(..cut).unwrap()), None, "cut at {cut}");
        }
        assert_eq!(decode(&[0xff; 32]), None);
    }
}
