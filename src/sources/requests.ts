// Requests for `junction route`: a YAML or JSON list of {gateway?, from?, port?, scheme?, host, path,
// method?, headers?, sni?, protocol?, clientCert?, grpc?, expect?} (the format of the Gateway API
// conformance corpus; `from` without `gateway` is an in-mesh request), and the one-line form "GET http://host/path".

import { usesTls, type RouteRequest, type Scheme } from "../model/request.js";
import { Diagnostics, numberListItem, type SourceRef } from "../model/source.js";
import { Field, ObjectContext } from "./fields.js";
import { Locator } from "./locate.js";
import type { InputFile } from "./read.js";
import { readDocuments } from "./documents.js";
import { isObject } from "./schema/structural.js";
import { EXPECT_KEYS } from "../engine/gateway/expect.js";

export interface RequestEntry {
  request: RouteRequest;
  name?: string;
  /** What the answer must be, as written (checked by the engine's expectation checker). */
  expect?: Record<string, unknown>;
  ref: SourceRef;
  /** The request's line in its file. */
  line?: number;
}

/** Schemes accepted beyond the request schemes (request line and files): gRPC over h2c and over TLS. */
const GRPC_SCHEMES: Record<string, Scheme> = { grpc: "http", grpcs: "https" };

const SCHEMES: readonly Scheme[] = ["http", "https", "ws", "wss", "tls", "tcp", "udp"];
const KNOWN = ["gateway", "from", "port", "scheme", "host", "path", "method", "headers", "sni", "protocol", "clientCert", "grpc", "backendSetResponseHeaders", "backendResponseHeaders", "expect", "name",
  // Accepted for compatibility with the conformance corpus; a single answer makes them moot.
  "samples", "unfollowRedirect", "dnsQuery"];

function headerList(f: Field): [string, string][] {
  const out: [string, string][] = [];
  for (const name of f.keys()) {
    const v = f.get(name);
    if (Array.isArray(v.value)) for (const item of v.list() ?? []) { const s = item.string({ required: true }); if (s !== undefined) out.push([name, s]); }
    else { const s = v.string({ required: true }); if (s !== undefined) out.push([name, s]); }
  }
  return out;
}

function readEntry(f: Field, ref: SourceRef): RequestEntry | undefined {
  if (!f.object(true)) return undefined;
  for (const k of f.keys()) if (!KNOWN.includes(k)) f.get(k).warn("unknown-field", `unknown field ${JSON.stringify(k)} is ignored`);
  const grpc = f.get("grpc");
  const service = grpc.object() ? grpc.get("service").string({ required: true }) : undefined;
  const method = grpc.object() ? grpc.get("method").string({ required: true }) : undefined;
  const pathField = f.get("path");
  const path = pathField.string() ?? (service && method ? `/${service}/${method}` : "/");
  if (!path.startsWith("/")) pathField.error("invalid-path", "must start with '/'");
  const written = f.get("scheme").string({ oneOf: [...SCHEMES, ...Object.keys(GRPC_SCHEMES)] }) ?? "http";
  const scheme = GRPC_SCHEMES[written] ?? written as Scheme;
  const grpcScheme = GRPC_SCHEMES[written] !== undefined;
  if ((scheme === "tcp" || scheme === "udp") && !f.get("port").present) f.get("port").error("required", `a ${scheme} request needs the listener port`);
  const expectField = f.get("expect");
  const expect = expectField.object() ? expectField.value as Record<string, unknown> : undefined;
  // An expectation key the checker does not know would be checked by nobody: the request would pass.
  for (const k of expect ? expectField.keys() : []) if (!EXPECT_KEYS.includes(k)) expectField.get(k).error("unknown-field", `unknown field ${JSON.stringify(k)}: it would not be checked (expect has ${EXPECT_KEYS.join(", ")})`);
  const request: RouteRequest = {
    gateway: f.get("gateway").string({ nonEmpty: true }), from: f.get("from").string({ nonEmpty: true }), port: f.get("port").int({ min: 1, max: 65535 }), scheme,
    host: f.get("host").string(), path, method: f.get("method").string({ nonEmpty: true }) ?? (grpc.present || grpcScheme ? "POST" : "GET"),
    headers: headerList(f.get("headers")), sni: f.get("sni").string(), protocol: f.get("protocol").string() ?? (grpc.present || grpcScheme ? "grpc" : undefined),
    clientCert: f.get("clientCert").string(),
    backendResponseHeaders: headerList(f.get(f.get("backendResponseHeaders").present ? "backendResponseHeaders" : "backendSetResponseHeaders")),
  };
  return { request, name: f.get("name").string(), expect, ref: { ...ref, path: f.path } };
}

export function readRequests(file: InputFile): { entries: RequestEntry[]; diagnostics: Diagnostics; locator: Locator } {
  const diags = new Diagnostics();
  const locator = new Locator([file]);
  const root: SourceRef = { file: file.name, doc: 0, path: [] };
  // Read as kubectl reads YAML/JSON (YAML 1.1, alias limits, duplicate keys refused).
  const value = readDocuments(file, diags)[0] ?? null;
  if (diags.hasErrors) return { entries: [], diagnostics: diags, locator };
  if (value === null) { diags.error("required", "no requests: the file is empty (write a list of requests, or {requests: [...]})", root); return { entries: [], diagnostics: diags, locator }; }
  const ctx = new ObjectContext(root, diags, "requests", value);
  const top = Field.root(ctx, value);
  const wrapped = isObject(top.value);
  const items = (wrapped ? top.get("requests") : top).list({ required: true }) ?? [];
  const entries = items.map((i) => readEntry(i, root)).filter((e): e is RequestEntry => e !== undefined);
  locator.resolve(diags.items);
  for (const d of diags.items) numberListItem(d, wrapped ? ["requests"] : [], "request");
  for (const e of entries) e.line = locator.lineOf(e.ref);
  return { entries, diagnostics: diags, locator };
}

/**
 * "GET https://shop.example.com:8443/cart?x=1" (method optional), "grpc://host/pkg.Service/Method",
 * "tls://db.example.com:5432", "tcp://:9000" → a request; an error message when it does not parse.
 */
export function parseRequestLine(line: string): RouteRequest | string {
  const m = /^\s*(?:([A-Z]+)\s+)?(\S+)\s*$/.exec(line);
  if (!m) return `${JSON.stringify(line)} is not a request: write "METHOD URL", e.g. "GET http://shop.example.com/cart"`;
  let url: URL;
  try { url = new URL(m[2].replace(/^(tcp|udp|tls):\/\/:/, "$1://0.0.0.0:")); } catch { return `${JSON.stringify(m[2])} is not a URL (e.g. http://shop.example.com/cart, grpc://api.example.com/pkg.Service/Method, tls://db.example.com:5432, tcp://:9000)`; }
  const written = url.protocol.slice(0, -1);
  const grpc = GRPC_SCHEMES[written];
  const scheme = (grpc ?? written) as Scheme;
  if (!SCHEMES.includes(scheme)) return `scheme ${written} is not one of ${[...SCHEMES, ...Object.keys(GRPC_SCHEMES)].join(", ")}`;
  if ((scheme === "tcp" || scheme === "udp") && !url.port) return `${m[2]}: a ${scheme} request needs the listener port (e.g. ${scheme}://:9000)`;
  const host = url.hostname === "0.0.0.0" ? undefined : url.host || undefined;
  return {
    scheme, port: url.port ? Number(url.port) : undefined, host, path: `${url.pathname || "/"}${url.search}`,
    method: m[1] ?? (grpc ? "POST" : "GET"), headers: [], backendResponseHeaders: [], protocol: grpc ? "grpc" : undefined,
    sni: usesTls(scheme) && host ? url.hostname : undefined,
  };
}
