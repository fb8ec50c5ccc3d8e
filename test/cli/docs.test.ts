// The documentation's examples (README, docs/*.md, every command's --help examples) write only where
// the reader chooses: into "$out" (out=$(mktemp -d)) or /tmp, never into the checkout.

import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { COMMANDS } from "../../src/cli/registry.js";
import type { Command } from "../../src/cli/command.js";

/** Paths a shell command line writes to: redirections, mkdir/cp/tee targets, -o DIR, --report FILE. */
function writes(commandLine: string): string[] {
  const line = commandLine.replace(/\s+#\s.*$/, ""); // a trailing comment
  const out: string[] = [];
  for (const m of line.matchAll(/(?:^|[^=<>2&])>{1,2}\s*("[^"]+"|\S+)/g)) out.push(m[1]);
  for (const m of line.matchAll(/\b(?:mkdir(?: -p)?|tee)\s+("[^"]+"|\S+)/g)) out.push(m[1]);
  for (const m of line.matchAll(/\bcp(?: -r)?\s+.*\s("[^"]+"|\S+)\s*$/g)) out.push(m[1]);
  for (const m of line.matchAll(/--report\s+("[^"]+"|\S+)/g)) out.push(m[1]);
  if (/junction (generate|schema)\b/.test(line)) for (const m of line.matchAll(/\s-o\s+("[^"]+"|\S+)/g)) out.push(m[1]);
  return out.map((p) => p.replace(/^"|"$/g, ""));
}

const chosen = (p: string) => p.startsWith("$out") || p.startsWith("/tmp/") || p === "/dev/null" || p.startsWith("&");

function helpExamples(commands: readonly Command[]): string[] {
  return commands.flatMap((c) => [...(c.examples ?? []), ...helpExamples(c.subcommands ?? [])]);
}

test("README, docs and --help examples write only into a folder the reader chose", () => {
  const files = ["README.md", ...readdirSync("docs").filter((f) => f.endsWith(".md")).map((f) => `docs/${f}`)];
  const lines = files.flatMap((f) => readFileSync(f, "utf8").split("\n").filter((l) => /^\$ /.test(l)).map((l) => [f, l.slice(2)] as const));
  const examples = helpExamples(COMMANDS).map((l) => ["--help", l] as const);
  assert.ok(lines.length > 20 && examples.length > 20);
  const bad = [...lines, ...examples].flatMap(([f, l]) => writes(l).filter((p) => !chosen(p)).map((p) => `${f}: ${l} (writes ${p})`));
  assert.deepEqual(bad, []);
  assert.deepEqual(writes('junction x > "$out/a.yaml" && mkdir shop2 && junction generate -o dir'), ["$out/a.yaml", "shop2", "dir"], "the scanner finds writes");
});
