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

/**
 * `parse()` with no stack traces captured. The `yaml` library makes an Error (YAMLParseError) for
 * each problem it meets, and V8 captures a stack trace for each Error made: on a hostile document of
 * lone '-' in flow collections (three errors each, all read again as go-yaml reads them,
 * kubeyaml.ts goYamlSpellings) that was the largest part of the time (1.5 s of 6 for 10,000). Only
 * the errors' codes, positions and messages are read.
 */
export function withoutStacks<T>(parse: () => T): T {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try { return parse(); } finally { Error.stackTraceLimit = limit; }
}
