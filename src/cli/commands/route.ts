// junction route: which listener, route, rule and backend a request reaches through a Gateway, and why.

import { readTextFile } from "../../sources/read.js";
import { checkExpectation } from "../../engine/gateway/expect.js";
import { gatewayFor, routeRequest } from "../../engine/gateway/route.js";
import type { RouteRequest } from "../../model/request.js";
import { formatDiagnostic } from "../../model/source.js";
import { parseRequestLine, readRequests, type RequestEntry } from "../../sources/requests.js";
import { renderJson, renderYaml } from "../../targets/data.js";
import { explainResult, resultsTable, type CheckedResult } from "../../targets/route.js";
import { EXIT, InputError, UsageError, list, portArg, str, type Command, type Io, type Values } from "../command.js";
import { INPUT_OPTIONS, loadAnalysis, outputOption } from "../inputs.js";
import type { Analysis } from "../analysis.js";

export const routeCommand: Command = {
  name: "route",
  summary: "Route a request through a Gateway: the listener, route, rule and backends it reaches, and why.",
  usage: "junction route -f PATH (--request 'METHOD URL' [-H 'name: value']... | --requests FILE) [--gateway NS/NAME] [--port N] [-o table|json|yaml]",
  description: [
    "URL schemes: http, https, ws, wss (HTTPRoute), grpc, grpcs (GRPCRoute: grpc://host/pkg.Service/Method),",
    "tls (TLSRoute by SNI: tls://name:port), tcp, udp (TCPRoute, UDPRoute by listener port: tcp://:9000).",
    "FILE is a YAML or JSON list of {gateway?, port?, scheme?, host, path, method?, headers?, sni?, protocol?,",
    "clientCert?, grpc: {service, method}?, expect?}; -o json prints {\"results\": [...]} in the same order.",
    "expect may set status, backend, connection (rejected|failed), grpcCode, redirect, upstream, responseHeaders,",
    "mirroredTo. Backends answer 200 at once unless the path carries the conformance echo server's",
    "delay/responseCode/succeedAfter/delayRetry parameters (to explore retries and timeouts).",
    "Exit status: 0 when every expectation holds (or none is given), 1 when one does not, 2 on invalid input.",
  ].join("\n"),
  options: {
    ...INPUT_OPTIONS,
    request: { type: "string", short: "r", arg: "REQUEST", description: "one request: \"GET http://host/path?query\" (method optional)" },
    header: { type: "string", short: "H", multiple: true, arg: "'NAME: VALUE'", description: "request header; repeatable" },
    requests: { type: "string", arg: "FILE", description: "requests file (YAML or JSON list); - for stdin" },
    gateway: { type: "string", arg: "NS/NAME", description: "the Gateway that receives the request (default: the one listening on the port)" },
    port: { type: "string", arg: "N", description: "the listener port the client connects to (default: from the URL or scheme)" },
    sni: { type: "string", arg: "NAME", description: "TLS server name (default: the URL host)" },
    ...outputOption(["table", "json", "yaml"], "table"),
  },
  examples: [
    "junction route -f examples/gateway --request 'GET https://shop.example.com/cart?x=1' -H 'x-canary: true'",
    "junction route -f examples/gateway --requests examples/gateway.requests.yaml",
    "junction route -f manifests/ --request 'tls://db.example.com:5432'",
  ],
  run(values, _pos, io) {
    const entries = requestEntries(values, io);
    const results = routeResults(loadAnalysis(values, io), entries);
    print(str(values, "output"), entries.map((e) => e.request), results, values.requests !== undefined, io);
    return results.every((r) => r.pass !== false) ? EXIT.ok : EXIT.failed;
  },
};

/** The routed requests of --request (with -H, --gateway, --port, --sni) or --requests FILE. */
export function routeResult(a: Analysis, values: Values, io: Io): { results: CheckedResult[] } {
  return { results: routeResults(a, requestEntries(values, io)) };
}

function routeResults(a: Analysis, entries: RequestEntry[]): CheckedResult[] {
  const engine = a.gateways;
  const problems = entries.flatMap((e, i) => { const g = gatewayFor(engine, e.request); return typeof g === "string" ? [`${e.line ? `${e.ref.file}:${e.line}: ` : ""}request ${i + 1}${e.name ? ` (${e.name})` : ""}: ${g}`] : []; });
  if (problems.length) throw new InputError(problems.join("\n"));
  return entries.map((e) => {
    const r: CheckedResult = { ...(e.name ? { name: e.name } : {}), ...routeRequest(engine, e.request) };
    if (e.expect) { r.mismatches = checkExpectation(e.expect, r); r.pass = r.mismatches.length === 0; }
    return r;
  });
}

function print(format: string | undefined, requests: RouteRequest[], results: CheckedResult[], many: boolean, io: Io): void {
  if (format === "json") io.out(renderJson({ results }));
  else if (format === "yaml") io.out(renderYaml({ results }));
  else if (many) io.out(resultsTable(requests, results));
  else io.out(explainResult(requests[0], results[0]));
}

function requestEntries(values: Values, io: Io): RequestEntry[] {
  const line = str(values, "request"), file = str(values, "requests");
  if (!line === !file) throw new UsageError("give one of --request 'METHOD URL' or --requests FILE");
  if (file) return fromFile(file, io);
  const parsed = parseRequestLine(line!);
  if (typeof parsed === "string") throw new UsageError(parsed);
  for (const h of list(values, "header")) {
    const i = h.indexOf(":");
    if (i <= 0) throw new UsageError(`-H ${JSON.stringify(h)}: write 'name: value'`);
    parsed.headers.push([h.slice(0, i).trim(), h.slice(i + 1).trim()]);
  }
  const port = portArg(values, "port");
  if (typeof port === "string") throw new UsageError("--port must be a number");
  Object.assign(parsed, { gateway: str(values, "gateway"), ...(port ? { port } : {}), ...(str(values, "sni") ? { sni: str(values, "sni") } : {}) });
  return [{ request: parsed, ref: { file: "--request", doc: 0, path: [] } }];
}

function fromFile(path: string, io: Io): RequestEntry[] {
  let text: string;
  try { text = path === "-" ? io.stdin() : readTextFile(path); } catch (e) { throw new InputError(path === "-" ? `stdin: ${(e as Error).message}` : (e as Error).message); }
  const parsed = readRequests({ name: path, text });
  for (const d of parsed.diagnostics.items.filter((d) => d.severity === "warning")) io.err(`warning: ${formatDiagnostic(d)}\n`);
  if (parsed.diagnostics.hasErrors) throw new InputError(parsed.diagnostics.errors.map(formatDiagnostic).join("\n"));
  return parsed.entries;
}
