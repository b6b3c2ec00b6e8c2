//! `apic-trace`: trace a scenario from the command line.
//!
//! `apic-trace list` · `apic-trace run <id-or-file> [--profile ID|all]
//! [--format table|markdown|json]` · `apic-trace check <id-or-file>` ·
//! `apic-trace compare <id-or-file> --profile P --against Q`.
//! Exit status: 0 ok, 1 when an `expect` fails (`check`) or the two
//! profiles differ (`compare`), 2 on bad input, with the reason on stderr.

use std::process::ExitCode;

use apic_core::format::{parse, Scenario};
use apic_core::{builtin, compare, engine, report, Profile};
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
    /// List the built-in scenarios.
    List,
    /// Trace a scenario and print the trace.
    Run {
        /// A built-in scenario id, or a path to a scenario JSON file.
        scenario: String,
        /// A profile id, or `all`.
        #[arg(long, default_value = "all")]
        profile: String,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Trace a scenario under every profile and report failed expectations.
    Check {
        /// A built-in scenario id, or a path to a scenario JSON file.
        scenario: String,
    },
    /// Trace a scenario under two profiles and print each state and field
    /// in which they differ.
    Compare {
        /// A built-in scenario id, or a path to a scenario JSON file.
        scenario: String,
        /// The profile to check.
        #[arg(long)]
        profile: String,
        /// The profile it is held against.
        #[arg(long)]
        against: String,
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

fn profiles(arg: &str) -> Result<Vec<Profile>, String> {
    if arg == "all" {
        return Ok(Profile::ALL.to_vec());
    }
    let mut out = Vec::new();
    for id in arg.split(',') {
        let p = Profile::from_id(id.trim())
            .ok_or_else(|| format!("{} (or `all`)", Profile::unknown(id.trim())))?;
        if !out.contains(&p) {
            out.push(p);
        }
    }
    Ok(out)
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
        Command::List => {
            for b in builtin::list() {
                println!("{:<28} {}", b.id, b.title);
            }
            ExitCode::SUCCESS
        }
        Command::Run {
            scenario,
            profile,
            format,
        } => {
            let (s, ps) = match load(&scenario).and_then(|s| profiles(&profile).map(|p| (s, p))) {
                Ok(v) => v,
                Err(e) => {
                    eprintln!("apic-trace: {e}");
                    return ExitCode::from(2);
                }
            };
            let trace = engine::run_all(&s, &ps);
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
        } => {
            let one = |id: &str| Profile::from_id(id).ok_or_else(|| Profile::unknown(id));
            let (s, a, b) =
                match load(&scenario).and_then(|s| Ok((s, one(&profile)?, one(&against)?))) {
                    Ok(v) => v,
                    Err(e) => {
                        eprintln!("apic-trace: {e}");
                        return ExitCode::from(2);
                    }
                };
            let (ta, tb) = (engine::run(&s, a), engine::run(&s, b));
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
        Command::Check { scenario } => {
            let s = match load(&scenario) {
                Ok(s) => s,
                Err(e) => {
                    eprintln!("apic-trace: {e}");
                    return ExitCode::from(2);
                }
            };
            let trace = engine::run_all(&s, &Profile::ALL);
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
