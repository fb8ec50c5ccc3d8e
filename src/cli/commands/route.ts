// junction route: where a request goes and what answers it: through a Gateway (listener, route, rule,
// backend) or, sent by a pod, through the mesh (the Service's GAMMA routes), with the L3/L4 hop to
// the endpoint and its authorization; and why.

import { readTextFile } from "../../sources/read.js";
import { checkExpectation } from "../../engine/gateway/expect.js";
import { requestProblem, walkRequest } from "../../engine/request.js";
import type { RouteRequest } from "../../model/request.js";
import { formatDiagnostic, type LineLookup } from "../../model/source.js";
import { parseRequestLine, readRequests, type RequestEntry } from "../../sources/requests.js";
import { renderJson, renderYaml } from "../../targets/data.js";
import { answerData, explainAnswer, type CheckedAnswer } from "../../targets/request.js";
import { explainResult, resultsTable } from "../../targets/route.js";
import { EXIT, InputError, UsageError, list, portArg, str, type Command, type Io, type Values } from "../command.js";
import { ENGINE_OPTIONS, INPUT_OPTIONS, loadAnalysis, outputOption } from "../inputs.js";
import { applyMeshOptions, MESH_OPTIONS } from "../mesh-options.js";
import type { Analysis } from "../analysis.js";

export const routeCommand: Command = {
  name: "route",
  summary: "Route a request through a Gateway, or from a pod through the mesh: the route, rule, backend and pod it reaches, whether the policies let it through, and why.",
  usage: "junction route -f PATH (--request 'METHOD URL' [-H 'name: value']... | --requests FILE) [--from NS/POD] [--gateway NS/NAME] [--port N] [-o table|json|yaml]",
  description: [
    "URL schemes: http, https, ws, wss (HTTPRoute), grpc, grpcs (GRPCRoute: grpc://host/pkg.Service/Method),",
    "tls (TLSRoute by SNI: tls://name:port), tcp, udp (TCPRoute, UDPRoute by listener port: tcp://:9000).",
    "With --from NS/POD the request is sent by that pod to what it dials (in-mesh, east-west): the host resolves",
    "as cluster DNS resolves it in the pod's namespace (svc, svc.ns, svc.ns.svc, svc.ns.svc.cluster.local, a cluster",
    "IP, or a pod IP, which bypasses Service routes); the routes whose parentRef is that Service apply (GAMMA:",
    "consumer routes of the client's namespace, else producer routes of the Service's; once a route is bound to",
    "the port, a request no rule matches gets 404); then the L3/L4 hop from the pod to the chosen endpoint is",
    "checked against every network policy tier (denied: connection rejected). Pods without a mesh proxy (when",
    "Istio or Linkerd injection is visible) bypass mesh routing. See docs/mesh.md.",
    "FILE is a YAML or JSON list of {gateway?, from?, port?, scheme?, host, path, method?, headers?, sni?, protocol?,",
    "clientCert?, grpc: {service, method}?, expect?}; an entry with `from` and without `gateway` is in-mesh; with both,",
    "`from` is the client of the Gateway (NS/POD or ip:ADDRESS: the address an Ingress class's source ranges read).",
    "-o json prints {\"results\": [...]} in the same order: each has status, backend, backends, upstream, redirect,",
    "responseHeaders, grpcCode, connection, the route and rule, and for the walk: client, entry, routeRole",
    "(producer|consumer), endpoint (the pod), network (the hop's verdict), authorization, decidedBy and layers.",
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
    from: { type: "string", arg: "NS/POD", description: "the pod (or ip:ADDRESS) that sends the request (in-mesh without --gateway: the host is what it dials)" },
    port: { type: "string", arg: "N", description: "the port the client connects to (default: from the URL or scheme)" },
    sni: { type: "string", arg: "NAME", description: "TLS server name (default: the URL host)" },
    ...ENGINE_OPTIONS,
    ...MESH_OPTIONS,
    ...outputOption(["table", "json", "yaml"], "table"),
  },
  examples: [
    "junction route -f examples/mesh --from shop/frontend --request 'GET http://catalog/items/42'",
    "junction route -f examples/gateway --request 'GET https://shop.example.com/cart?x=1' -H 'x-canary: true'",
    "junction route -f examples/gateway --requests examples/gateway.requests.yaml",
    "junction route -f manifests/ --request 'tls://db.example.com:5432'",
  ],
  run(values, _pos, io) {
    const entries = requestEntries(values, io);
    const a = loadAnalysis(values, io);
    applyMeshOptions(values, a.loaded.inventory);
    const results = routeResults(a, entries);
    print(str(values, "output"), entries.map((e) => e.request), results, values.requests !== undefined, a.lines, io);
    return results.every((r) => r.pass !== false) ? EXIT.ok : EXIT.failed;
  },
};

/** The walked requests of --request (with -H, --from, --gateway, --port, --sni) or --requests FILE, as -o json prints them. */
export function routeResult(a: Analysis, values: Values, io: Io): { results: Record<string, unknown>[] } {
  return { results: routeResults(a, requestEntries(values, io)).map((r) => answerData(r, a.lines)) };
}

export function routeResults(a: Analysis, entries: RequestEntry[], label = (i: number) => `request ${i + 1}`): CheckedAnswer[] {
  const ctx = a.walk;
  const problems = entries.flatMap((e, i) => { const p = requestProblem(ctx, e.request); return p ? [`${e.line ? `${e.ref.file}:${e.line}: ` : ""}${label(i)}${e.name ? ` (${e.name})` : ""}: ${p}`] : []; });
  if (problems.length) throw new InputError(problems.join("\n"));
  return entries.map((e) => {
    const r: CheckedAnswer = { ...(e.name ? { name: e.name } : {}), ...walkRequest(ctx, e.request) };
    if (e.expect) { r.mismatches = checkExpectation(e.expect, r); r.pass = r.mismatches.length === 0; }
    return r;
  });
}

function print(format: string | undefined, requests: RouteRequest[], results: CheckedAnswer[], many: boolean, lines: LineLookup, io: Io): void {
  if (format === "json") io.out(renderJson({ results: results.map((r) => answerData(r, lines)) }));
  else if (format === "yaml") io.out(renderYaml({ results: results.map((r) => answerData(r, lines)) }));
  else if (many) io.out(resultsTable(requests, results));
  else io.out(onlyRouted(results[0]) ? explainResult(requests[0], results[0]) : explainAnswer(requests[0], results[0], lines));
}

/** A request only the routing layer looked at (a Gateway whose pods are not in the input) prints as routing always did. */
const onlyRouted = (a: CheckedAnswer) => a.entry.kind === "gateway" && !a.client && !a.hop && !a.authorization.length;

function requestEntries(values: Values, io: Io): RequestEntry[] {
  const line = str(values, "request"), file = str(values, "requests");
  if (!line === !file) throw new UsageError("give one of --request 'METHOD URL' or --requests FILE");
  if (file) return fromFile(file, io);
  return [requestEntry(values, line!)];
}

/** The request of --request 'METHOD URL' with -H, --from, --gateway, --port, --sni. */
export function requestEntry(values: Values, line: string): RequestEntry {
  const parsed = parseRequestLine(line);
  if (typeof parsed === "string") throw new UsageError(parsed);
  for (const h of list(values, "header")) {
    const i = h.indexOf(":");
    if (i <= 0) throw new UsageError(`-H ${JSON.stringify(h)}: write 'name: value'`);
    parsed.headers.push([h.slice(0, i).trim(), h.slice(i + 1).trim()]);
  }
  const port = portArg(values, "port");
  if (typeof port === "string") throw new UsageError("--port must be a number");
  Object.assign(parsed, { gateway: str(values, "gateway"), from: str(values, "from"), ...(port ? { port } : {}), ...(str(values, "sni") ? { sni: str(values, "sni") } : {}) });
  return { request: parsed, ref: { file: "--request", doc: 0, path: [] } };
}

function fromFile(path: string, io: Io): RequestEntry[] {
  let text: string;
  try { text = path === "-" ? io.stdin() : readTextFile(path); } catch (e) { throw new InputError(path === "-" ? `stdin: ${(e as Error).message}` : (e as Error).message); }
  const parsed = readRequests({ name: path, text });
  for (const d of parsed.diagnostics.items.filter((d) => d.severity === "warning")) io.err(`warning: ${formatDiagnostic(d)}\n`);
  if (parsed.diagnostics.hasErrors) throw new InputError(parsed.diagnostics.errors.map(formatDiagnostic).join("\n"));
  return parsed.entries;
}
