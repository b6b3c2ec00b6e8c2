// Prints, for every built-in scenario, the length of a `#c=` link that
// carries it (README, "The URL"): the file's JSON without whitespace,
// raw DEFLATE (RFC 1951), base64url without padding (RFC 4648 section 5).
import { readdirSync, readFileSync } from "node:fs";
import { deflateRawSync } from "node:zlib";

const dir = new URL("../core/scenarios/", import.meta.url);
console.log("| scenario | JSON bytes | `c` characters |\n|---|---:|---:|");
for (const name of readdirSync(dir).filter((n) => n.endsWith(".json")).sort()) {
  const json = JSON.stringify(JSON.parse(readFileSync(new URL(name, dir), "utf8")));
  const c = deflateRawSync(Buffer.from(json, "utf8"), { level: 9 }).toString("base64url");
  console.log(`| ${name.replace(/\.json$/, "")} | ${Buffer.byteLength(json)} | ${c.length} |`);
}
