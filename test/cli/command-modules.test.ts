// A command line that names its command loads that command's module alone (start-up is mostly
// module loading); the main help, an unknown name and options before the command load them all.
// Both ways must run the same command the same way.

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
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
    const commands = [...new Set(readFileSync(log, "utf8").split("\n").filter((u) => /\/cli\/(commands\/[^/]+|version)\.js$/.test(u)).map((u) => u.replace(/^.*\/cli\//, "")))].sort();
    return { out: r.stdout, code: r.status, commands };
  } finally { t.cleanup(); }
}

test("`junction list ...` loads list's module alone, and prints what the full registry's path prints", () => {
  const one = runRecording(["list", "-f", SHOP, "-o", "json"]);
  assert.equal(one.code, 0);
  assert.deepEqual(one.commands, ["commands/list.js", "version.js"]);
  // Options before the command: the command is found among all of them.
  const all = runRecording(["-o", "json", "list", "-f", SHOP]);
  assert.equal(all.code, 0);
  for (const m of ["commands/lab.js", "commands/serve.js", "commands/generate.js", "commands/convert-ingress.js"]) assert.ok(all.commands.includes(m), m);
  assert.equal(one.out, all.out);
  assert.ok(JSON.parse(one.out).length > 10);
});
