// Connectivity assertions files (for `junction test` and `junction lab probe`): a YAML or JSON
// list of flow assertions {from, to, port, protocol, expect: allow|deny} and request assertions
// {from, request: "METHOD URL", headers?, expect: allow|deny|STATUS} (`junction test` only).

import { Diagnostics, numberListItem, type SourceRef } from "../model/source.js";
import type { Protocol } from "../model/ports.js";
import { Field, ObjectContext } from "./fields.js";
import { Locator } from "./locate.js";
import { readProtocol } from "./k8s.js";
import type { InputFile } from "./read.js";
import { readDocuments } from "./documents.js";
import { parseRequestLine } from "./requests.js";
import { isObject } from "./schema/structural.js";
import type { RouteRequest } from "../model/request.js";

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
  /** Its number in the file (from 1), among flow and request assertions. */
  position?: number;
}

/** A request sent by `from` (as `junction route --from` sends it), and what must become of it. */
export interface RequestExpectation {
  from: string;
  request: RouteRequest;
  /** allow: the backend answers; deny: some layer refuses or denies it; a number: that HTTP status. */
  expect: "allow" | "deny" | number;
  name?: string;
  ref: SourceRef;
  /** Its number in the file (from 1), among flow and request assertions. */
  position: number;
}

export interface ExpectationsFile {
  expectations: Expectation[];
  requests: RequestExpectation[];
  diagnostics: Diagnostics;
  locator: Locator;
}

export function readExpectations(file: InputFile): ExpectationsFile {
  const diags = new Diagnostics();
  const locator = new Locator([file]);
  const expectations: Expectation[] = [];
  const requests: RequestExpectation[] = [];
  const root: SourceRef = { file: file.name, doc: 0, path: [] };
  // Read as kubectl reads YAML/JSON (YAML 1.1, alias limits, duplicate keys refused).
  const value = readDocuments(file, diags)[0] ?? null;
  if (diags.hasErrors) return { expectations, requests, diagnostics: diags, locator };
  if (value === null) { diags.error("required", "no expectations: the file is empty (write a list: - {from: NS/NAME, to: NS/NAME, port: 80, expect: allow})", root); return { expectations, requests, diagnostics: diags, locator }; }
  const ctx = new ObjectContext(root, diags, "expectations", value);
  const items = Field.root(ctx, value).list({ required: true }) ?? [];
  for (const [i, item] of items.entries()) {
    if (!item.object(true)) continue;
    if (item.get("request").present) { const r = readRequestAssertion(item, root, i + 1); if (r) requests.push(r); continue; }
    // A misspelt key (`protcol: UDP`) would leave the assertion checking something else and pass.
    item.onlyKeys(FLOW_KEYS, "a flow assertion");
    const from = endpointField(item.get("from"));
    const to = endpointField(item.get("to"));
    const portField = item.get("port");
    const v = portField.value;
    const port = typeof v === "string" ? (/^\d+$/.test(v) ? Number(v) : v) : portField.int({ required: true, min: 1, max: 65535 });
    const protocol = item.get("protocol").present ? readProtocol(item.get("protocol")) : undefined;
    const expect = item.get("expect").string({ required: true, oneOf: ["allow", "deny"] }) as "allow" | "deny" | undefined;
    const name = item.get("name").string();
    if (from && to && port !== undefined && expect) expectations.push({ from, to, port, protocol, expect, name, ref: { ...root, path: item.path }, position: i + 1 });
  }
  locator.resolve(diags.items);
  for (const d of diags.items) numberListItem(d, [], "assertion");
  for (const x of expectations) x.line = locator.lineOf(x.ref);
  return { expectations, requests, diagnostics: diags, locator };
}

const FLOW_KEYS = ["from", "to", "port", "protocol", "expect", "name"];
const REQUEST_KEYS = ["from", "request", "headers", "expect", "name"];

function readRequestAssertion(item: Field, root: SourceRef, position: number): RequestExpectation | undefined {
  item.onlyKeys(REQUEST_KEYS, "a request assertion");
  const from = item.get("from").string({ required: true, nonEmpty: true });
  const line = item.get("request").string({ required: true, nonEmpty: true });
  const parsed = line === undefined ? undefined : parseRequestLine(line);
  if (typeof parsed === "string") item.get("request").error("invalid", parsed);
  const headers: [string, string][] = [];
  for (const name of item.get("headers").keys()) { const v = item.get("headers").get(name).string({ required: true }); if (v !== undefined) headers.push([name, v]); }
  const e = item.get("expect");
  const expect = typeof e.value === "number" ? e.int({ min: 100, max: 599 }) : e.string({ required: true, oneOf: ["allow", "deny"] }) as "allow" | "deny" | undefined;
  if (!from || !parsed || typeof parsed === "string" || expect === undefined) return undefined;
  return { from, request: { ...parsed, headers: [...parsed.headers, ...headers] }, expect, name: item.get("name").string(), ref: { ...root, path: item.path }, position };
}


/** An endpoint written as a string, or {ip: ADDRESS} as the conformance corpus writes external peers. */
function endpointField(f: Field): string | undefined {
  if (isObject(f.value)) {
    const ip = f.get("ip").string({ required: true });
    return ip === undefined ? undefined : `ip:${ip}`;
  }
  return f.string({ required: true, nonEmpty: true });
}
