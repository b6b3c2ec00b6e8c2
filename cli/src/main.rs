//! `apic-trace`: trace a scenario from the command line.
//!
//! `apic-trace list [--profiles]` · `apic-trace run <id-or-file> [--profile
//! ID|all|every] [--format table|markdown|json]` · `apic-trace check
//! <id-or-file> [--profile ID|all|every]` ·
//! `apic-trace compare <id-or-file> --profile P --against Q` · `apic-trace
//! host` · `apic-trace conformance [--against kvm-host|qemu-tcg] [DIR...]`.
//! A profile id is a model profile, `kvm-host`, the host's own in-kernel
//! KVM local APIC (Linux x86_64 with a usable /dev/kvm), or `qemu-tcg`,
//! QEMU's own local APIC under TCG (`qemu-system-x86_64` installed); `all`
//! is the seed's four profiles (the page's default view), `every` every
//! model profile.
//! Exit status: 0 ok, 1 when an `expect` fails (`check`) or the two
//! profiles differ (`compare`, `conformance`), 2 on bad input, 3 when this
//! host cannot run it (no /dev/kvm, no QEMU, no permission, not Linux
//! x86_64, a step the runner cannot perform), with the reason on stderr.

mod checked;
mod host;

use std::process::ExitCode;

use apic_core::format::{parse, Kernel, Scenario};
use apic_core::trace::{ProfileTrace, Trace};
use apic_core::{builtin, compare, engine, report, Profile};
use apic_kvm::hostcmp;
use clap::{Parser, Subcommand, ValueEnum};

#[derive(Parser)]
#[command(
    name = "apic-trace",
    version,
    about = "Trace local APIC scenarios under several implementations"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// List the built-in scenarios (`--profiles`: the profiles instead).
    List {
        /// List every profile with its group and source.
        #[arg(long)]
        profiles: bool,
    },
    /// Print the JSON Schema of scenario format v1 (www/scenario.schema.json).
    Schema,
    /// Write the files the page reads a built-in other than the seed, or
    /// another guest kernel's traces, from: one per built-in, with its
    /// traces computed ahead of time (`<id>.bin`), and their list
    /// (`index.json`, which the service worker caches for offline use),
    /// into DIR (www/builtins/; `make builtins` writes them and the seed
    /// file).
    Builtins {
        /// The folder to write the built-ins' files into.
        #[arg(
            long,
            value_name = "DIR",
            required_unless_present = "seed",
            conflicts_with = "seed"
        )]
        dir: Option<std::path::PathBuf>,
        /// Write the seed file the page's first module embeds
        /// (src/seed.bin) to standard output instead: the seed's traces
        /// and every built-in's file by fingerprint.
        #[arg(long)]
        seed: bool,
    },
    /// Print src/checked.rs: each built-in recorded on a real system (the
    /// host's KVM, QEMU) and how many states the model agrees with.
    Checked,
    /// Trace a scenario and print the trace.
    Run {
        /// A built-in scenario id, or a path to a scenario JSON file.
        scenario: String,
        /// Profile ids separated by commas (`all`: the seed's four;
        /// `every`: every model profile; `kvm-host`: this host's KVM;
        /// `qemu-tcg`: QEMU under TCG).
        #[arg(long, default_value = "all")]
        profile: String,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
        /// The guest kernel whose Linux routines run: wip-2019 (the seed's
        /// tree), v5.2 or v5.4.
        #[arg(long, default_value = "wip-2019")]
        guest: String,
    },
    /// Trace a scenario under model profiles and report failed
    /// expectations.
    Check {
        /// A built-in scenario id, or a path to a scenario JSON file.
        scenario: String,
        /// Model profile ids separated by commas (`all`: the seed's four;
        /// `every`: every model profile).
        #[arg(long, default_value = "all")]
        profile: String,
        /// The guest kernel whose Linux routines run: wip-2019 (the seed's
        /// tree), v5.2 or v5.4.
        #[arg(long, default_value = "wip-2019")]
        guest: String,
    },
    /// Trace a scenario under two profiles and print each state and field
    /// in which they differ.
    Compare {
        /// A built-in scenario id, or a path to a scenario JSON file.
        scenario: String,
        /// The profile to check.
        #[arg(long)]
        profile: String,
        /// The profile it is held against (`kvm-host`: this host's KVM;
        /// `qemu-tcg`: QEMU under TCG).
        #[arg(long)]
        against: String,
        /// The guest kernel whose Linux routines run: wip-2019 (the seed's
        /// tree), v5.2 or v5.4.
        #[arg(long, default_value = "wip-2019")]
        guest: String,
    },
    /// What this host's KVM is, which model profile it stands for, and what
    /// it cannot show (exit 3 when it cannot run guests).
    Host,
    /// Every built-in scenario and every scenario file in DIR (`*.json`) on
    /// this host's KVM (or QEMU), held to the model profile it stands for.
    Conformance {
        /// Where they run: `kvm-host` (this host's KVM) or `qemu-tcg`
        /// (QEMU under TCG, held to the `qemu` profile).
        #[arg(long, default_value = "kvm-host")]
        against: String,
        /// Directories of scenario files.
        dirs: Vec<String>,
        /// Write each host trace, with the host's facts, into this directory
        /// (`<id>.json`).
        #[arg(long)]
        record: Option<String>,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Table,
    Markdown,
    Json,
}

/// A built-in id first, then a file path.
fn load(arg: &str) -> Result<Scenario, String> {
    if let Some(s) = builtin::get(arg) {
        return Ok(s);
    }
    let text = std::fs::read_to_string(arg).map_err(|e| {
        let ids: Vec<&str> = builtin::list().iter().map(|b| b.id).collect();
        format!(
            "{arg}: not a built-in scenario ({}) and not a readable file: {e}",
            ids.join(", ")
        )
    })?;
    parse(&text).map_err(|e| format!("{arg}: {e}"))
}

/// A profile of a run: one of the model's, or a real system's.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Which {
    Model(Profile),
    Host(host::Kind),
}

fn which(id: &str) -> Result<Which, String> {
    if let Some(k) = host::Kind::from_id(id) {
        return Ok(Which::Host(k));
    }
    Profile::from_id(id).map(Which::Model).ok_or_else(|| {
        format!(
            "{} (or `{}`, `{}`)",
            Profile::unknown(id),
            host::ID,
            host::QEMU_ID
        )
    })
}

fn profiles(arg: &str) -> Result<Vec<Which>, String> {
    let mut out = Vec::new();
    for id in arg.split(',').map(str::trim) {
        let ps = match id {
            "all" => Profile::ALL.iter().map(|p| Which::Model(*p)).collect(),
            "every" => Profile::EVERY.iter().map(|p| Which::Model(*p)).collect(),
            _ => vec![which(id).map_err(|e| format!("{e} (or `all`, `every`)"))?],
        };
        for p in ps {
            if !out.contains(&p) {
                out.push(p);
            }
        }
    }
    Ok(out)
}

/// The guest kernel of `--guest`.
fn kernel(id: &str) -> Result<Kernel, String> {
    Kernel::from_name(id).ok_or_else(|| Kernel::unknown(id))
}

/// The real runners perform the seed's tree's routines only.
fn host_guest(h: host::Kind, k: Kernel) -> Result<(), String> {
    if k == Kernel::default() {
        Ok(())
    } else {
        Err(format!(
            "`{}` runs the Linux routines of `{}` only, not `{k}`",
            h.id(),
            Kernel::default()
        ))
    }
}

/// Model profiles only (`check`): the host's KVM has its own command.
fn model_profiles(arg: &str) -> Result<Vec<Profile>, String> {
    profiles(arg)?
        .into_iter()
        .map(|w| match w {
            Which::Model(p) => Ok(p),
            Which::Host(h) => Err(format!(
                "`{}` is not a model profile: use `apic-trace conformance` or `compare --against {}`",
                h.id(),
                h.id()
            )),
        })
        .collect()
}

/// `list --profiles`: every profile under its group, with its title and
/// source; `*` marks the seed's four (`--profile all`, the page's default).
fn profile_list() -> String {
    let mut out = String::new();
    for g in apic_core::ProfileGroup::ALL {
        out.push_str(&format!("{}:\n", g.title()));
        for p in g.profiles() {
            let default = if Profile::ALL.contains(&p) { "*" } else { " " };
            out.push_str(&format!("  {default} {:<20} {}\n", p.id(), p.title()));
            out.push_str(&format!("      {:<20} source: {}\n", "", p.source()));
        }
    }
    out.push_str("* the four profiles of Thomas Gleixner's report: `--profile all` and the page's default view; `--profile every` runs all of them\n");
    out
}

/// Exit status 3: this host cannot run it.
fn cannot(k: host::Kind, e: host::Cannot) -> ExitCode {
    eprintln!("apic-trace: cannot run on {}: {}", k.what(), e.0);
    ExitCode::from(3)
}

/// Probes the real system and says on stderr what it is.
fn probe_host(k: host::Kind) -> Result<host::Host, host::Cannot> {
    let h = host::probe(k)?;
    let first = h.facts.lines().next().unwrap_or_default();
    eprintln!(
        "apic-trace: {} is {} ({}); it stands for {}{}",
        k.id(),
        first
            .trim_start_matches("kernel:")
            .trim_start_matches("qemu:")
            .trim(),
        h.module_line(),
        h.stands_for,
        if h.unobservable.is_empty() {
            String::new()
        } else {
            format!(
                "; it cannot show {}",
                h.unobservable
                    .iter()
                    .map(|f| f.name())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }
    );
    Ok(h)
}

/// Holds the model's run of `s` under `model` to the host's; prints each
/// difference; true when they agree.
fn hold_to_host(s: &Scenario, model: Profile, h: &host::Host, t: &ProfileTrace) -> bool {
    let m = engine::run(s, model);
    let c = hostcmp::compare_with(h.kind.quirks(), s, &m, t, &h.unobservable);
    let id = h.kind.id();
    let label = |k: usize| m.states.get(k).map_or("", |st| st.label.as_str());
    for d in &c.differences {
        println!(
            "state {} ({}): {}: {model} {} / {} {}",
            d.step,
            label(d.step),
            d.field,
            d.left,
            id,
            d.right
        );
    }
    let mut quirks_seen: Vec<&hostcmp::Quirk> = Vec::new();
    for e in &c.explained {
        let d = &e.difference;
        println!(
            "state {} ({}): {}: {model} {} / {} {} (quirk {})",
            d.step,
            label(d.step),
            d.field,
            d.left,
            id,
            d.right,
            e.quirk.id,
        );
        if !quirks_seen.iter().any(|q| q.id == e.quirk.id) {
            quirks_seen.push(e.quirk);
        }
    }
    for q in quirks_seen {
        let what = match q.kind {
            hostcmp::QuirkKind::Host => "host quirk",
            hostcmp::QuirkKind::ModelPending => "known model error (reported, not yet fixed)",
        };
        println!("{what} {}: {} [{}]", q.id, q.reason, q.source);
    }
    if !c.left_out.is_empty() {
        println!(
            "not compared, this host cannot show them: {}",
            c.left_out
                .iter()
                .map(|f| f.name())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    if let Some((a, b)) = c.lengths {
        println!("{}: {model} has {a} states, {} {b}", s.id, id);
    }
    let quirks = if c.explained.is_empty() {
        String::new()
    } else {
        format!(" ({} differences are documented quirks)", c.explained.len())
    };
    if c.agree() {
        println!(
            "{}: {model} and {} agree in all {} states{quirks}",
            s.id, id, c.states
        );
    } else {
        println!(
            "{}: {model} and {} differ in {} of {} states{quirks}",
            s.id,
            id,
            c.differing_states().len(),
            c.states
        );
    }
    c.agree()
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match cli.command {
        Command::Checked => {
            let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../kvm");
            let (kvm, qemu) = (root.join("recorded"), root.join("recorded-qemu"));
            match checked::source(&[
                (&kvm, apic_kvm::hostcmp::QUIRKS, "kvm-host"),
                (&qemu, apic_kvm::hostcmp::QEMU_QUIRKS, "qemu-tcg"),
            ]) {
                Ok(text) => {
                    print!("{text}");
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("apic-trace: {e}");
                    ExitCode::from(2)
                }
            }
        }
        Command::Builtins { dir, seed } => {
            use std::io::Write as _;
            let written = match dir {
                Some(dir) if !seed => write_builtins(&dir),
                _ => std::io::stdout().write_all(&apic_core::library::seed_file()),
            };
            match written {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("apic-trace builtins: {e}");
                    ExitCode::from(1)
                }
            }
        }
        Command::Schema => {
            print!("{}", apic_core::format::schema_text());
            ExitCode::SUCCESS
        }
        Command::List { profiles: false } => {
            for b in builtin::list() {
                println!("{:<28} {}", b.id, b.title);
            }
            ExitCode::SUCCESS
        }
        Command::List { profiles: true } => {
            print!("{}", profile_list());
            ExitCode::SUCCESS
        }
        Command::Run {
            scenario,
            profile,
            format,
            guest,
        } => {
            let loaded = load(&scenario)
                .and_then(|s| profiles(&profile).map(|p| (s, p)))
                .and_then(|(s, p)| kernel(&guest).map(|k| (s, p, k)))
                .and_then(|(s, p, k)| {
                    for w in &p {
                        if let Which::Host(h) = w {
                            host_guest(*h, k)?;
                        }
                    }
                    Ok((s, p, k))
                });
            let (s, ps, k) = match loaded {
                Ok(v) => v,
                Err(e) => {
                    eprintln!("apic-trace: {e}");
                    return ExitCode::from(2);
                }
            };
            let mut trace = Trace {
                scenario: s.id.clone(),
                profiles: Vec::new(),
            };
            for p in ps {
                match p {
                    Which::Model(p) => trace.profiles.push(engine::run_guest(&s, p, k)),
                    Which::Host(h) => {
                        let t = host::check(h, &s)
                            .and_then(|()| probe_host(h))
                            .and_then(|host| host::run(&host, &s));
                        match t {
                            Ok(t) => trace.profiles.push(t),
                            Err(e) => return cannot(h, e),
                        }
                    }
                }
            }
            match format {
                Format::Table => print!("{}", report::table(&trace)),
                Format::Markdown => print!("{}", report::markdown(&trace)),
                Format::Json => match serde_json::to_string_pretty(&trace) {
                    Ok(j) => println!("{j}"),
                    Err(e) => {
                        eprintln!("apic-trace: cannot write JSON: {e}");
                        return ExitCode::from(2);
                    }
                },
            }
            ExitCode::SUCCESS
        }
        Command::Compare {
            scenario,
            profile,
            against,
            guest,
        } => {
            let (s, a, b, k) = match load(&scenario)
                .and_then(|s| Ok((s, which(&profile)?, which(&against)?, kernel(&guest)?)))
            {
                Ok(v) => v,
                Err(e) => {
                    eprintln!("apic-trace: {e}");
                    return ExitCode::from(2);
                }
            };
            let (a, b) = match (a, b) {
                (Which::Model(a), Which::Model(b)) => (a, b),
                (Which::Host(_), Which::Host(_)) => {
                    eprintln!(
                        "apic-trace: compare {} or {} with a model profile, not with each other",
                        host::ID,
                        host::QEMU_ID
                    );
                    return ExitCode::from(2);
                }
                (Which::Model(p), Which::Host(hk)) | (Which::Host(hk), Which::Model(p)) => {
                    if let Err(e) = host_guest(hk, k) {
                        eprintln!("apic-trace: {e}");
                        return ExitCode::from(2);
                    }
                    let run = host::check(hk, &s)
                        .and_then(|()| probe_host(hk))
                        .and_then(|h| host::run(&h, &s).map(|t| (h, t)));
                    return match run {
                        Ok((h, t)) if hold_to_host(&s, p, &h, &t) => ExitCode::SUCCESS,
                        Ok(_) => ExitCode::from(1),
                        Err(e) => cannot(hk, e),
                    };
                }
            };
            let (ta, tb) = (engine::run_guest(&s, a, k), engine::run_guest(&s, b, k));
            let diffs = compare::differences(&ta, &tb);
            let states = ta.states.len().min(tb.states.len());
            if diffs.is_empty() {
                println!("{}: {a} and {b} agree in all {states} states", s.id);
                return ExitCode::SUCCESS;
            }
            for d in &diffs {
                let label = ta.states.get(d.step).map_or("", |st| st.label.as_str());
                println!(
                    "state {} ({label}): {}: {a} {} / {b} {}",
                    d.step, d.field, d.left, d.right
                );
            }
            let differing: std::collections::BTreeSet<usize> =
                diffs.iter().map(|d| d.step).collect();
            println!(
                "{}: {a} and {b} differ in {} of {states} states",
                s.id,
                differing.len()
            );
            ExitCode::from(1)
        }
        Command::Host => match host::probe(host::Kind::Kvm) {
            Ok(h) => {
                print!("{}", h.facts);
                println!(
                    "profile:     kvm-host traces are held to {} ({})",
                    h.stands_for,
                    h.stands_for.title()
                );
                ExitCode::SUCCESS
            }
            Err(e) => cannot(host::Kind::Kvm, e),
        },
        Command::Conformance {
            against,
            dirs,
            record,
        } => match host::Kind::from_id(&against) {
            Some(k) => conformance(k, &dirs, record.as_deref()),
            None => {
                eprintln!(
                    "apic-trace: conformance runs against `{}` or `{}`, not `{against}`",
                    host::ID,
                    host::QEMU_ID
                );
                ExitCode::from(2)
            }
        },
        Command::Check {
            scenario,
            profile,
            guest,
        } => {
            let loaded = load(&scenario)
                .and_then(|s| model_profiles(&profile).map(|p| (s, p)))
                .and_then(|(s, p)| kernel(&guest).map(|k| (s, p, k)));
            let (s, ps, k) = match loaded {
                Ok(v) => v,
                Err(e) => {
                    eprintln!("apic-trace: {e}");
                    return ExitCode::from(2);
                }
            };
            let trace = engine::run_all_guest(&s, &ps, k);
            let failures = apic_core::check(&trace);
            let checks: usize = trace
                .profiles
                .iter()
                .map(|p| p.states.iter().filter(|st| st.expect.is_some()).count())
                .sum();
            if failures.is_empty() {
                println!(
                    "{}: {checks} checks passed under {} profiles",
                    s.id,
                    trace.profiles.len()
                );
                ExitCode::SUCCESS
            } else {
                for f in &failures {
                    eprintln!("FAIL {f}");
                }
                eprintln!("{}: {} of {checks} checks failed", s.id, failures.len());
                ExitCode::from(1)
            }
        }
    }
}

/// Every built-in scenario and every `*.json` in `dirs`, on the host's KVM
/// or QEMU, held to the profile it stands for.
fn conformance(kind: host::Kind, dirs: &[String], record: Option<&str>) -> ExitCode {
    let mut scenarios: Vec<(String, Scenario)> = builtin::list()
        .iter()
        .filter_map(|b| builtin::get(b.id).map(|s| (b.id.to_string(), s)))
        .collect();
    for dir in dirs {
        let mut files: Vec<std::path::PathBuf> = match std::fs::read_dir(dir) {
            Ok(rd) => rd
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "json"))
                .collect(),
            Err(e) => {
                eprintln!("apic-trace: {dir}: {e}");
                return ExitCode::from(2);
            }
        };
        files.sort();
        for f in files {
            let name = f.display().to_string();
            match load(&name) {
                Ok(s) => scenarios.push((name, s)),
                Err(e) => {
                    eprintln!("apic-trace: {e}");
                    return ExitCode::from(2);
                }
            }
        }
    }
    let h = match probe_host(kind) {
        Ok(h) => h,
        Err(e) => {
            println!("skipped: {}", e.0);
            return ExitCode::from(3);
        }
    };
    let (mut agree, mut differ, mut refused) = (0, 0, 0);
    for (name, s) in &scenarios {
        let builtin = !name.ends_with(".json");
        if let Err(e) = host::check(kind, s) {
            // A built-in scenario may need what the runner cannot do (INIT
            // to the BSP); a conformance file must not, on KVM. QEMU's
            // runner cannot do more (kvm/src/qemu/mod.rs), so there every
            // refusal is listed and counted, not failed.
            println!("not run: {name}: {}", e.0);
            if builtin || kind == host::Kind::Qemu {
                refused += 1;
            } else {
                differ += 1;
            }
            continue;
        }
        let t = match host::run(&h, s) {
            Ok(t) => t,
            // A step refused when the run got there (QEMU: an outside event
            // for a halted vCPU) is "not run", like one refused before.
            Err(e) if kind == host::Kind::Qemu && e.0.contains("cannot run on QEMU") => {
                println!("not run: {name}: {}", e.0);
                refused += 1;
                continue;
            }
            Err(e) => {
                println!("FAILED: {name}: {}", e.0);
                differ += 1;
                continue;
            }
        };
        if let Some(dir) = record {
            if let Err(e) = write_record(dir, s, &h, &t) {
                eprintln!("apic-trace: {e}");
                return ExitCode::from(2);
            }
        }
        if hold_to_host(s, h.stands_for, &h, &t) {
            agree += 1;
        } else {
            differ += 1;
        }
    }
    println!(
        "conformance: {agree} scenarios on {} agree with {}, {differ} differ or failed, {refused} {} not runnable there",
        kind.id(),
        h.stands_for,
        if kind == host::Kind::Qemu { "scenarios" } else { "built-ins" }
    );
    if differ == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// A host trace as golden data: the scenario, the host's facts, the trace.
fn write_record(dir: &str, s: &Scenario, h: &host::Host, t: &ProfileTrace) -> Result<(), String> {
    let scenario: serde_json::Value = serde_json::from_str(&apic_core::format::to_json(s))
        .map_err(|e| format!("scenario {}: {e}", s.id))?;
    let doc = serde_json::json!({
        "host": h.facts.lines().collect::<Vec<_>>(),
        "stands_for": h.stands_for.id(),
        "unobservable": h.unobservable.iter().map(|f| f.name()).collect::<Vec<_>>(),
        "scenario": scenario,
        "trace": t,
    });
    let text = serde_json::to_string_pretty(&doc).map_err(|e| e.to_string())?;
    let path = std::path::Path::new(dir).join(format!("{}.json", s.id));
    std::fs::create_dir_all(dir).map_err(|e| format!("{dir}: {e}"))?;
    std::fs::write(&path, text + "\n").map_err(|e| format!("{}: {e}", path.display()))
}

/// Writes every built-in's file into `dir` (`apic_core::library::files`,
/// each named by `base_name`) and their list, `index.json`: the names in
/// the built-ins' order, as a JSON array, for the page's service worker.
fn write_builtins(dir: &std::path::Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let files = apic_core::library::files();
    let mut names = Vec::with_capacity(files.len());
    for (id, bytes) in &files {
        let name = apic_core::library::base_name(id);
        std::fs::write(dir.join(&name), bytes)?;
        names.push(name);
    }
    let index = serde_json::to_string(&names).map_err(std::io::Error::other)?;
    std::fs::write(dir.join("index.json"), index + "\n")
}
