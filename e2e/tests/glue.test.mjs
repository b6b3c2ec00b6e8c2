// The release build's glue and wasm shrunk after the build (scripts/glue.mjs):
// renaming imports keeps a module valid and changes nothing but the names
// asked for, as the engine's own reader of modules (WebAssembly.Module)
// reads them; and the shipped viewer, Play and the reader import only short
// names, each of which their glue provides. Every other test of the suite
// runs that build.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { renameImports } from "../../scripts/glue.mjs";
import { distDir } from "../lib.mjs";

/** A name as the binary format writes it: its length, then its UTF-8 bytes. */
const name = (s) => [s.length, ...Buffer.from(s)];

/**
 * A module written by hand from the WebAssembly core spec (5.5 "Modules"):
 * a type () -> (), and an import of each kind with limits of both forms
 * (a function, a table with a maximum, a memory without, a global).
 */
function handWritten() {
  const imports = [
    ...[0x04],
    ...name("./glue.js"), ...name("__wbg_log_0123456789abcdef"), 0x00, 0x00,
    ...name("./glue.js"), ...name("table"), 0x01, 0x6f, 0x01, 0x01, 0x80, 0x01,
    ...name("./glue.js"), ...name("__wbg_memory_fedcba9876543210"), 0x02, 0x00, 0x11,
    ...name("env"), ...name("g"), 0x03, 0x7f, 0x00,
  ];
  return Buffer.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    0x01, 0x04, 0x01, 0x60, 0x00, 0x00,
    0x02, imports.length, ...imports,
  ]);
}

test("renaming imports changes only the names asked for, and the module stays valid", () => {
  const before = handWritten();
  const listed = (bytes) => WebAssembly.Module.imports(new WebAssembly.Module(bytes));
  assert.deepEqual(
    listed(before).map((i) => i.name),
    ["__wbg_log_0123456789abcdef", "table", "__wbg_memory_fedcba9876543210", "g"],
  );
  const { wasm, names } = renameImports(before, (n) => ({ __wbg_log_0123456789abcdef: "_a", g: "x" })[n]);
  assert.deepEqual(names, ["__wbg_log_0123456789abcdef", "table", "__wbg_memory_fedcba9876543210", "g"]);
  assert.deepEqual(listed(wasm), [
    { module: "./glue.js", name: "_a", kind: "function" },
    { module: "./glue.js", name: "table", kind: "table" },
    { module: "./glue.js", name: "__wbg_memory_fedcba9876543210", kind: "memory" },
    { module: "env", name: "x", kind: "global" },
  ]);
  assert.equal(wasm.length, before.length - 24, "26 bytes of name became 2");
});

/** The wasm modules of the build with their glue: the viewer's and each on-demand module's. */
function shipped() {
  const files = readdirSync(distDir);
  const viewer = files.find((f) => /^apic-playground-[0-9a-f]+_bg\.wasm$/.test(f));
  assert.ok(viewer, `no viewer wasm in ${distDir}`);
  const onDemand = files.filter((f) => f.endsWith("_loader.js")).map((f) => f.replace(/_loader\.js$/, "_bg.wasm"));
  assert.ok(onDemand.length >= 2, "Play and the reader load on demand");
  return [viewer, ...onDemand];
}

test("the shipped modules import short names only, each provided by its glue", async () => {
  for (const wasmFile of shipped()) {
    const bytes = readFileSync(join(distDir, wasmFile));
    const imports = WebAssembly.Module.imports(new WebAssembly.Module(bytes));
    const hashed = imports.filter((i) => /_[0-9a-f]{16}$/.test(i.name));
    assert.deepEqual(hashed, [], `${wasmFile}: an import kept its wasm-bindgen hash`);
    // The glue's own reading: the object it passes to instantiate. Linking
    // fails on a missing import (a LinkError); past it, the start function
    // fails on what node lacks (a window), which is not asked here.
    const glue = await import(join(distDir, wasmFile.replace(/_bg\.wasm$/, ".js")));
    const failure = await glue.default({ module_or_path: bytes }).then(
      () => null,
      (e) => e,
    );
    assert.ok(!(failure instanceof WebAssembly.LinkError), `${wasmFile}: an import is missing: ${failure}`);
  }
});
