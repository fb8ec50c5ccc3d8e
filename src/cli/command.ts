// The command framework: option specs, parsing with node:util, help text, and typed errors that
// main turns into exit codes (never a stack trace).

import { parseArgs } from "node:util";

export interface Io {
  out(text: string): void;
  err(text: string): void;
  stdin(): string;
  /** Where relative output is read from (tests pass a fixture folder). */
  cwd: string;
}

export interface OptionSpec {
  type: "string" | "boolean";
  short?: string;
  multiple?: boolean;
  description: string;
  /** Shown in help, e.g. "PATH". */
  arg?: string;
  choices?: readonly string[];
  default?: string;
}

export type Values = Record<string, string | boolean | string[] | undefined>;

export interface Command {
  name: string;
  summary: string;
  usage: string;
  description?: string;
  options: Record<string, OptionSpec>;
  examples?: string[];
  /** Positional arguments: allowed count. */
  positionals?: { min: number; max: number; name: string };
  /** A command group (e.g. `convert ingress`, `lab up`): the first argument names the subcommand. */
  subcommands?: Command[];
  run(values: Values, positionals: string[], io: Io): number | Promise<number>;
}

export const EXIT = { ok: 0, failed: 1, invalid: 2 } as const;

/** Bad command line: exit 2 with the command's usage. */
export class UsageError extends Error {}

/** Bad input files or values: exit 2; the message is already complete. */
export class InputError extends Error {}

export const HELP: OptionSpec = { type: "boolean", short: "h", description: "show this help" };

export function parseCommand(cmd: Command, argv: string[]): { values: Values; positionals: string[] } {
  const options: Record<string, { type: "string" | "boolean"; short?: string; multiple?: boolean }> = {};
  for (const [name, spec] of Object.entries({ ...cmd.options, help: HELP })) {
    options[name] = { type: spec.type, ...(spec.short ? { short: spec.short } : {}), ...(spec.multiple ? { multiple: true } : {}) };
  }
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError((e as Error).message.replace(/^TypeError \[[A-Z_]+\]: /, ""));
  }
  const values = parsed.values as Values;
  if (values.help) return { values, positionals: parsed.positionals };
  for (const [name, spec] of Object.entries(cmd.options)) {
    if (values[name] === undefined && spec.default !== undefined) values[name] = spec.default;
    const v = values[name];
    if (spec.choices && typeof v === "string" && !spec.choices.includes(v)) {
      throw new UsageError(`--${name} must be one of ${spec.choices.join(", ")}, not ${JSON.stringify(v)}`);
    }
  }
  const p = cmd.positionals ?? { min: 0, max: 0, name: "" };
  if (parsed.positionals.length < p.min) throw new UsageError(`missing ${p.name}`);
  if (parsed.positionals.length > p.max) throw new UsageError(`unexpected argument ${JSON.stringify(parsed.positionals[p.max])}`);
  return { values, positionals: parsed.positionals };
}

export function helpText(cmd: Command): string {
  const lines = [`${cmd.summary}`, "", `Usage: ${cmd.usage}`];
  if (cmd.description) lines.push("", cmd.description);
  lines.push("", "Options:");
  const entries = Object.entries({ ...cmd.options, help: HELP });
  const flag = ([name, s]: [string, OptionSpec]) => `${s.short ? `-${s.short}, ` : "    "}--${name}${s.type === "string" ? ` ${s.arg ?? "VALUE"}` : ""}`;
  const width = Math.max(...entries.map((e) => flag(e).length));
  for (const e of entries) {
    const s = e[1];
    const extra = [s.choices ? `one of: ${s.choices.join(", ")}` : "", s.default !== undefined ? `default: ${s.default}` : ""].filter(Boolean).join("; ");
    lines.push(`  ${flag(e).padEnd(width)}  ${s.description}${extra ? ` (${extra})` : ""}`);
  }
  if (cmd.examples?.length) lines.push("", "Examples:", ...cmd.examples.map((x) => `  ${x}`));
  return lines.join("\n") + "\n";
}

export function str(values: Values, name: string): string | undefined {
  const v = values[name];
  return typeof v === "string" ? v : undefined;
}

export function list(values: Values, name: string): string[] {
  const v = values[name];
  return Array.isArray(v) ? v : typeof v === "string" ? [v] : [];
}

/** A port given on the command line: a number 1-65535, or a port name. */
export function portArg(values: Values, name: string): number | string | undefined {
  const v = str(values, name);
  if (v === undefined) return undefined;
  if (/^\d+$/.test(v)) {
    const n = Number(v);
    if (n < 1 || n > 65535) throw new UsageError(`--${name} must be between 1 and 65535, not ${v}`);
    return n;
  }
  if (!/^[a-z0-9-]+$/.test(v)) throw new UsageError(`--${name} must be a port number or a port name, not ${JSON.stringify(v)}`);
  return v;
}
