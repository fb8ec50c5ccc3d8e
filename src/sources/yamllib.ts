// The yaml library, loaded when first used: a command that reads JSON files and writes JSON never
// loads it (its 72 CommonJS modules took 35-47 ms of CPU before a load could start,
// docs/performance.md). Its Node entry point is that CommonJS build, so this is the one copy an
// `import "yaml"` elsewhere (tests, scripts) would load too. (The CLI's bundle requires its own
// one-file copy instead: scripts/bundle-cli.mjs PACKAGES.)

import { createRequire } from "node:module";
import type * as Yaml from "yaml";

let lib: typeof Yaml | undefined;

export function yaml(): typeof Yaml {
  return (lib ??= createRequire(import.meta.url)("yaml") as typeof Yaml);
}
