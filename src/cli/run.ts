// Runs one command line against an Io: parsing, help, and the mapping of errors to exit codes.
// main.ts binds it to the process; tests call it directly.

import { prefetchCluster } from "./cluster.js";
import { didYouMean } from "../model/suggest.js";
import { capMessage } from "../model/quote.js";
import { EXIT, helpText, InputError, parseCommand, UnknownError, UsageError, type Command, type Io, type OptionSpec } from "./command.js";
import { safeIo } from "./terminal.js";
import { InputChangedError } from "../sources/read.js";
import { COMMAND_MODULES } from "./command-modules.js";
import { VERSION } from "./version.js";
import { runSettled } from "./settled.js";

export { VERSION };

/** Runs `junction ARGV`; never throws: an unexpected error is a bug, reported in one line (exit 70). */
export async function runCli(argv: string[], rawIo: Io): Promise<number> {
  const io = safeIo(rawIo);
  try {
    return await dispatch(argv, io);
  } catch (e) {
    io.err(internalError(e));
    return EXIT.internal;
  }
}

/** The one line (two with JUNCTION_DEBUG=1: the stack) printed for an unexpected exception. */
export function internalError(e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  const stack = process.env.JUNCTION_DEBUG && e instanceof Error ? `\n${e.stack}` : "";
  return `junction: internal error: ${message.split("\n")[0]} (this is a bug in Junction; rerun with JUNCTION_DEBUG=1 for the stack)${stack}\n`;
}

/**
 * The commands a command line needs: the one it names first (its module alone), else all of them
 * (the main help, an unknown name, options written before the command).
 */
async function commandsFor(argv: string[]): Promise<Command[]> {
  const one = COMMAND_MODULES.find(([name]) => name === argv[0]);
  return one ? [await one[1]()] : (await import("./registry.js")).COMMANDS;
}

async function dispatch(argv: string[], io: Io): Promise<number> {
  if (argv.length === 0) { io.err(mainHelp(await commandsFor(argv))); return EXIT.invalid; }
  const COMMANDS = await commandsFor(argv);
  const { name, rest } = splitCommand(argv, COMMANDS);
  if (name === undefined || ["-h", "--help", "help"].includes(name)) {
    if (name === "help" && rest.length) return dispatch([...rest, "--help"], io);
    if (name === undefined && rest.some((a) => !["-h", "--help"].includes(a))) return unknownFlag(rest, io);
    io.out(mainHelp(COMMANDS));
    return EXIT.ok;
  }
  if (name === "--version") return dispatch(["version", ...rest], io);
  const group = COMMANDS.find((c) => c.name === name);
  if (!group) {
    const hint = name.startsWith("-") ? "" : didYouMean(name, COMMANDS.map((c) => c.name));
    io.err(`junction: unknown ${name.startsWith("-") ? "flag" : "command"} ${JSON.stringify(name)}${hint}; run 'junction --help' for the commands\n`);
    return EXIT.invalid;
  }
  const found = pickSubcommand(group, rest, io);
  if (typeof found === "number") return found;
  return runCommand(found[0], found[1], io);
}

function unknownFlag(rest: string[], io: Io): number {
  io.err(`junction: unknown flag: ${rest.find((a) => a.startsWith("-")) ?? rest[0]}; run 'junction --help' for the commands\n`);
  return EXIT.invalid;
}

/** For a command group, the subcommand named by the next argument (or the group's help). */
function pickSubcommand(cmd: Command, args: string[], io: Io): [Command, string[]] | number {
  if (!cmd.subcommands) return [cmd, args];
  const { name: sub, rest } = splitCommand(args, cmd.subcommands);
  if (sub === undefined && rest.length) {
    // Options but no subcommand (`junction kit --bogus`, `junction lab -f x`): a usage error, never the help with exit 0.
    const names = cmd.subcommands.map((c) => c.name).join(", ");
    io.err(`junction ${cmd.name}: give a subcommand (${names}) before ${JSON.stringify(rest.find((a) => a.startsWith("-")) ?? rest[0])}; run 'junction ${cmd.name} --help' for the subcommands\n`);
    return EXIT.invalid;
  }
  if (sub === undefined || sub === "-h" || sub === "--help") {
    if (sub === undefined) { io.err(groupHelp(cmd)); return EXIT.invalid; }
    io.out(groupHelp(cmd));
    return EXIT.ok;
  }
  const found = cmd.subcommands.find((c) => c.name === sub);
  if (!found) {
    io.err(`junction ${cmd.name}: unknown subcommand ${JSON.stringify(sub)}${didYouMean(sub, cmd.subcommands.map((c) => c.name))}; run 'junction ${cmd.name} --help' for the subcommands\n`);
    return EXIT.invalid;
  }
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
    await prefetchCluster(cmd, values, io);
    return await runSettled(cmd.name, io, (settled) => cmd.run(values, positionals, settled));
  } catch (e) {
    if (e instanceof UnknownError) { io.err(`junction ${cmd.name}: ${capMessage(e.message)}; run 'junction ${cmd.name} --help' for usage\n`); return EXIT.invalid; }
    if (e instanceof UsageError) { io.err(`junction ${cmd.name}: ${capMessage(e.message)}\nUsage: ${cmd.usage}\nRun 'junction ${cmd.name} --help' for details.\n`); return EXIT.invalid; }
    if (e instanceof InputError || e instanceof InputChangedError) { io.err(`junction ${cmd.name}: ${capMessage(e.message)}\n`); return EXIT.invalid; }
    throw e;
  }
}

/** Every option of these commands (and their subcommands), by long and short name: whether it takes a value. */
function optionTypes(commands: readonly Command[]): Map<string, OptionSpec["type"]> {
  const types = new Map<string, OptionSpec["type"]>();
  const visit = (c: Command) => {
    for (const [name, spec] of Object.entries(c.options)) {
      // A name that is a value option anywhere takes a value: `-o json list` must not read json as the command.
      if (types.get(`--${name}`) !== "string") types.set(`--${name}`, spec.type);
      if (spec.short && types.get(`-${spec.short}`) !== "string") types.set(`-${spec.short}`, spec.type);
    }
    c.subcommands?.forEach(visit);
  };
  commands.forEach(visit);
  return types;
}

/**
 * The command (or subcommand) name and the other arguments, options written before the name
 * moved after it: `junction -o json --host-network=pod list -f x` is `junction list -o json ...`.
 */
export function splitCommand(argv: string[], commands: readonly Command[]): { name?: string; rest: string[] } {
  const types = optionTypes(commands);
  let i = 0;
  while (i < argv.length && argv[i].startsWith("-") && argv[i] !== "-" && argv[i] !== "--") {
    const a = argv[i];
    if (["-h", "--help", "--version"].includes(a)) return { name: a, rest: [...argv.slice(0, i), ...argv.slice(i + 1)] };
    const takesValue = !a.includes("=") && types.get(a) === "string" && (a.startsWith("--") || a.length === 2);
    i += takesValue ? 2 : 1;
  }
  if (argv[i] === "--") return { name: undefined, rest: argv };
  if (i >= argv.length) return { name: undefined, rest: argv };
  return { name: argv[i], rest: [...argv.slice(0, i), ...argv.slice(i + 1)] };
}

function mainHelp(COMMANDS: readonly Command[]): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    "junction: one model for cluster I/O. Reads Kubernetes network policies (NetworkPolicy, Admin/Baseline/ClusterNetworkPolicy,",
    "Calico, Cilium), Ingress and the Gateway API (GAMMA too), mesh authorization (Istio, Linkerd), workloads, VMs, hosts and",
    "networks, and answers who can reach what, through which route, and why.",
    "",
    "Usage: junction COMMAND [options]",
    "",
    "Commands:",
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    "",
    "Run 'junction COMMAND --help' for a command's options. Options go before or after the command, as --name VALUE",
    "or --name=VALUE. -o (output format) takes table (or text), json, yaml, and where they apply txt, csv, md, dot, nft.",
    "Exit status: 0 success; 1 a check failed or something was found (assertions, denied flows, invalid manifests,",
    "a pending change); 2 invalid input or usage; 70 an internal error (a bug: please report it).",
    "",
  ].join("\n");
}
