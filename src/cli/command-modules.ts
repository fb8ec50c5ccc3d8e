// Each command of the CLI by name, in the order `junction --help` lists them, as a loader of its
// module alone: a command line that names its command loads only that command's module (start-up is
// mostly module loading). registry.ts loads them all.

import type { Command } from "./command.js";

export const COMMAND_MODULES: readonly (readonly [string, () => Promise<Command>])[] = [
  ["analyze", async () => (await import("./commands/analyze.js")).analyzeCommand],
  ["explain", async () => (await import("./commands/explain.js")).explainCommand],
  ["test", async () => (await import("./commands/test.js")).testCommand],
  ["matrix", async () => (await import("./commands/matrix.js")).matrixCommand],
  ["list", async () => (await import("./commands/list.js")).listCommand],
  ["diff", async () => (await import("./commands/diff.js")).diffCommand],
  ["lint", async () => (await import("./commands/lint.js")).lintCommand],
  ["kit", async () => (await import("./commands/kit.js")).kitCommand],
  ["conformance", async () => (await import("./commands/conformance.js")).conformanceCommand],
  ["validate", async () => (await import("./commands/validate.js")).validateCommand],
  ["compile", async () => (await import("./commands/compile.js")).compileCommand],
  ["convert", async () => (await import("./commands/convert.js")).convertCommand],
  ["status", async () => (await import("./commands/status.js")).statusCommand],
  ["route", async () => (await import("./commands/route.js")).routeCommand],
  ["exposure", async () => (await import("./commands/exposure.js")).exposureCommand],
  ["history", async () => (await import("./commands/history.js")).historyCommand],
  ["flows", async () => (await import("./commands/flows.js")).flowsCommand],
  ["ipam", async () => (await import("./commands/ipam.js")).ipamCommand],
  ["serve", async () => (await import("./commands/serve.js")).serveCommand],
  ["rbac", async () => (await import("./commands/rbac.js")).rbacCommand],
  ["schema", async () => (await import("./commands/schema.js")).schemaCommand],
  ["lab", async () => (await import("./commands/lab.js")).labCommand],
  ["agent", async () => (await import("./commands/agent.js")).agentCommand],
  ["generate", async () => (await import("./commands/generate.js")).generateCommand],
  ["version", async () => (await import("./version.js")).versionCommand],
];
