// One CLI convention everywhere: every command of the registry (the ones added later included) is
// checked for --help, the -o vocabulary, unknown flags, exit codes. kubectl is the model where it has one.

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { COMMANDS } from "../../src/cli/registry.js";
import { EXIT, OUTPUT_FORMATS, parseCommand, type Command } from "../../src/cli/command.js";
import { VERSION } from "../../src/cli/run.js";
import { escapeControls } from "../../src/cli/terminal.js";
import { closest, didYouMean } from "../../src/model/suggest.js";
import { cli, tempFiles } from "../helpers.js";

/** Every runnable command with its words on the command line, e.g. ["lab", "up"]. */
function leaves(commands: readonly Command[], prefix: string[] = []): { words: string[]; cmd: Command }[] {
  return commands.flatMap((c) => c.subcommands ? leaves(c.subcommands, [...prefix, c.name]) : [{ words: [...prefix, c.name], cmd: c }]);
}
const ALL = leaves(COMMANDS);
const oneLine = (s: string) => s.trimEnd().split("\n").length === 1;

test("every command has --help (stdout, exit 0) that states its exit status", async () => {
  assert.ok(ALL.length >= 15);
  for (const { words } of ALL) {
    const r = await cli([...words, "--help"]);
    assert.equal(r.code, 0, words.join(" "));
    assert.match(r.out, new RegExp(`Usage: junction ${words.join(" ")}`), words.join(" "));
    assert.match(r.out, /Exit status: 0\b/, words.join(" "));
  }
});

test("-o is one vocabulary: shared format names, json always with yaml, -o DIR only where output is a folder", () => {
  for (const { words, cmd } of ALL) {
    const where = words.join(" ");
    for (const [name, spec] of Object.entries(cmd.options)) {
      if (spec.short !== "o" && name !== "output") continue;
      if (spec.arg === "DIR") continue; // generate and schema write files into a folder
      assert.equal(name, "output", `${where}: -o is --output`);
      assert.equal(spec.arg, "FORMAT", where);
      for (const f of spec.choices ?? []) assert.ok(f in OUTPUT_FORMATS, `${where}: ${f} is not in the -o vocabulary`);
      assert.ok(spec.choices?.length, `${where}: -o lists its formats`);
      if (spec.choices!.includes("json")) assert.ok(spec.choices!.includes("yaml"), `${where}: json without yaml`);
      if (spec.choices!.includes("table")) assert.equal(spec.synonyms?.text, "table", `${where}: text is a synonym of table`);
    }
  }
});

test("-o is case-insensitive and text means table, as kubectl lower-cases -o (cli-runtime: strings.ToLower(outputFormat))", () => {
  for (const { words, cmd } of ALL) {
    const spec = cmd.options.output;
    if (!spec?.choices) continue;
    for (const f of spec.choices) {
      assert.equal(parseCommand(cmd, ["-o", f.toUpperCase()]).values.output, f, words.join(" "));
      assert.equal(parseCommand(cmd, [`--output=${f}`]).values.output, f, words.join(" "));
    }
    if (spec.choices.includes("table")) assert.equal(parseCommand(cmd, ["-o", "Text"]).values.output, "table");
  }
});

test("an unknown -o format is exit 2 in one line, in kubectl's words: unable to match a printer suitable for the output format", async () => {
  for (const { words, cmd } of ALL) {
    if (!cmd.options.output?.choices) continue;
    const r = await cli([...words, "-o", "jsn"]);
    assert.equal(r.code, 2, words.join(" "));
    assert.ok(oneLine(r.err), r.err);
    assert.match(r.err, /unable to match a printer suitable for the output format "jsn", allowed formats are: /);
    if (cmd.options.output.choices.includes("json")) assert.match(r.err, /did you mean json\b/);
  }
});

test("an unknown flag is exit 2, one line in pflag's (kubectl's) words, with a did-you-mean", async () => {
  for (const { words, cmd } of ALL) {
    const r = await cli([...words, "--no-such-flag"]);
    assert.equal(r.code, 2, words.join(" "));
    assert.ok(oneLine(r.err), r.err);
    // kubectl: "error: unknown flag: --no-such-flag"
    assert.match(r.err, /unknown flag: --no-such-flag/);
    assert.equal(r.out, "");
    const first = Object.keys(cmd.options).find((n) => n.length > 4);
    if (first) {
      const typo = await cli([...words, `--${first.slice(0, -1)}x`]);
      assert.match(typo.err, new RegExp(`did you mean --${first}\\?`), words.join(" "));
    }
  }
  const short = await cli(["list", "-Z", "-f", "examples/shop"]);
  assert.equal(short.code, 2);
  // kubectl: "error: unknown shorthand flag: 'Z' in -Z"
  assert.match(short.err, /unknown shorthand flag: 'Z' in -Z/);
  const missing = await cli(["list", "-f", "examples/shop", "-o"]);
  assert.equal(missing.code, 2);
  // kubectl: "error: flag needs an argument: 'o' in -o"
  assert.match(missing.err, /flag needs an argument: 'o' in -o/);
});

test("an unknown command or subcommand is exit 2, one line with cobra's did-you-mean (distance 2 or a prefix)", async () => {
  const r = await cli(["lsti", "-f", "examples/shop"]);
  assert.equal(r.code, 2);
  assert.ok(oneLine(r.err), r.err);
  assert.match(r.err, /unknown command "lsti" \(did you mean list\?\)/);
  const sub = await cli(["convert", "ingres", "-f", "examples/ingress"]);
  assert.equal(sub.code, 2);
  assert.ok(oneLine(sub.err), sub.err);
  assert.match(sub.err, /unknown subcommand "ingres" \(did you mean ingress\?\)/);
  // A command group given options but no subcommand: a usage error (it printed the help and exited 0).
  for (const args of [["kit", "--bogus"], ["lab", "-f", "examples/shop"], ["convert", "-f", "examples/ingress"], ["history", "--bogus"], ["conformance", "-o", "json"]]) {
    const r = await cli(args);
    assert.equal(r.code, 2, args.join(" "));
    assert.equal(r.out, "", args.join(" "));
    assert.match(r.err, new RegExp(`^junction ${args[0]}: give a subcommand \\([a-z0-9, -]+\\) before "${args[1]}"; run 'junction ${args[0]} --help' for the subcommands\n$`), args.join(" "));
  }
  assert.deepEqual(closest("expl", ["explain", "exposure", "list"]), ["explain"]);
  assert.equal(didYouMean("zzzzzz", ["list", "matrix"]), "");
});

test("junction alone prints the usage on stderr and exits 2; --help prints it on stdout and exits 0", async () => {
  const bare = await cli([]);
  assert.equal(bare.code, 2);
  assert.equal(bare.out, "");
  assert.match(bare.err, /Usage: junction COMMAND/);
  const help = await cli(["--help"]);
  assert.equal(help.code, 0);
  assert.match(help.out, /Usage: junction COMMAND/);
  assert.match(help.out, /70 an internal error/);
  const group = await cli(["lab"]);
  assert.equal(group.code, 2);
  assert.match(group.err, /Subcommands:/);
  assert.equal((await cli(["help", "list"])).code, 0);
  assert.match((await cli(["help", "convert", "ingress"])).out, /Usage: junction convert ingress/);
});

test("junction version, --version and version -o json|yaml; the version is package.json's", async () => {
  const pkg = JSON.parse(readFileSync("package.json", "utf8"));
  assert.equal(VERSION, pkg.version);
  for (const args of [["version"], ["--version"]]) {
    const r = await cli(args);
    assert.equal(r.code, 0);
    assert.match(r.out, new RegExp(`^junction ${VERSION}`));
  }
  assert.equal(JSON.parse((await cli(["version", "-o", "json"])).out).junction, VERSION);
  assert.equal(parse((await cli(["version", "-o", "yaml"])).out).junction, VERSION);
});

test("options as --x v or --x=v, before or after the command, give the same answer", async () => {
  const forms = [
    ["list", "-f", "examples/shop", "-o", "json"],
    ["list", "--file=examples/shop", "--output=json"],
    ["-o", "json", "list", "-f", "examples/shop"],
    ["--output=json", "--file", "examples/shop", "list"],
    ["-ojson", "list", "-fexamples/shop"],
  ];
  const outs = await Promise.all(forms.map((f) => cli(f)));
  for (const [i, r] of outs.entries()) {
    assert.equal(r.code, 0, `${forms[i].join(" ")}: ${r.err}`);
    assert.equal(r.out, outs[0].out, forms[i].join(" "));
  }
  const sub = await cli(["--name", "x", "lab", "--run-dir=/nonexistent-junction", "status", "--help"]);
  assert.equal(sub.code, 0, sub.err);
});

test("an unexpected exception is a bug: one line saying so and how to get the stack, exit 70 (EX_SOFTWARE)", async () => {
  const boom: Command = { name: "boom-test", summary: "throws", usage: "junction boom-test", options: {}, run() { throw new TypeError("x is undefined\nsecond line"); } };
  COMMANDS.push(boom);
  try {
    const r = await cli(["boom-test"]);
    assert.equal(r.code, EXIT.internal);
    assert.equal(r.code, 70);
    assert.ok(oneLine(r.err), r.err);
    assert.match(r.err, /^junction: internal error: x is undefined \(this is a bug in Junction; rerun with JUNCTION_DEBUG=1 for the stack\)$/m);
    process.env.JUNCTION_DEBUG = "1";
    const debug = await cli(["boom-test"]);
    assert.match(debug.err, /TypeError: x is undefined\n.*\n\s+at /);
  } finally {
    delete process.env.JUNCTION_DEBUG;
    COMMANDS.splice(COMMANDS.indexOf(boom), 1);
  }
});

test("terminal control characters in names, values and arguments never reach the terminal raw", async () => {
  assert.equal(escapeControls("a\u001b[2Jb\rc\u009bd\u202eé\tf\n"), "a\\u001b[2Jb\\u000dc\\u009bd\\u202eé\tf\n");
  const typo = await cli(["li\u001b[31mst"]);
  assert.doesNotMatch(typo.err, /\u001b/);
  assert.match(typo.err, /li\\u001b\[31mst/);
  const manifest = "apiVersion: v1\nkind: Namespace\nmetadata: {name: \"a\\e]0;pwned\\u0007\", labels: {x: \"\\e[2J\"}}\n";
  for (const args of [["validate", "-f", "-"], ["validate", "-f", "-", "-o", "json"], ["validate", "-f", "-", "-o", "yaml"], ["list", "-f", "-", "--lenient"]]) {
    const r = await cli(args, manifest);
    assert.doesNotMatch(r.out + r.err, /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/, args.join(" "));
    if (args.includes("json")) assert.equal(JSON.parse(r.out).valid, false, "the escapes keep JSON valid");
    if (args.includes("yaml")) assert.equal(parse(r.out).valid, false, "the escapes keep YAML valid");
  }
});

test("JSON is data: no key of any command's -o json holds a space or punctuation", async () => {
  const runs = [
    ["analyze", "-f", "examples/shop"], ["explain", "-f", "examples/shop", "--from", "monitoring/prometheus", "--to", "shop/api", "--port", "9090"],
    ["test", "-f", "examples/shop", "--expect", "examples/shop.expect.yaml"], ["matrix", "-f", "examples/shop"], ["list", "-f", "examples/shop"],
    ["validate", "-f", "examples/shop"], ["exposure", "-f", "examples/ingress"], ["status", "-f", "examples/gateway"],
    ["route", "-f", "examples/gateway", "--requests", "examples/gateway.requests.yaml"], ["convert", "ingress", "-f", "examples/ingress", "--verify"], ["version"],
  ];
  for (const args of runs) {
    const r = await cli([...args, "-o", "json", "-q"].filter((a) => a !== "-q" || args[0] !== "version"));
    assert.ok(r.code === 0 || r.code === 1, `${args.join(" ")}: ${r.err}`);
    const bad: string[] = [];
    const walk = (v: unknown): void => {
      if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) { if (!/^[A-Za-z0-9_.\/-]+$/.test(k)) bad.push(k); walk(x); }
    };
    // Kubernetes objects (status -o json) carry their own keys (labels, annotations): only our keys are checked.
    walk(args[0] === "status" ? JSON.parse(r.out).items.map((o: { status: unknown }) => o.status) : JSON.parse(r.out));
    assert.deepEqual(bad, [], args.join(" "));
  }
});

test("the same tier names in text and JSON: explain's [admin tier] is tier: admin", async () => {
  const args = ["explain", "-f", "examples/shop", "--from", "monitoring/prometheus", "--to", "shop/api", "--port", "9090"];
  const text = (await cli(args)).out;
  const json = JSON.parse((await cli([...args, "-o", "json"])).out);
  const tiers = json.pairs.flatMap((p: { egress: { tier?: string }; ingress: { tier?: string } }) => [p.egress.tier, p.ingress.tier]).filter(Boolean);
  assert.ok(tiers.length > 0);
  for (const t of tiers) assert.match(text, new RegExp(`\\[${t} tier\\]`));
});

test("an option name means the same kind of option in every command (so options can go before the command)", () => {
  const kinds = new Map<string, Set<string>>();
  for (const { cmd } of ALL) {
    for (const [name, spec] of Object.entries(cmd.options)) {
      for (const flag of [`--${name}`, ...(spec.short ? [`-${spec.short}`] : [])]) kinds.set(flag, (kinds.get(flag) ?? new Set()).add(spec.type));
    }
  }
  const mixed = [...kinds].filter(([, k]) => k.size > 1).map(([f]) => f);
  assert.deepEqual(mixed, [], "these flags take a value in one command and none in another");
});

test("kubectl's -R is accepted wherever -f is, and adds hidden subfolders (plain subfolders are always read)", async () => {
  for (const { words, cmd } of ALL) {
    if (!cmd.options.file) continue;
    assert.equal(cmd.options.recursive?.short, "R", `${words.join(" ")}: -f without -R`);
  }
  const t = tempFiles({ "ns.yaml": "apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n", "sub/ns.yaml": "apiVersion: v1\nkind: Namespace\nmetadata: {name: b}\n", ".sub/ns.yaml": "apiVersion: v1\nkind: Namespace\nmetadata: {name: c}\n" });
  try {
    const plain = await cli(["validate", "-f", t.dir, "-o", "json"]);
    const withR = await cli(["validate", "-R", "-f", t.dir, "-o", "json"]);
    assert.equal(plain.code, 0, plain.err);
    assert.equal(withR.code, 0, withR.err);
    assert.equal(JSON.parse(plain.out).counts.namespaces, 2);
    assert.equal(JSON.parse(withR.out).counts.namespaces, 3);
  } finally { t.cleanup(); }
});
