// Connectivity assertions files (for `junction test` and `junction lab probe`): a YAML or JSON
// list of {from, to, port, protocol, expect: allow|deny}.

import { Diagnostics, formatPath, type Diagnostic, type SourceRef } from "../model/source.js";
import type { Protocol } from "../model/ports.js";
import { Field, ObjectContext } from "./fields.js";
import { Locator } from "./locate.js";
import { readProtocol } from "./k8s.js";
import type { InputFile } from "./read.js";
import { readDocuments } from "./documents.js";

export interface Expectation {
  from: string;
  to: string;
  port: number | string;
  protocol?: Protocol;
  expect: "allow" | "deny";
  /** Optional label shown in reports. */
  name?: string;
  ref: SourceRef;
  /** The assertion's line in its file. */
  line?: number;
}

export interface ExpectationsFile {
  expectations: Expectation[];
  diagnostics: Diagnostics;
  locator: Locator;
}

export function readExpectations(file: InputFile): ExpectationsFile {
  const diags = new Diagnostics();
  const locator = new Locator([file]);
  const expectations: Expectation[] = [];
  const root: SourceRef = { file: file.name, doc: 0, path: [] };
  // Read as kubectl reads YAML/JSON (YAML 1.1, alias limits, duplicate keys refused).
  const value = readDocuments(file, diags)[0] ?? null;
  if (diags.hasErrors) return { expectations, diagnostics: diags, locator };
  const ctx = new ObjectContext(root, diags, "expectations", value);
  const items = Field.root(ctx, value).list({ required: true }) ?? [];
  for (const item of items) {
    if (!item.object(true)) continue;
    const from = endpointField(item.get("from"));
    const to = endpointField(item.get("to"));
    const portField = item.get("port");
    const v = portField.value;
    const port = typeof v === "string" ? (/^\d+$/.test(v) ? Number(v) : v) : portField.int({ required: true, min: 1, max: 65535 });
    const protocol = item.get("protocol").present ? readProtocol(item.get("protocol")) : undefined;
    const expect = item.get("expect").string({ required: true, oneOf: ["allow", "deny"] }) as "allow" | "deny" | undefined;
    const name = item.get("name").string();
    if (from && to && port !== undefined && expect) expectations.push({ from, to, port, protocol, expect, name, ref: { ...root, path: item.path } });
  }
  locator.resolve(diags.items);
  for (const d of diags.items) numberAssertion(d);
  for (const x of expectations) x.line = locator.lineOf(x.ref);
  return { expectations, diagnostics: diags, locator };
}

/** "expect.yaml:7: assertion 2, port: ..." rather than the 0-based field path [1].port. */
function numberAssertion(d: Diagnostic): void {
  const [i, ...rest] = d.field ?? [];
  if (typeof i !== "number") return;
  d.message = `assertion ${i + 1}${rest.length ? `, ${formatPath(rest)}` : ""}: ${d.message}`;
  d.field = [];
}

/** An endpoint written as a string, or {ip: ADDRESS} as the conformance corpus writes external peers. */
function endpointField(f: Field): string | undefined {
  if (f.value !== null && typeof f.value === "object" && !Array.isArray(f.value)) {
    const ip = f.get("ip").string({ required: true });
    return ip === undefined ? undefined : `ip:${ip}`;
  }
  return f.string({ required: true, nonEmpty: true });
}
