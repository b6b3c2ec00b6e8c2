//! The built-ins as the page's viewer shows them: each scenario with its
//! traces under every profile (`Profile::EVERY`) and every guest kernel,
//! computed by the engine ahead of time and kept as bytes. The viewer
//! (the page's first module) links no engine and no explanations (feature
//! `engine`): it reads the seed's traces from the seed file it embeds
//! (`seed_file`) and any other built-in's, or another kernel's, from that
//! built-in's own file served beside it (`files`, `builtins/<id>.bin`,
//! `file_name`), the first time a visit asks for it: a visit fetches
//! the built-ins it shows, never the others' narration (README,
//! "Performance": first load).
//!
//! The files are written by `apic-trace builtins` and committed; a test
//! holds them to what the engine computes now. A built-in's file is a
//! library of one entry, joined by `format::wire::join`; its entry is in
//! the private encoding of `format::wire`, so a program reads only the
//! file its seed file names (by fingerprint, `seed_files`), never
//! another build's.
//!
//! An entry: what the viewer shows of the scenario beside its traces
//! (`view::Meta`: id, title and summary first, as `format::wire::head`
//! reads them; each step's note; the checkpoints, each its state, the
//! first state it hides, its fields and profiles); the words of its
//! traces, each distinct text once (a count, then texts); then, per
//! kernel, the kernel and its trace as one byte string, so that a reader
//! skips the kernels it was not asked for. A trace: its profiles, each its
//! id and states; a state (its step is its place): a mask of the
//! registers written (those it leaves out are as in the state before),
//! the label, IRR, ISR, TMR, TPR, PPR, SPIV, the two flags, the CPU's run
//! state, the six LVTs, APICv's RVI and SVI, then its events (kind,
//! vector, text, rule), warnings and the checkpoint's result. Words and
//! rules are indices into the entry's texts.

use std::rc::Rc;

use crate::format::wire::{self, Reader};
use crate::format::{CpuRun, Field, Kernel, Profile};
use crate::trace::{
    share_events, ApicvState, Event, EventKind, Events, ExpectResult, ProfileTrace, Rule, State,
    Text, VectorBits,
};
use crate::view::{Checkpoint, Meta};
use crate::Trace;

/// The folder of the built-ins' files, as the page serves it.
pub const LIBRARY_DIR: &str = "builtins";

/// Built-in `id`'s file, as the page serves it: `builtins/<id>.bin`.
pub fn file_name(id: &str) -> String {
    format!("{LIBRARY_DIR}/{}", base_name(id))
}

/// The name of built-in `id`'s file in its folder: `<id>.bin`.
pub fn base_name(id: &str) -> String {
    format!("{id}.bin")
}

/// Why a library cannot give a built-in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LibraryError {
    /// The file is not the one the seed file names (another build's, or
    /// damaged).
    Stale,
    /// No file holds a built-in of this id.
    Unknown,
}

/// What the seed file holds beside the built-ins' files by fingerprint
/// (`seed_files`): the seed's entry with the default kernel's trace only,
/// as `seed_file` wrote it.
#[derive(Clone, Debug)]
pub struct Seed {
    /// What the viewer shows of the seed beside its traces.
    pub meta: Meta,
    /// Its traces under every profile, with the default kernel.
    pub trace: Trace,
}

/// Reads the seed file `seed_file` wrote; `None` for anything else (a
/// file cut short, with bytes after its end, or not of this build's
/// encoding).
pub fn read_seed(file: &[u8]) -> Option<Seed> {
    let entry = file_table(file, |_, _| {})?;
    let (meta, trace) = read_entry(entry, Kernel::default())?;
    Some(Seed { meta, trace })
}

/// The built-ins' files a seed file names, each by id and by the
/// `format::wire::fingerprint` of the file written with it (`files`), in
/// the built-ins' order; read without its traces.
pub fn seed_files(file: &[u8]) -> Option<Vec<(String, u64)>> {
    let mut files = Vec::new();
    let mut text = true;
    file_table(file, |id, fingerprint| match std::str::from_utf8(id) {
        Ok(id) => files.push((id.to_owned(), fingerprint)),
        Err(_) => text = false,
    })?;
    text.then_some(files)
}

/// The fingerprint a seed file names for built-in `id`'s file
/// (`seed_files`, without a copy of the ids).
pub fn seed_fingerprint(file: &[u8], id: &str) -> Option<u64> {
    let mut found = None;
    file_table(file, |named, fingerprint| {
        if found.is_none() && named == id.as_bytes() {
            found = Some(fingerprint);
        }
    })?;
    found
}

/// Reads a seed file's table of the built-ins' files, as `seed_file`
/// wrote it, giving `each` every id (its bytes) and its file's
/// fingerprint; the bytes after the table (the seed's entry), or `None`
/// for a table cut short.
fn file_table<'a>(file: &'a [u8], mut each: impl FnMut(&'a [u8], u64)) -> Option<&'a [u8]> {
    let mut r = Reader(file);
    for _ in 0..r.count()? {
        let id = r.bytes()?;
        each(id, r.num()?);
    }
    Some(r.0)
}

/// A built-in's file (a library of one entry) found to be the one the
/// seed file names: read once, then asked for its traces.
#[derive(Clone, Debug)]
pub struct Library(Vec<u8>);

impl Library {
    /// `file` as the library whose fingerprint is `fingerprint`, or
    /// `Stale` for any other file.
    pub fn read(file: Vec<u8>, fingerprint: u64) -> Result<Library, LibraryError> {
        if wire::fingerprint(&file) == fingerprint && wire::split(&file).is_some() {
            Ok(Library(file))
        } else {
            Err(LibraryError::Stale)
        }
    }

    /// The built-in `id` and its traces with `kernel`'s routines.
    pub fn get(&self, id: &str, kernel: Kernel) -> Result<(Meta, Trace), LibraryError> {
        let entry = wire::split(&self.0)
            .unwrap_or_default()
            .into_iter()
            .find(|bytes| wire::head(bytes).is_some_and(|[s, ..]| s == id))
            .ok_or(LibraryError::Unknown)?;
        read_entry(entry, kernel).ok_or(LibraryError::Stale)
    }
}

/// What `entry` says of its scenario, and its trace with `kernel`'s
/// routines.
fn read_entry(entry: &[u8], kernel: Kernel) -> Option<(Meta, Trace)> {
    let mut r = Reader(entry);
    let meta = read_meta(&mut r)?;
    let n = r.count()?;
    let mut texts = Vec::with_capacity(n);
    for _ in 0..n {
        texts.push(Rc::<str>::from(r.text()?));
    }
    let mut found = None;
    for _ in 0..r.count()? {
        let k = r.variant::<Kernel>()?;
        let bytes = r.bytes()?;
        if k == kernel {
            found = Some(bytes);
        }
    }
    if !r.0.is_empty() {
        return None;
    }
    let mut t = TraceReader {
        r: Reader(found?),
        texts,
        events: Vec::new(),
    };
    let trace = t.trace(&meta.id)?;
    t.r.0.is_empty().then_some((meta, trace))
}

/// A `Meta` as `write::meta` wrote it.
fn read_meta(r: &mut Reader) -> Option<Meta> {
    let id = r.text()?;
    let title = r.text()?;
    let summary = r.text()?;
    let n = r.count()?;
    let mut notes = Vec::with_capacity(n);
    for _ in 0..n {
        notes.push(r.opt(Reader::text)?);
    }
    let n = r.count()?;
    let mut checkpoints = Vec::with_capacity(n);
    for _ in 0..n {
        let step = r.usize()?;
        let from = r.usize()?;
        let fields = (0..r.count()?)
            .map(|_| r.variant::<Field>())
            .collect::<Option<_>>()?;
        let profiles = (0..r.count()?)
            .map(|_| r.variant::<Profile>())
            .collect::<Option<_>>()?;
        checkpoints.push(Checkpoint {
            step,
            from,
            fields,
            profiles,
        });
    }
    Some(Meta {
        id,
        title,
        summary,
        notes,
        checkpoints,
    })
}

/// The mask of a state that has every register (16 of them, from IRR to
/// APICv's).
const ALL_FIELDS: u64 = 0xffff;

/// A state to read the first state of a run into.
fn blank() -> State {
    State {
        step: 0,
        label: Text::default(),
        irr: VectorBits::default(),
        isr: VectorBits::default(),
        tmr: VectorBits::default(),
        tpr: 0,
        ppr: 0,
        spiv: 0,
        sw_enabled: false,
        if_flag: false,
        cpu: CpuRun::Running,
        lvt_timer: 0,
        lvt_lint0: 0,
        lvt_lint1: 0,
        lvt_error: 0,
        lvt_pmc: 0,
        lvt_thermal: 0,
        apicv: None,
        events: Events::default(),
        warnings: Vec::new(),
        expect: None,
    }
}

/// `prev`'s registers, with no label, events, warnings or result yet.
fn registers_of(prev: &State) -> State {
    State {
        step: prev.step,
        label: Text::default(),
        events: Events::default(),
        warnings: Vec::new(),
        expect: None,
        ..*prev
    }
}

/// Reads a trace whose words are indices into an entry's texts. Labels,
/// events' words and rules share the entry's one copy of each text.
struct TraceReader<'a> {
    r: Reader<'a>,
    texts: Vec<Rc<str>>,
    /// The events of the run being read, which its states share
    /// (`share_events`).
    events: Vec<Event>,
}

impl TraceReader<'_> {
    fn trace(&mut self, id: &str) -> Option<Trace> {
        let n = self.r.count()?;
        let mut profiles = Vec::with_capacity(n);
        for _ in 0..n {
            let profile = self.r.text()?;
            let n = self.r.count()?;
            let mut states: Vec<State> = Vec::with_capacity(n);
            for step in 0..n {
                let state = self.state(step, states.last())?;
                states.push(state);
            }
            share_events(&mut states, &mut self.events);
            profiles.push(ProfileTrace { profile, states });
        }
        Some(Trace {
            scenario: id.to_owned(),
            profiles,
        })
    }

    fn words(&mut self) -> Option<Rc<str>> {
        self.texts.get(self.r.usize()?).cloned()
    }

    fn text(&mut self) -> Option<Text> {
        self.words().map(Text::from)
    }

    fn u32(&mut self) -> Option<u32> {
        u32::try_from(self.r.num()?).ok()
    }

    /// State `step`; a register the mask leaves out is as in `prev` (the
    /// first state of a run has them all).
    fn state(&mut self, step: usize, prev: Option<&State>) -> Option<State> {
        let mask = self.r.num()?;
        let has = |i: u32| mask & (1 << i) != 0;
        let mut s = match prev {
            Some(prev) => registers_of(prev),
            None if mask == ALL_FIELDS => blank(),
            None => return None,
        };
        s.step = step;
        s.label = self.text()?;
        for (i, v) in [&mut s.irr, &mut s.isr, &mut s.tmr].into_iter().enumerate() {
            if has(i as u32) {
                *v = VectorBits::from(self.r.bytes()?);
            }
        }
        for (i, v) in [&mut s.tpr, &mut s.ppr].into_iter().enumerate() {
            if has(3 + i as u32) {
                *v = self.r.byte()?;
            }
        }
        if has(5) {
            s.spiv = self.u32()?;
        }
        for (i, v) in [&mut s.sw_enabled, &mut s.if_flag].into_iter().enumerate() {
            if has(6 + i as u32) {
                *v = self.r.bool()?;
            }
        }
        if has(8) {
            s.cpu = self.r.variant::<CpuRun>()?;
        }
        let lvts = [
            &mut s.lvt_timer,
            &mut s.lvt_lint0,
            &mut s.lvt_lint1,
            &mut s.lvt_error,
            &mut s.lvt_pmc,
            &mut s.lvt_thermal,
        ];
        for (i, v) in lvts.into_iter().enumerate() {
            if has(9 + i as u32) {
                *v = self.u32()?;
            }
        }
        if has(15) {
            s.apicv = self.r.opt(|r| {
                Some(ApicvState {
                    rvi: r.byte()?,
                    svi: r.byte()?,
                })
            })?;
        }
        let start = self.events.len();
        for _ in 0..self.r.count()? {
            let event = self.event()?;
            self.events.push(event);
        }
        s.events = Events::pending(start, self.events.len());
        for _ in 0..self.r.count()? {
            let warning = self.words()?.to_string();
            s.warnings.push(warning);
        }
        s.expect = match self.r.byte()? {
            0 => None,
            1 => Some(ExpectResult {
                ok: self.r.bool()?,
                detail: self.text()?,
            }),
            _ => return None,
        };
        Some(s)
    }

    fn event(&mut self) -> Option<Event> {
        Some(Event {
            kind: self.r.variant::<EventKind>()?,
            vector: self.r.opt(Reader::byte)?,
            text: self.text()?,
            rule: Rule::from(self.words()?),
        })
    }
}

#[cfg(feature = "engine")]
pub use write::{entry, files, seed_file};

/// Writing the files: the engine's side.
#[cfg(feature = "engine")]
mod write {
    use std::collections::HashMap;

    use super::wire::{self, Writer};
    use crate::format::{Kernel, Scenario};
    use crate::trace::{Event, State};
    use crate::view::Meta;
    use crate::{builtin, engine, Profile, Trace};

    /// `scenario`'s entry, with its traces under every profile for each
    /// of `kernels`.
    pub fn entry(scenario: &Scenario, kernels: &[Kernel]) -> Vec<u8> {
        let traces: Vec<(Kernel, Trace)> = kernels
            .iter()
            .map(|&k| (k, engine::run_all_guest(scenario, &Profile::EVERY, k)))
            .collect();
        let mut texts = Texts::default();
        let blocks: Vec<(Kernel, Vec<u8>)> = traces
            .iter()
            .map(|(k, trace)| (*k, texts.trace(trace)))
            .collect();
        let mut w = Writer(Vec::new());
        meta(&mut w, &Meta::of(scenario));
        w.num(texts.list.len() as u64);
        for t in &texts.list {
            w.text(t);
        }
        w.num(blocks.len() as u64);
        for (k, bytes) in &blocks {
            w.variant(*k);
            w.bytes(bytes);
        }
        w.0
    }

    /// `m` as `read_meta` reads it.
    fn meta(w: &mut Writer, m: &Meta) {
        w.text(&m.id);
        w.text(&m.title);
        w.text(&m.summary);
        w.num(m.notes.len() as u64);
        for note in &m.notes {
            w.opt(note.as_deref(), Writer::text);
        }
        w.num(m.checkpoints.len() as u64);
        for c in &m.checkpoints {
            w.num(c.step as u64);
            w.num(c.from as u64);
            w.num(c.fields.len() as u64);
            for f in &c.fields {
                w.variant(*f);
            }
            w.num(c.profiles.len() as u64);
            for p in &c.profiles {
                w.variant(*p);
            }
        }
    }

    /// Every built-in's file, in the built-ins' order: its id, and its
    /// entry under every kernel as a library of one entry (joined by
    /// `format::wire::join`), served as `file_name(id)`.
    pub fn files() -> Vec<(&'static str, Vec<u8>)> {
        builtin::ids()
            .filter_map(|id| Some((id, builtin::get(id)?)))
            .map(|(id, s)| (id, wire::join([entry(&s, Kernel::variants()).as_slice()])))
            .collect()
    }

    /// The seed file: the number of built-ins' files, each file's id and
    /// fingerprint (`files`), then the seed's entry with the default
    /// kernel only.
    pub fn seed_file() -> Vec<u8> {
        let files = files();
        let mut w = Writer(Vec::new());
        w.num(files.len() as u64);
        for (id, file) in &files {
            w.text(id);
            w.num(wire::fingerprint(file));
        }
        if let Some(seed) = builtin::seed() {
            w.0.extend(entry(&seed, &[Kernel::default()]));
        }
        w.0
    }

    /// An entry's distinct texts, in the order first met, and the traces
    /// written with indices into them.
    #[derive(Default)]
    struct Texts {
        list: Vec<String>,
        index: HashMap<String, usize>,
    }

    impl Texts {
        fn of(&mut self, text: &str) -> u64 {
            let next = self.list.len();
            let i = *self.index.entry(text.to_owned()).or_insert_with(|| next);
            if i == next {
                self.list.push(text.to_owned());
            }
            i as u64
        }

        fn trace(&mut self, trace: &Trace) -> Vec<u8> {
            let mut w = Writer(Vec::new());
            w.num(trace.profiles.len() as u64);
            for p in &trace.profiles {
                w.text(&p.profile);
                w.num(p.states.len() as u64);
                let mut prev = None;
                for s in &p.states {
                    self.state(&mut w, s, prev);
                    prev = Some(s);
                }
            }
            w.0
        }

        /// `s`, its registers only where they differ from `prev`'s (a
        /// mask of the fields written first): a step changes few.
        fn state(&mut self, w: &mut Writer, s: &State, prev: Option<&State>) {
            let differs = |f: &dyn Fn(&State) -> bool| prev.is_none_or(f);
            let fields = [
                differs(&|p| p.irr != s.irr),
                differs(&|p| p.isr != s.isr),
                differs(&|p| p.tmr != s.tmr),
                differs(&|p| p.tpr != s.tpr),
                differs(&|p| p.ppr != s.ppr),
                differs(&|p| p.spiv != s.spiv),
                differs(&|p| p.sw_enabled != s.sw_enabled),
                differs(&|p| p.if_flag != s.if_flag),
                differs(&|p| p.cpu != s.cpu),
                differs(&|p| p.lvt_timer != s.lvt_timer),
                differs(&|p| p.lvt_lint0 != s.lvt_lint0),
                differs(&|p| p.lvt_lint1 != s.lvt_lint1),
                differs(&|p| p.lvt_error != s.lvt_error),
                differs(&|p| p.lvt_pmc != s.lvt_pmc),
                differs(&|p| p.lvt_thermal != s.lvt_thermal),
                differs(&|p| p.apicv != s.apicv),
            ];
            let mask = fields
                .iter()
                .enumerate()
                .fold(0u64, |m, (i, &d)| m | (u64::from(d) << i));
            let has = |i: usize| fields.get(i).copied().unwrap_or(true);
            w.num(mask);
            w.num(self.of(&s.label));
            for (i, v) in [&s.irr, &s.isr, &s.tmr].into_iter().enumerate() {
                if has(i) {
                    w.bytes(&v.vectors());
                }
            }
            if has(3) {
                w.byte(s.tpr);
            }
            if has(4) {
                w.byte(s.ppr);
            }
            if has(5) {
                w.num(u64::from(s.spiv));
            }
            if has(6) {
                w.byte(u8::from(s.sw_enabled));
            }
            if has(7) {
                w.byte(u8::from(s.if_flag));
            }
            if has(8) {
                w.variant(s.cpu);
            }
            let lvts = [
                s.lvt_timer,
                s.lvt_lint0,
                s.lvt_lint1,
                s.lvt_error,
                s.lvt_pmc,
                s.lvt_thermal,
            ];
            for (i, lvt) in lvts.into_iter().enumerate() {
                if has(9 + i) {
                    w.num(u64::from(lvt));
                }
            }
            if has(15) {
                w.opt(s.apicv, |w, a| {
                    w.byte(a.rvi);
                    w.byte(a.svi);
                });
            }
            w.num(s.events.len() as u64);
            for e in &s.events {
                self.event(w, e);
            }
            w.num(s.warnings.len() as u64);
            for warning in &s.warnings {
                w.num(self.of(warning));
            }
            match &s.expect {
                None => w.byte(0),
                Some(x) => {
                    w.byte(1);
                    w.byte(u8::from(x.ok));
                    w.num(self.of(&x.detail));
                }
            }
        }

        fn event(&mut self, w: &mut Writer, e: &Event) {
            w.variant(e.kind);
            w.opt(e.vector, Writer::byte);
            w.num(self.of(&e.text));
            w.num(self.of(&e.rule));
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
    use super::*;
    use crate::format::Profile;
    use crate::{builtin, engine};

    /// Every built-in under every kernel reads back from its file as the
    /// engine computes it, event words and rules included: the viewer
    /// shows exactly what the full playground (which runs the engine)
    /// shows. A file holds its own built-in and no other.
    #[test]
    fn each_file_gives_its_builtin_as_the_engine_traces_it() {
        let files = files();
        assert_eq!(
            files.iter().map(|(id, _)| *id).collect::<Vec<_>>(),
            builtin::ids().collect::<Vec<_>>()
        );
        for (id, file) in files {
            let library = Library::read(file.clone(), wire::fingerprint(&file)).unwrap();
            let scenario = builtin::get(id).unwrap();
            for &kernel in Kernel::variants() {
                let (meta, trace) = library.get(id, kernel).unwrap();
                assert_eq!(meta, crate::view::Meta::of(&scenario), "{id}");
                let expected = engine::run_all_guest(&scenario, &Profile::EVERY, kernel);
                assert_eq!(trace, expected, "{id} under {kernel}");
                // Equal texts compare their words; the rules too.
                let events = |t: &Trace| -> Vec<(String, String)> {
                    t.profiles
                        .iter()
                        .flat_map(|p| &p.states)
                        .flat_map(|s| &s.events)
                        .map(|e| (e.text.to_string(), e.rule.to_string()))
                        .collect()
                };
                assert_eq!(events(&trace), events(&expected), "{id} under {kernel}");
            }
            let other = if id == "tpr-ppr" {
                "hotplug-cpu0"
            } else {
                "tpr-ppr"
            };
            assert_eq!(
                library.get(other, Kernel::default()).err(),
                Some(LibraryError::Unknown),
                "{id}'s file"
            );
        }
    }

    /// Each file has a name of its own, in the page's folder.
    #[test]
    fn a_file_name_is_the_builtins_id() {
        assert_eq!(file_name("tpr-ppr"), "builtins/tpr-ppr.bin");
    }

    /// The seed file names every file written with it, by fingerprint,
    /// and holds the seed's traces with the default kernel.
    #[test]
    fn the_seed_file_names_the_files_and_holds_the_seed() {
        let file = seed_file();
        let seed = read_seed(&file).unwrap();
        let named: Vec<(String, u64)> = files()
            .iter()
            .map(|(id, f)| ((*id).to_owned(), wire::fingerprint(f)))
            .collect();
        for (id, fingerprint) in &named {
            assert_eq!(seed_fingerprint(&file, id), Some(*fingerprint), "{id}");
        }
        assert_eq!(seed_fingerprint(&file, "no-such"), None);
        assert_eq!(seed_files(&file), Some(named));
        let scenario = builtin::seed().unwrap();
        assert_eq!(
            seed.trace,
            engine::run_all_guest(&scenario, &Profile::EVERY, Kernel::default())
        );
        assert_eq!(seed.meta, crate::view::Meta::of(&scenario));
    }

    /// A file other than the one named, cut short or changed in one byte,
    /// is refused as a whole; a seed file cut short or with bytes after it
    /// reads as nothing.
    #[test]
    fn another_file_or_seed_is_refused() {
        let (_, file) = files().into_iter().nth(1).unwrap();
        let hash = wire::fingerprint(&file);
        let stale = |f: &[u8]| Library::read(f.to_vec(), hash).err();
        assert_eq!(stale(&file[..file.len() - 1]), Some(LibraryError::Stale));
        let mut changed = file.clone();
        changed[10] ^= 1;
        assert_eq!(stale(&changed), Some(LibraryError::Stale));
        assert_eq!(stale(&[]), Some(LibraryError::Stale));
        assert_eq!(stale(&file), None);
        let seed = seed_file();
        assert!(read_seed(&seed).is_some());
        for cut in (0..seed.len()).step_by(97) {
            assert!(read_seed(&seed[..cut]).is_none(), "cut at {cut}");
        }
        let mut longer = seed.clone();
        longer.push(0);
        assert!(read_seed(&longer).is_none());
    }
}
