// Every command of the CLI, in the order `junction --help` lists them (the main help, an unknown
// name, options written before the command). A command line that names its command loads only that
// command's module (command-modules.ts).

import type { Command } from "./command.js";
import { COMMAND_MODULES } from "./command-modules.js";

export const COMMANDS: Command[] = [];
for (const [, load] of COMMAND_MODULES) COMMANDS.push(await load());
