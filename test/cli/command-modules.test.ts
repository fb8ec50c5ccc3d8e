// A command line that names its command loads that command's module alone (start-up is mostly
// module loading); the main help, an unknown name and options before the command load them all.
// Both ways must run the same command the same way.

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { COMMAND_MODULES } from "../../src/cli/command-modules.js";
import { COMMANDS } from "../../src/cli/registry.js";
import { tempFiles } from "../helpers.js";

const BIN = fileURLToPath(new URL("../../../bin/junction.js", import.meta.url));
const SHOP = fileURLToPath(new URL("../../../examples/shop", import.meta.url));

test("COMMAND_MODULES names every command of COMMANDS, in the help's order, and loads that very command", async () => {
  assert.deepEqual(COMMAND_MODULES.map(([name]) => name), COMMANDS.map((c) => c.name));
  for (const [i, [, load]] of COMMAND_MODULES.entries()) assert.equal(await load(), COMMANDS[i]);
});

/** Runs the CLI with a module hook that records every module resolved; returns stdout and the command modules. */
function runRecording(args: string[]): { out: string; code: number | null; commands: string[] } {
  const t = tempFiles({
    "hook.mjs": 'import { appendFileSync } from "node:fs";\nexport async function resolve(s, c, next) { const r = await next(s, c); appendFileSync(process.env.JX_MODULES, r.url + "\\n"); return r; }\n',
    "register.mjs": 'import { register } from "node:module";\nregister(new URL("./hook.mjs", import.meta.url));\n',
  });
  try {
    const log = join(t.dir, "modules.txt");
    const r = spawnSync(process.execPath, ["--import", join(t.dir, "register.mjs"), BIN, ...args], { encoding: "utf8", env: { ...process.env, JX_MODULES: log } });
    const commands = [...new Set(readFileSync(log, "utf8").split("\n").map(commandModule).filter((m) => m !== undefined))].sort();
    return { out: r.stdout, code: r.status, commands };
  } finally { t.cleanup(); }
}

/**
 * A command's module as its source file names it (commands/list.js, version.js), from the URL of
 * tsc's output (dist/src/cli/commands/list.js) or of the bundle (dist/src/bundle/list.js, the
 * command's own entry: scripts/bundle-cli.mjs).
 */
function commandModule(url: string): string | undefined {
  const m = /\/cli\/(commands\/[^/]+|version)\.js$/.exec(url);
  if (m) return `${m[1]}.js`;
  const b = /\/bundle\/([^/]+)\.js$/.exec(url);
  if (!b) return undefined;
  if (b[1] === "version") return "version.js";
  return COMMAND_FILES.has(b[1]) ? `commands/${b[1]}.js` : undefined;
}

const COMMAND_FILES = new Set(readdirSync(fileURLToPath(new URL("../../src/cli/commands/", import.meta.url))).filter((f) => f.endsWith(".js")).map((f) => f.slice(0, -3)));

test("`junction list ...` loads list's module alone, and prints what the full registry's path prints", () => {
  const one = runRecording(["list", "-f", SHOP, "-o", "json"]);
  assert.equal(one.code, 0);
  // (version.js: run.ts imports it whatever the command; in the bundle its code is part of main's.)
  assert.deepEqual(one.commands.filter((m) => m !== "version.js"), ["commands/list.js"]);
  // Options before the command: the command is found among all of them.
  const all = runRecording(["-o", "json", "list", "-f", SHOP]);
  assert.equal(all.code, 0);
  for (const m of ["commands/lab.js", "commands/serve.js", "commands/generate.js", "commands/convert.js"]) assert.ok(all.commands.includes(m), m);
  assert.equal(one.out, all.out);
  assert.ok(JSON.parse(one.out).length > 10);
});
