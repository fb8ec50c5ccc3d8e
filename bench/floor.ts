// The floor the end-to-end figures are compared with, in a process of its own like the CLI run:
// read every file of a folder and parse it — JSON.parse for a JSON dump, the YAML reader Junction
// uses (readDocuments: the fast block reader, the `yaml` library for the rest) for a YAML dump.
// Usage: node floor.js STATSFILE DIR json|yaml

import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { readDocuments } from "../src/sources/documents.js";
import { Diagnostics } from "../src/model/source.js";

const [stats, dir, format] = process.argv.slice(2);
let values = 0;
for (const f of readdirSync(dir, { recursive: true }).map(String).sort()) {
  const path = join(dir, f);
  if (!statSync(path).isFile()) continue;
  const text = readFileSync(path, "utf8");
  if (format === "json") values += JSON.parse(text) ? 1 : 0;
  else values += readDocuments({ name: path, root: dir, text }, new Diagnostics()).length;
}
const u = process.resourceUsage();
writeFileSync(stats, JSON.stringify({ maxRSS: u.maxRSS * 1024, cpuMs: (u.userCPUTime + u.systemCPUTime) / 1000, values }));
