// Every command of the CLI, in the order `junction --help` lists them.

import type { Command } from "./command.js";
import { agentCommand } from "./commands/agent.js";
import { analyzeCommand } from "./commands/analyze.js";
import { compileCommand } from "./commands/compile.js";
import { convertCommand } from "./commands/convert.js";
import { explainCommand } from "./commands/explain.js";
import { generateCommand } from "./commands/generate.js";
import { labCommand } from "./commands/lab.js";
import { listCommand } from "./commands/list.js";
import { matrixCommand } from "./commands/matrix.js";
import { schemaCommand } from "./commands/schema.js";
import { testCommand } from "./commands/test.js";
import { validateCommand } from "./commands/validate.js";
import { statusCommand } from "./commands/status.js";
import { routeCommand } from "./commands/route.js";
import { exposureCommand } from "./commands/exposure.js";
import { versionCommand } from "./version.js";
import { serveCommand } from "./commands/serve.js";
import { flowsCommand } from "./commands/flows.js";
import { historyCommand } from "./commands/history.js";
import { ipamCommand } from "./commands/ipam.js";
import { diffCommand } from "./commands/diff.js";
import { lintCommand } from "./commands/lint.js";
import { kitCommand } from "./commands/kit.js";
import { conformanceCommand } from "./commands/conformance.js";
import { rbacCommand } from "./commands/rbac.js";

export const COMMANDS: Command[] = [
  analyzeCommand,
  explainCommand,
  testCommand,
  matrixCommand,
  listCommand,
  diffCommand,
  lintCommand,
  kitCommand,
  conformanceCommand,
  validateCommand,
  compileCommand,
  convertCommand,
  statusCommand,
  routeCommand,
  exposureCommand,
  historyCommand,
  flowsCommand,
  ipamCommand,
  serveCommand,
  rbacCommand,
  schemaCommand,
  labCommand,
  agentCommand,
  generateCommand,
  versionCommand,
];
