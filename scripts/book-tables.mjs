#!/usr/bin/env node
// Regenerates, or checks, every generated block in the book's markdown
// (docs/src/**/*.md), so the book can never disagree with the model: tables
// come from `apic-trace`, and each embedded playground's step index is looked
// up from the step label the text talks about. Also checks that every
// exercise's solution (docs/src/exercises/*.solution.json) is its exercise
// with the checkpoints filled in, and that `apic-trace check` passes on it.
//
// Usage: node scripts/book-tables.mjs --write | --check
//   --write  rewrites stale blocks in place
//   --check  changes nothing; exits 1 listing every stale block (and every
//            exercise problem), 2 on a malformed block or an unknown label
//
// A block is delimited by two HTML comments (invisible in the book):
//
//   <!-- generated: apic-trace run hotplug-cpu0 --profile hardware --format markdown -->
//   ...output of that command...
//   <!-- end generated -->
//
//   <!-- generated: bits hotplug-cpu0 vector=0xec at="label one | label two" -->
//   a table: one row per named step, one column per profile, the IRR and
//   ISR bit of that vector there (from `apic-trace run ... --format json`)
//   <!-- end generated -->
//
//   bits and state take p= (any of the eight profiles, default the seed's
//   four) and guest= (one or more of wip-2019, v5.2, v5.4, default
//   wip-2019: the guest kernel whose routines run, `apic-trace run
//   --guest`); with several guests, bits has one column per guest and
//   profile, state one row per step, guest and profile. An apic-trace block
//   may say --guest too.
//
//   <!-- generated: state exercise-tpr p=hardware fields=irr,isr,ppr at="label | label" -->
//   a table: one row per named step (and profile), one column per field of
//   the trace's state (irr isr tmr tpr ppr spiv if cpu lvt_timer warnings)
//   <!-- end generated -->
//
//   <!-- generated: playground hotplug-cpu0 p=hardware,kvm-emulated at="label" title="what it shows" [guest=v5.2] [height=600] -->
//   an <iframe> on playground/index.html#s=..&p=..&t=<k>&embed=1, where k is
//   the step with that label; data-expect-label keeps the label for the
//   book's browser test
//   <!-- end generated -->
//
// A label may end in "@n" to pick its n-th occurrence (1-based) when a
// scenario repeats it; an ambiguous label without "@n" is an error.
// APIC_TRACE=/path/to/apic-trace skips the cargo build.
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, statSync, writeFileSync, existsSync } from "node:fs";
import { basename, dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const srcDir = join(root, "docs", "src");
const scenarioDir = join(root, "core", "scenarios");
const exerciseDir = join(srcDir, "exercises");
// The seed's four (`--profile all`, and the only ones the page's panes and
// its p= key know, so the only ones an embed may name), then the others.
const SEED = ["hardware", "kvm-apicv", "kvm-emulated", "kvm-emulated-fixed"];
const PROFILES = [...SEED, "qemu", "xen", "bhyve", "virtualbox"];
const GUESTS = ["wip-2019", "v5.2", "v5.4"];
const DEFAULT_GUEST = "wip-2019";

const mode = process.argv[2];
if (mode !== "--write" && mode !== "--check") {
  console.error("usage: node scripts/book-tables.mjs --write | --check");
  process.exit(2);
}

class BlockError extends Error {}

function walk(dir) {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const p = join(dir, name);
      return statSync(p).isDirectory() ? walk(p) : [p];
    });
}

// --- apic-trace -------------------------------------------------------------

function apicTraceBinary() {
  if (process.env.APIC_TRACE) return process.env.APIC_TRACE;
  const build = spawnSync("cargo", ["build", "-q", "-p", "apic-trace", "--bin", "apic-trace"], {
    cwd: root,
    stdio: ["ignore", "inherit", "inherit"],
  });
  if (build.status !== 0) {
    console.error("book-tables: could not build apic-trace (cargo build -p apic-trace --bin apic-trace)");
    process.exit(2);
  }
  const target = process.env.CARGO_TARGET_DIR ? resolve(root, process.env.CARGO_TARGET_DIR) : join(root, "target");
  return join(target, "debug", "apic-trace");
}

let binary;
const cache = new Map();
/** Runs apic-trace with `args`; returns stdout, or throws BlockError with its stderr. */
function apicTrace(args) {
  const key = JSON.stringify(args);
  if (cache.has(key)) return cache.get(key);
  binary ??= apicTraceBinary();
  const run = spawnSync(binary, args, { cwd: root, encoding: "utf8", maxBuffer: 64 << 20 });
  if (run.error) throw new BlockError(`cannot run ${binary}: ${run.error.message}`);
  if (run.status !== 0 && !(args[0] === "check" && run.status === 1)) {
    throw new BlockError(`apic-trace ${args.join(" ")} exited ${run.status}: ${run.stderr.trim()}`);
  }
  const out = { stdout: run.stdout, status: run.status, stderr: run.stderr };
  cache.set(key, out);
  return out;
}

/** The arguments of the JSON trace that has `profiles` under `guest`: the seed's four are `--profile all`. */
function traceArgs(scenario, profiles = SEED, guest = DEFAULT_GUEST) {
  const which = profiles.every((p) => SEED.includes(p)) ? "all" : "every";
  const args = ["run", scenario, "--profile", which];
  if (guest !== DEFAULT_GUEST) args.push("--guest", guest);
  return [...args, "--format", "json"];
}

function trace(scenario, profiles, guest) {
  const args = traceArgs(scenario, profiles, guest);
  const { stdout } = apicTrace(args);
  try {
    return JSON.parse(stdout);
  } catch (e) {
    throw new BlockError(`apic-trace ${args.join(" ")} printed no valid JSON: ${e.message}`);
  }
}

/** The state of step k of `profile` in a trace. */
function stateOf(t, scenario, profile, k, guest) {
  const s = t.profiles.find((x) => x.profile === profile)?.states[k];
  if (!s) throw new BlockError(`the trace of ${scenario} (guest ${guest}) has no state ${k} for ${profile}`);
  return s;
}

/** The step index of `label` ("label@n" for its n-th occurrence) in the scenario's trace. */
function stepOf(scenario, wanted, guest = DEFAULT_GUEST) {
  const m = /^(.*?)(?:@(\d+))?$/.exec(wanted.trim());
  const label = m[1].trim();
  const nth = m[2] ? Number(m[2]) : null;
  const states = trace(scenario, SEED, guest).profiles[0]?.states ?? [];
  const hits = states.filter((s) => s.label === label).map((s) => s.step);
  if (hits.length === 0) {
    const known = states.map((s) => `  ${s.step}: ${s.label}`);
    throw new BlockError(`scenario ${scenario} has no step labelled "${label}"; its steps are:\n${known.join("\n")}`);
  }
  if (nth === null && hits.length > 1) {
    throw new BlockError(`"${label}" labels steps ${hits.join(", ")} of ${scenario}: add @1..@${hits.length}`);
  }
  const step = hits[(nth ?? 1) - 1];
  if (step === undefined) throw new BlockError(`"${label}" occurs ${hits.length} times in ${scenario}, not ${nth}`);
  return step;
}

// --- block arguments -----------------------------------------------------------

/** Splits `word key=value key="quoted value"` into { words: [], opts: {} }. */
function parseArgs(text) {
  const words = [];
  const opts = {};
  const re = /\s*(?:([a-z-]+)=(?:"([^"]*)"|(\S+))|(\S+))/gy;
  let m;
  while ((m = re.exec(text)) && m[0].trim() !== "") {
    if (m[1]) opts[m[1]] = m[2] ?? m[3];
    else words.push(m[4]);
  }
  return { words, opts };
}

function need(opts, key, what) {
  if (opts[key] === undefined || opts[key] === "") throw new BlockError(`${what} needs ${key}="..."`);
  return opts[key];
}

function checkProfiles(list, known = PROFILES) {
  for (const p of list) {
    if (known.includes(p)) continue;
    if (PROFILES.includes(p)) throw new BlockError(`the page cannot show profile "${p}" yet (an embed may name: ${known.join(", ")}); use a bits or state table`);
    throw new BlockError(`unknown profile "${p}" (known: ${known.join(", ")})`);
  }
  return list;
}

function checkGuests(list) {
  for (const g of list) {
    if (!GUESTS.includes(g)) throw new BlockError(`unknown guest "${g}" (known: ${GUESTS.join(", ")})`);
  }
  if (new Set(list).size !== list.length) throw new BlockError(`guest= names a kernel twice: ${list.join(",")}`);
  return list;
}

/** The guests a block names (guest=a,b), in its order; the default is the seed's tree. */
const guestsOf = (opts) => checkGuests(opts.guest ? opts.guest.split(",") : [DEFAULT_GUEST]);

/** "(generated from `...`)": the command, or with several guests the command for each. */
function generatedFrom(scenario, profiles, guests) {
  if (guests.length === 1) return `\`apic-trace ${traceArgs(scenario, profiles, guests[0]).join(" ")}\``;
  const args = traceArgs(scenario, profiles, "GUEST").join(" ");
  return `\`apic-trace ${args}\` with GUEST ${guests.join(", ")}`;
}

const escapeHtml = (s) =>
  s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

// --- generators -----------------------------------------------------------------

function genApicTrace(words) {
  // Only `run <scenario> [--profile P] --format markdown` belongs in a book.
  const [sub, scenario, ...rest] = words;
  if (sub !== "run" || !scenario) throw new BlockError("expected: apic-trace run <scenario> [--profile P] --format markdown");
  const fmt = rest.indexOf("--format");
  if (fmt < 0 || rest[fmt + 1] !== "markdown") throw new BlockError("an apic-trace block must say --format markdown");
  const prof = rest.indexOf("--profile");
  if (prof >= 0 && rest[prof + 1] !== "all" && rest[prof + 1] !== "every") checkProfiles(rest[prof + 1]?.split(",") ?? [""]);
  const guest = rest.indexOf("--guest");
  if (guest >= 0) checkGuests([rest[guest + 1] ?? ""]);
  return apicTrace(words).stdout.trimEnd();
}

function genBits(words, opts) {
  const [scenario] = words;
  if (!scenario) throw new BlockError("expected: bits <scenario> vector=0x.. at=\"label | label\"");
  const vector = Number(need(opts, "vector", "bits"));
  if (!Number.isInteger(vector) || vector < 0 || vector > 255) throw new BlockError(`bad vector ${opts.vector}`);
  const profiles = checkProfiles(opts.p ? opts.p.split(",") : SEED);
  const guests = guestsOf(opts);
  const labels = need(opts, "at", "bits").split("|").map((s) => s.trim());
  const hex = `0x${vector.toString(16).padStart(2, "0")}`;
  // One column per guest and profile (guest-major); a guest is named in the
  // header only when the block has several.
  const columns = guests.flatMap((g) => profiles.map((p) => ({ g, p, t: trace(scenario, profiles, g) })));
  const name = ({ g, p }) => (guests.length > 1 ? `\`${p}\`, guest \`${g}\`` : `\`${p}\``);
  const head = `| step | ${columns.map(name).join(" | ")} |`;
  const rule = `|---|${columns.map(() => "---").join("|")}|`;
  const rows = labels.map((label) => {
    const k = stepOf(scenario, label, guests[0]);
    for (const g of guests.slice(1)) {
      if (stepOf(scenario, label, g) !== k) throw new BlockError(`"${label}" is not the same step under guests ${guests.join(", ")}`);
    }
    const cells = columns.map(({ g, p, t }) => {
      const s = stateOf(t, scenario, p, k, g);
      const bit = (list) => (list.includes(vector) ? 1 : 0);
      const warn = s.warnings.length > 0 ? ", warns" : "";
      return `IRR ${bit(s.irr)}, ISR ${bit(s.isr)}${warn}`;
    });
    return `| ${k}: \`${label.replace(/@\d+$/, "").trim()}\` | ${cells.join(" | ")} |`;
  });
  return [`Vector ${hex} in \`${scenario}\` (generated from ${generatedFrom(scenario, profiles, guests)}):`, "", head, rule, ...rows].join("\n");
}

const FIELDS = {
  irr: ["IRR", (s) => vectorList(s.irr)],
  isr: ["ISR", (s) => vectorList(s.isr)],
  tmr: ["TMR", (s) => vectorList(s.tmr)],
  tpr: ["TPR", (s) => hex(s.tpr, 2)],
  ppr: ["PPR", (s) => hex(s.ppr, 2)],
  spiv: ["SPIV", (s) => hex(s.spiv, 1)],
  if: ["IF", (s) => (s.if ? "1" : "0")],
  cpu: ["CPU", (s) => s.cpu],
  lvt_timer: ["LVT timer", (s) => hex(s.lvt_timer, 1)],
  warnings: ["warnings", (s) => s.warnings.join(" / ").replace(/\|/g, "\\|") || "–"],
};
const hex = (n, width) => `\`0x${n.toString(16).padStart(width, "0")}\``;
const vectorList = (list) => (list.length ? list.map((v) => hex(v, 2)).join(" ") : "–");

function genState(words, opts) {
  const [scenario] = words;
  if (!scenario) throw new BlockError('expected: state <scenario> fields=irr,isr at="label | label"');
  const profiles = checkProfiles(opts.p ? opts.p.split(",") : SEED);
  const guests = guestsOf(opts);
  const fields = need(opts, "fields", "state").split(",");
  for (const f of fields) if (!FIELDS[f]) throw new BlockError(`unknown field "${f}" (known: ${Object.keys(FIELDS).join(", ")})`);
  const labels = need(opts, "at", "state").split("|").map((s) => s.trim());
  const many = profiles.length > 1;
  const manyGuests = guests.length > 1;
  const head = `| step |${manyGuests ? " guest |" : ""}${many ? " profile |" : ""} ${fields.map((f) => FIELDS[f][0]).join(" | ")} |`;
  const rule = `|---|${manyGuests ? "---|" : ""}${many ? "---|" : ""}${fields.map(() => "---").join("|")}|`;
  const rows = labels.flatMap((label) => {
    const k = stepOf(scenario, label, guests[0]);
    return guests.flatMap((g, j) => {
      if (stepOf(scenario, label, g) !== k) throw new BlockError(`"${label}" is not the same step under guests ${guests.join(", ")}`);
      const t = trace(scenario, profiles, g);
      return profiles.map((p, i) => {
        const s = stateOf(t, scenario, p, k, g);
        const step = i === 0 && j === 0 ? `${k}: ${label.replace(/@\d+$/, "").trim()}` : "";
        const guest = manyGuests ? (i === 0 ? ` \`${g}\` |` : " |") : "";
        return `| ${step} |${guest}${many ? ` \`${p}\` |` : ""} ${fields.map((f) => FIELDS[f][1](s)).join(" | ")} |`;
      });
    });
  });
  const where = [many ? "" : ` under \`${profiles[0]}\``, manyGuests || guests[0] === DEFAULT_GUEST ? "" : ` with guest \`${guests[0]}\``].join("");
  const from = profiles.every((p) => SEED.includes(p)) && guests.length === 1 && guests[0] === DEFAULT_GUEST
    ? `\`apic-trace run ${scenario} --format json\``
    : generatedFrom(scenario, profiles, guests);
  return [`The state${where} (generated from ${from}):`, "", head, rule, ...rows].join("\n");
}

function genPlayground(words, opts, prefix) {
  const [scenario] = words;
  if (!scenario) throw new BlockError("expected: playground <scenario> p=... at=\"label\" title=\"...\"");
  // The playground shows panes in one fixed order, so the link uses it too.
  const profiles = PROFILES.filter((p) => checkProfiles(need(opts, "p", "playground").split(",")).includes(p));
  const guests = guestsOf(opts);
  if (guests.length !== 1) throw new BlockError("an embed shows one guest kernel: guest=<one of " + GUESTS.join(", ") + ">");
  const [guest] = guests;
  const label = need(opts, "at", "playground");
  const title = need(opts, "title", "playground");
  // Heights that show every pane's IRR/ISR grids, kernel log and registers
  // (CPU, SPIV, TPR/PPR, RVI/SVI) without scrolling inside the frame, in
  // mdBook's 750 px column: one pane spans the column, two sit side by
  // side, three or four wrap into two rows (the second shows grids and log).
  const height = Number(opts.height ?? { 1: 780, 2: 620 }[profiles.length] ?? 1450);
  if (!Number.isInteger(height) || height < 200 || height > 1600) throw new BlockError(`height ${opts.height} is not 200..1600`);
  const k = stepOf(scenario, label, guest);
  const hash = `s=${scenario}&p=${profiles.join(",")}&t=${k}${guest === DEFAULT_GUEST ? "" : `&guest=${guest}`}`;
  const bare = label.replace(/@\d+$/, "").trim();
  return [
    `<figure class="apic-embed">`,
    `<iframe src="${escapeHtml(`${prefix}playground/index.html#${hash}&embed=1`)}" title="${escapeHtml(title)}" loading="lazy" width="100%" height="${height}" data-expect-label="${escapeHtml(bare)}"></iframe>`,
    `<figcaption>${escapeHtml(title)}: step ${k}, <code>${escapeHtml(bare)}</code>. <a href="${escapeHtml(`${prefix}playground/index.html#${hash}`)}">Open this moment in the full playground</a>.</figcaption>`,
    `</figure>`,
  ].join("\n");
}

// --- blocks in markdown ---------------------------------------------------------

const BLOCK = /<!-- generated: (.*?) -->\n([\s\S]*?)<!-- end generated -->/g;

function regenerate(file, text) {
  const prefix = "../".repeat(relative(srcDir, dirname(file)).split(sep).filter(Boolean).length);
  const stale = [];
  const errors = [];
  const out = text.replace(BLOCK, (whole, spec, body, offset) => {
    const line = text.slice(0, offset).split("\n").length;
    const where = `${relative(root, file)}:${line}`;
    let fresh;
    try {
      const { words, opts } = parseArgs(spec);
      const [kind, ...rest] = words;
      if (kind === "apic-trace") fresh = genApicTrace(rest);
      else if (kind === "bits") fresh = genBits(rest, opts);
      else if (kind === "state") fresh = genState(rest, opts);
      else if (kind === "playground") fresh = genPlayground(rest, opts, prefix);
      else throw new BlockError(`unknown block kind "${kind}" (apic-trace, bits, state, playground)`);
    } catch (e) {
      if (!(e instanceof BlockError)) throw e;
      errors.push(`${where}: ${e.message}`);
      return whole;
    }
    const block = `<!-- generated: ${spec} -->\n${fresh}\n<!-- end generated -->`;
    if (block !== whole) stale.push(`${where}: ${spec}`);
    return block;
  });
  // An opening marker without its end would silently never be checked.
  const opened = (text.match(/<!-- generated: /g) ?? []).length;
  const matched = (text.match(BLOCK) ?? []).length;
  if (opened !== matched) errors.push(`${relative(root, file)}: ${opened - matched} "<!-- generated:" marker(s) without "<!-- end generated -->"`);
  return { out, stale, errors };
}

// --- exercises and their solutions ------------------------------------------------

function readJson(file, errors) {
  try {
    return JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    errors.push(`${relative(root, file)}: ${e.message}`);
    return null;
  }
}

/** Every exercise has a solution that is the same scenario with the checkpoints filled in, and passes. */
function checkExercises() {
  const problems = [];
  const exercises = existsSync(scenarioDir) ? readdirSync(scenarioDir).filter((f) => /^exercise-.*\.json$/.test(f)) : [];
  for (const name of exercises.sort()) {
    const id = basename(name, ".json");
    const exercise = readJson(join(scenarioDir, name), problems);
    const solutionFile = join(exerciseDir, `${id}.solution.json`);
    if (!existsSync(solutionFile)) {
      problems.push(`${relative(root, solutionFile)} is missing: every exercise needs its solution`);
      continue;
    }
    const solution = readJson(solutionFile, problems);
    if (!exercise || !solution) continue;
    const where = relative(root, solutionFile);
    if (solution.steps?.length !== exercise.steps?.length) {
      problems.push(`${where}: ${solution.steps?.length} steps, the exercise has ${exercise.steps?.length}`);
      continue;
    }
    exercise.steps.forEach((step, i) => {
      const sol = solution.steps[i];
      const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
      if (step.do === "expect") {
        const changed = Object.keys(step).filter((k) => !same(step[k], sol[k]));
        if (sol.do !== "expect" || changed.length > 0) problems.push(`${where}: step ${i + 1} must be the exercise's expect with fields added (differs in ${changed.join(", ")})`);
        else if (Object.keys(sol).length === Object.keys(step).length) problems.push(`${where}: step ${i + 1} adds no prediction to the exercise's expect`);
        // The page asks for exactly the fields the solution answers.
        const added = Object.keys(sol).filter((k) => !(k in step)).sort();
        const asked = [...(step.predict ?? [])].sort();
        if (!same(added, asked)) problems.push(`${where}: step ${i + 1} answers ${added.join(", ")}, the exercise's "predict" asks for ${asked.join(", ") || "nothing"}`);
      } else if (!same(step, sol)) {
        problems.push(`${where}: step ${i + 1} differs from the exercise's`);
      }
    });
    let check;
    try {
      check = apicTrace(["check", solutionFile]);
    } catch (e) {
      if (!(e instanceof BlockError)) throw e;
      problems.push(`${where}: ${e.message}`);
      continue;
    }
    if (check.status !== 0) problems.push(`${where}: apic-trace check failed:\n${(check.stdout + check.stderr).trim()}`);
  }
  return problems;
}

// --- main -----------------------------------------------------------------------------

const files = walk(srcDir).filter((f) => f.endsWith(".md"));
let stale = [];
let errors = [];
for (const file of files) {
  const text = readFileSync(file, "utf8");
  const r = regenerate(file, text);
  stale = stale.concat(r.stale);
  errors = errors.concat(r.errors);
  if (mode === "--write" && r.out !== text && r.errors.length === 0) writeFileSync(file, r.out);
}
const exerciseProblems = checkExercises();

if (errors.length > 0) {
  console.error(`book-tables: ${errors.length} block(s) could not be generated:\n${errors.join("\n")}`);
  process.exit(2);
}
if (mode === "--write") {
  console.log(stale.length ? `book-tables: rewrote ${stale.length} block(s):\n${stale.join("\n")}` : "book-tables: every generated block was up to date");
} else if (stale.length > 0) {
  console.error(`book-tables: ${stale.length} generated block(s) are stale; run 'node scripts/book-tables.mjs --write':\n${stale.join("\n")}`);
}
if (exerciseProblems.length > 0) console.error(`book-tables: exercises:\n${exerciseProblems.join("\n")}`);
if ((mode === "--check" && stale.length > 0) || exerciseProblems.length > 0) process.exit(1);
if (mode === "--check") console.log(`book-tables: ${files.length} chapter(s) checked, every generated block is fresh`);
