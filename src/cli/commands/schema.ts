// junction schema: JSON Schemas of the common API, for editors (yaml-language-server) and CI.

import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { outputFolder, writeFile } from "../outputs.js";
import { renderJson } from "../../targets/data.js";
import { SCHEMAS, schemaFor } from "../../targets/schema.js";
import { EXIT, InputError, UsageError, str, type Command } from "../command.js";

export const schemaCommand: Command = {
  name: "schema",
  summary: "Print or write the JSON Schemas of the common API (TrafficPolicy, Workload, Network, Cluster) for editors.",
  usage: "junction schema [KIND] [-o DIR] [--force]",
  description: [
    `KIND is one of ${Object.keys(SCHEMAS).join(", ")}; without it, one schema for any common-API object (chosen by kind).`,
    "With -o DIR, every schema is written to DIR (all.json and one file per kind); an existing file with other",
    "content is left alone unless --force. Point yaml-language-server at one with a modeline:",
    "  # yaml-language-server: $schema=schemas/all.json",
  ].join("\n"),
  options: {
    "output-dir": { type: "string", short: "o", arg: "DIR", description: "write the schema files into DIR instead of printing one" },
    force: { type: "boolean", description: "overwrite schema files in DIR that differ" },
  },
  positionals: { min: 0, max: 1, name: "KIND" },
  examples: ["junction schema TrafficPolicy", "junction schema -o \"$out/schemas\""],
  run(values, positionals, io) {
    const kind = positionals[0] && Object.keys(SCHEMAS).find((k) => k.toLowerCase() === positionals[0].toLowerCase());
    if (positionals[0] && !kind) throw new UsageError(`unknown kind ${JSON.stringify(positionals[0])} (one of ${Object.keys(SCHEMAS).join(", ")})`);
    const dir = str(values, "output-dir");
    if (!dir) { io.out(renderJson(schemaFor(kind || undefined))); return EXIT.ok; }
    const files: [string, string][] = [["all.json", renderJson(schemaFor())], ...Object.keys(SCHEMAS).map((k): [string, string] => [`${k.toLowerCase()}.json`, renderJson(schemaFor(k))])];
    const target = outputFolder("-o", dir, io.cwd);
    const differs = (p: string, text: string) => existsSync(p) && (statSync(p).isDirectory() || readFileSync(p, "utf8") !== text);
    const clash = files.filter(([f, text]) => differs(join(target, f), text)).map(([f]) => join(dir, f));
    if (clash.length && values.force !== true) throw new InputError(`not overwriting ${clash.join(", ")} (they differ; use --force)`);
    for (const [f, text] of files) writeFile("-o", join(dir, f), join(target, f), text);
    io.err(`wrote ${files.map(([f]) => join(dir, f)).join(", ")}\n`);
    return EXIT.ok;
  },
};
