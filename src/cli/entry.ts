// Which build of the CLI bin/junction.js and bench/e2e.ts run: the bundle (scripts/bundle-cli.mjs:
// a few large modules instead of about 330 small ones, loaded in a fraction of the time) when it is
// at least as new as tsc's output, else tsc's output itself (a `tsc` run after `npm run build` must
// not leave the CLI running the code of before). JUNCTION_BUNDLE=off runs tsc's output (measurements).
// Only Node's modules are imported here: every command line pays for it.

import { statSync } from "node:fs";

/** The folder holding the CLI's entry modules (main.js, launch.js): dist/src/bundle/ or dist/src/cli/. */
export function cliFolder(env: NodeJS.ProcessEnv = process.env): URL {
  const src = new URL("../", import.meta.url);
  if (env.JUNCTION_BUNDLE !== "off") {
    try { if (statSync(new URL("bundle/main.js", src)).mtimeMs >= statSync(new URL("cli/main.js", src)).mtimeMs) return new URL("bundle/", src); }
    catch { /* no bundle (tsc alone): tsc's output */ }
  }
  return new URL("cli/", src);
}
