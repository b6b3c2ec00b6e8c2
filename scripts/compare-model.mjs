#!/usr/bin/env node
// Holds the model to an earlier version of itself: builds `apic-trace` at a
// git revision (in a throw-away worktree), traces every built-in scenario
// under every profile with both, and prints each state field that differs
// (events' wording is allowed to change; their count and rules are not
// compared). For refactorings of the model: a change of behaviour must be
// named in its commit. Usage: node scripts/compare-model.mjs [REV]
// (default HEAD). Exit 0 when every state field agrees, 1 otherwise.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(fileURLToPath(new URL("..", import.meta.url)));
const rev = process.argv[2] ?? "HEAD";
const run = (cmd, args, opts = {}) =>
  execFileSync(cmd, args, { encoding: "utf8", maxBuffer: 1 << 28, ...opts });

// The binary moved from apic-core to its own package (cli/); older
// revisions still build it from apic-core.
function build(dir, targetDir) {
  const pkg = existsSync(join(dir, "cli", "Cargo.toml")) ? "apic-trace" : "apic-core";
  run("cargo", ["build", "-q", "-p", pkg, "--bin", "apic-trace"], {
    cwd: dir,
    env: { ...process.env, CARGO_TARGET_DIR: targetDir },
    stdio: ["ignore", "inherit", "inherit"],
  });
  return join(targetDir, "debug", "apic-trace");
}

const work = mkdtempSync(join(tmpdir(), "compare-model-"));
try {
  const old = join(work, "old");
  run("git", ["-C", root, "worktree", "add", "--detach", old, rev], { stdio: "ignore" });
  const oldBin = build(old, join(root, "target", "compare-model"));
  const newBin = build(root, join(root, "target"));
  const ids = run(newBin, ["list"]).split("\n").filter(Boolean).map((l) => l.split(/\s+/)[0]);
  let differences = 0;
  for (const id of ids) {
    const trace = (bin) => JSON.parse(run(bin, ["run", id, "--profile", "all", "--format", "json"]));
    const [a, b] = [trace(oldBin), trace(newBin)];
    for (const [i, pa] of a.profiles.entries()) {
      const pb = b.profiles[i];
      if (pa.states.length !== pb.states.length) {
        console.log(`${id} ${pa.profile}: ${pa.states.length} states before, ${pb.states.length} now`);
        differences++;
        continue;
      }
      for (const [k, sa] of pa.states.entries()) {
        const sb = pb.states[k];
        for (const key of Object.keys(sa)) {
          if (key === "events") continue;
          const [x, y] = [JSON.stringify(sa[key]), JSON.stringify(sb[key])];
          if (x !== y) {
            console.log(`${id} ${pa.profile} state ${k} ${key}: ${x} before, ${y} now`);
            differences++;
          }
        }
      }
    }
  }
  console.log(`${ids.length} scenarios compared with ${rev}: ${differences} differences`);
  process.exitCode = differences === 0 ? 0 : 1;
} finally {
  try {
    run("git", ["-C", root, "worktree", "remove", "--force", join(work, "old")], { stdio: "ignore" });
  } catch {}
  rmSync(work, { recursive: true, force: true });
}
