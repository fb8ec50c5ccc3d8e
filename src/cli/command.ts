// The command framework: option specs, parsing with node:util, help text, and typed errors that
// main turns into exit codes (never a stack trace).

import { parseArgs } from "node:util";
import { didYouMean } from "../model/suggest.js";
import { isPortName, MAX_PORT } from "../model/ports.js";

export interface Io {
  out(text: string): void;
  /** Writes text that escapeControls (terminal.ts) has made safe already, without scanning it again (safeIo provides it). */
  outEscaped?(text: string): void;
  /**
   * Writes UTF-8 bytes of text made safe already, as outEscaped (the list's rows at scale). It is done
   * with the bytes when it returns (written or copied): the caller may reuse the buffer.
   */
  outBytes?(bytes: Uint8Array): void;
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
  /** Allowed values, matched case-insensitively; the value is then spelled as here. */
  choices?: readonly string[];
  /** Other spellings of a choice, e.g. { text: "table" }. */
  synonyms?: Readonly<Record<string, string>>;
  default?: string;
}

/**
 * The -o vocabulary every command draws from (src/cli/inputs.ts `outputOption`). Like kubectl's -o
 * (cli-runtime lower-cases the format), the value is case-insensitive.
 */
export const OUTPUT_FORMATS = {
  table: "aligned columns and sentences, for people (text is a synonym)",
  json: "data for programs: no prose keys, the same names as the table",
  yaml: "the same data as json, as YAML",
  txt: "np-guard's connlist text: SRC => DST : CONNECTIONS",
  csv: "comma-separated values",
  md: "a Markdown table",
  dot: "a Graphviz graph",
  nft: "an nftables ruleset (nft -f)",
  nginx: "an nginx configuration: nginx.conf and the files it reads, one after another",
  sarif: "SARIF 2.1.0, for code-scanning integrations",
} as const;
export type OutputFormat = keyof typeof OUTPUT_FORMATS;
export const OUTPUT_SYNONYMS: Readonly<Record<string, OutputFormat>> = { text: "table" };

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

/** Exit codes: 0 ok; 1 a check failed or something was found; 2 invalid input or usage; 70 a bug (EX_SOFTWARE). */
export const EXIT = { ok: 0, failed: 1, invalid: 2, internal: 70 } as const;

/** Bad command line: exit 2 with the command's usage. */
export class UsageError extends Error {}

/** An unknown flag, command or value: exit 2 with this one line (it carries its own did-you-mean). */
export class UnknownError extends UsageError {}

/** Bad input files or values: exit 2; the message is already complete. */
export class InputError extends Error {}

export const HELP: OptionSpec = { type: "boolean", short: "h", description: "show this help" };

export function parseCommand(cmd: Command, argv: string[]): { values: Values; positionals: string[] } {
  const specs: Record<string, OptionSpec> = { ...cmd.options, help: HELP };
  const options: Record<string, { type: "string" | "boolean"; short?: string; multiple?: boolean }> = {};
  for (const [name, spec] of Object.entries(specs)) {
    options[name] = { type: spec.type, ...(spec.short ? { short: spec.short } : {}), ...(spec.multiple ? { multiple: true } : {}) };
  }
  // Not strict: unknown flags and missing values are reported below, in pflag's (kubectl's) words.
  const parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: false, tokens: true });
  for (const t of parsed.tokens) if (t.kind === "option") checkToken(specs, t);
  const values = parsed.values as Values;
  if (values.help) return { values, positionals: parsed.positionals };
  for (const [name, spec] of Object.entries(cmd.options)) {
    if (values[name] === undefined && spec.default !== undefined) values[name] = spec.default;
    if (spec.choices) values[name] = choose(name, spec, values[name]);
  }
  const p = cmd.positionals ?? { min: 0, max: 0, name: "" };
  if (parsed.positionals.length < p.min) throw new UsageError(`missing ${p.name}`);
  if (parsed.positionals.length > p.max) {
    const extra = parsed.positionals[p.max];
    const sub = cmd.subcommands?.map((c) => c.name) ?? [];
    throw new UnknownError(`unexpected argument ${JSON.stringify(extra)}${didYouMean(extra, sub)}`);
  }
  return { values, positionals: parsed.positionals };
}

type OptionToken = { name: string; rawName: string; value?: string; inlineValue?: boolean };

function checkToken(specs: Record<string, OptionSpec>, t: OptionToken): void {
  const spec = specs[t.name];
  if (!spec) {
    const long = t.rawName.startsWith("--");
    const flag = long ? `unknown flag: ${t.rawName}` : `unknown shorthand flag: '${t.name}' in ${t.rawName}`;
    throw new UnknownError(`${flag}${long ? didYouMean(t.rawName, Object.keys(specs).map((n) => `--${n}`)) : ""}`);
  }
  if (spec.type === "string" && t.value === undefined) {
    throw new UsageError(`flag needs an argument: ${t.rawName.startsWith("--") ? t.rawName : `'${t.rawName.slice(1)}' in ${t.rawName}`}`);
  }
  if (spec.type === "boolean" && t.value !== undefined) throw new UsageError(`${t.rawName} takes no value (given ${JSON.stringify(t.value)})`);
}

/** The canonical spelling of a choice, or an error listing the allowed values. */
function choose(name: string, spec: OptionSpec, v: Values[string]): Values[string] {
  const one = (x: string): string => {
    const lower = x.toLowerCase();
    const hit = spec.choices!.find((c) => c.toLowerCase() === lower) ?? spec.synonyms?.[lower];
    if (hit !== undefined) return hit;
    const allowed = [...spec.choices!, ...Object.keys(spec.synonyms ?? {})];
    const hint = didYouMean(x, allowed);
    // kubectl: unable to match a printer suitable for the output format "jsn", allowed formats are: json,yaml
    if (name === "output") throw new UnknownError(`unable to match a printer suitable for the output format ${JSON.stringify(x)}, allowed formats are: ${allowed.join(",")}${hint}`);
    throw new UnknownError(`--${name} must be one of ${allowed.join(", ")}, not ${JSON.stringify(x)}${hint}`);
  };
  if (typeof v === "string") return one(v);
  return Array.isArray(v) ? v.map(one) : v;
}

export function helpText(cmd: Command): string {
  const lines = [`${cmd.summary}`, "", `Usage: ${cmd.usage}`];
  if (cmd.description) lines.push("", cmd.description);
  if (!/Exit status/.test(cmd.description ?? "")) lines.push("", "Exit status: 0 success, 2 invalid input or usage, 70 an internal error (a bug).");
  lines.push("", "Options:");
  const entries = Object.entries({ ...cmd.options, help: HELP });
  const flag = ([name, s]: [string, OptionSpec]) => `${s.short ? `-${s.short}, ` : "    "}--${name}${s.type === "string" ? ` ${s.arg ?? "VALUE"}` : ""}`;
  const width = Math.max(...entries.map((e) => flag(e).length));
  for (const e of entries) {
    const s = e[1];
    const synonyms = Object.entries(s.synonyms ?? {});
    const choices = s.choices?.map((c) => [c, ...synonyms.filter(([, to]) => to === c).map(([from]) => `(or ${from})`)].join(" "));
    const extra = [choices ? `one of: ${choices.join(", ")}` : "", s.default !== undefined ? `default: ${s.default}` : ""].filter(Boolean).join("; ");
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
  if (/^-?\d+$/.test(v)) {
    const n = Number(v);
    if (n < 1 || n > MAX_PORT) throw new UsageError(`--${name} must be between 1 and ${MAX_PORT}, not ${v}`);
    return n;
  }
  // (A name as a container's port has one, IsValidPortName: "-1" and "http--x" were looked up as names.)
  if (!isPortName(v)) throw new UsageError(`--${name} must be a port number or a port name (at most 15 lowercase letters, digits and '-', with a letter), not ${JSON.stringify(v)}`);
  return v;
}
