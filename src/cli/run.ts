// Runs one command line against an Io: parsing, help, and the mapping of errors to exit codes.
// main.ts binds it to the process; tests call it directly.

import { EXIT, helpText, InputError, parseCommand, UsageError, type Command, type Io } from "./command.js";
import { COMMANDS } from "./registry.js";

export const VERSION = "0.1.0";

export async function runCli(argv: string[], io: Io): Promise<number> {
  const [name, ...rest] = moveGlobalOptions(argv);
  if (!name || name === "-h" || name === "--help" || name === "help") {
    const target = name === "help" ? COMMANDS.find((c) => c.name === rest[0]) : undefined;
    io.out(target ? helpText(target) : mainHelp());
    return EXIT.ok;
  }
  if (name === "--version" || name === "version") { io.out(`junction ${VERSION}\n`); return EXIT.ok; }
  const group = COMMANDS.find((c) => c.name === name);
  if (!group) {
    io.err(`junction: unknown command ${JSON.stringify(name)}\n\n${mainHelp()}`);
    return EXIT.invalid;
  }
  const found = pickSubcommand(group, rest, io);
  if (typeof found === "number") return found;
  const [cmd, args] = found;
  return runCommand(cmd, args, io);
}

/** For a command group, the subcommand named by the next argument (or the group's help). */
function pickSubcommand(cmd: Command, args: string[], io: Io): [Command, string[]] | number {
  if (!cmd.subcommands) return [cmd, args];
  const [sub, ...rest] = args;
  if (!sub || sub === "-h" || sub === "--help") { io.out(groupHelp(cmd)); return EXIT.ok; }
  const found = cmd.subcommands.find((c) => c.name === sub);
  if (!found) { io.err(`junction ${cmd.name}: unknown subcommand ${JSON.stringify(sub)}\n\n${groupHelp(cmd)}`); return EXIT.invalid; }
  return pickSubcommand({ ...found, name: `${cmd.name} ${found.name}` }, rest, io);
}

function groupHelp(cmd: Command): string {
  const subs = cmd.subcommands ?? [];
  const width = Math.max(...subs.map((c) => c.name.length));
  return [cmd.summary, "", `Usage: ${cmd.usage}`, "", "Subcommands:", ...subs.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`), "",
    `Run 'junction ${cmd.name} SUBCOMMAND --help' for details.`, ""].join("\n");
}

async function runCommand(cmd: Command, rest: string[], io: Io): Promise<number> {
  try {
    const { values, positionals } = parseCommand(cmd, rest);
    if (values.help) { io.out(helpText(cmd)); return EXIT.ok; }
    return await cmd.run(values, positionals, io);
  } catch (e) {
    if (e instanceof UsageError) { io.err(`junction ${cmd.name}: ${e.message}\nUsage: ${cmd.usage}\nRun 'junction ${cmd.name} --help' for details.\n`); return EXIT.invalid; }
    if (e instanceof InputError) { io.err(`junction ${cmd.name}: ${e.message}\n`); return EXIT.invalid; }
    throw e;
  }
}

/**
 * Options written before the command (`junction --host-network=pod list -f x`) are the command's:
 * wrappers such as conformance runners can then pass them without knowing the command.
 */
function moveGlobalOptions(argv: string[]): string[] {
  const i = argv.findIndex((a) => !a.startsWith("-"));
  if (i <= 0) return argv;
  const leading = argv.slice(0, i);
  if (leading.some((a) => ["-h", "--help", "--version"].includes(a))) return argv;
  return [argv[i], ...leading, ...argv.slice(i + 1)];
}

function mainHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    "junction: one model for cluster I/O. Reads Kubernetes network policies (NetworkPolicy, AdminNetworkPolicy,",
    "BaselineAdminNetworkPolicy, ClusterNetworkPolicy), workloads, VMs and networks, and answers who can reach what, and why.",
    "",
    "Usage: junction COMMAND [options]",
    "",
    "Commands:",
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    "",
    "Run 'junction COMMAND --help' for a command's options.",
    "Exit status: 0 success, 1 a check failed (assertions, denied flows, invalid manifests), 2 invalid input or usage.",
    "",
  ].join("\n");
}
