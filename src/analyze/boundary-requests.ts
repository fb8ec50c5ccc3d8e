// Requests at the boundaries of the policies' request rules, for --verify of a translation that
// decides requests (compile --target istio|cilium): to one pod of every workload a policy selects
// (through a Service that selects it, on each of its TCP ports, else its address and each declared
// TCP port), from one pod of every namespace and service
// account (for egress request rules: from one pod of every workload the policy selects, to one pod of
// every workload), with each method the rules name and one they do not, and each path at and just beyond
// each value (an exact path and one character more; a prefix, one segment below it and one
// character beyond it; a template filled in and with one segment more; with a query string; under
// a dot segment), with and without each header.

import type { Endpoint } from "../model/endpoint.js";
import type { Inventory } from "../model/inventory.js";
import type { Clause, StringMatch } from "../model/l7.js";
import { requestRulesOf, type EndpointSelector } from "../model/policy.js";
import type { RouteRequest } from "../model/request.js";
import { matches, selector } from "../model/selector.js";
import { formatAddress } from "../model/ip.js";
import { workloadOf } from "../model/service-endpoints.js";

/** At most this many requests per server, so that --verify stays quick on large inputs. */
const MAX_PER_SERVER = 4000;
const UNNAMED_METHOD = "PATCH";

interface Facets { methods: Set<string>; paths: Set<string>; headers: [string, string][] }

export function boundaryRequests(inv: Inventory, selects: (s: EndpointSelector, e: Endpoint) => boolean): RouteRequest[] {
  // Pods of controller templates (no address yet) count: they are dialled through their Services.
  const pods = inv.endpoints.filter((e) => e.kind === "pod" && !e.hostNetwork);
  const clients = onePer(pods, (e) => `${e.namespace}/${e.serviceAccount ?? "default"}`);
  const out = new Map<string, RouteRequest>();
  const byWorkload = (e: Endpoint) => `${e.namespace}/${workloadOf(e)}`;
  const ask = (servers: readonly Endpoint[], from: readonly Endpoint[], f: Facets) => {
    for (const server of servers) {
      const dials = dialled(inv, server);
      const per = Math.ceil(MAX_PER_SERVER / Math.max(1, dials.length));
      for (const dial of dials) for (const r of requestsTo({ ...dial, pod: server }, from, f).slice(0, per)) out.set(JSON.stringify(r), r);
    }
  };
  for (const p of inv.policies) {
    const rules = requestRulesOf(p, "ingress");
    if (rules) ask(onePer(pods.filter((e) => selects(p.subject, e)), byWorkload), clients, facets(rules.flatMap((r) => r.http ?? [])));
    // Egress request rules decide at the client: from one pod of each workload the policy selects, to every workload.
    const egress = requestRulesOf(p, "egress");
    if (egress?.some((r) => r.http)) ask(onePer(pods, byWorkload), onePer(pods.filter((e) => selects(p.subject, e)), byWorkload), facets(egress.flatMap((r) => r.http ?? [])));
  }
  return [...out.values()];
}

function onePer(pods: readonly Endpoint[], key: (e: Endpoint) => string): Endpoint[] {
  const seen = new Map<string, Endpoint>();
  for (const e of pods) if (!seen.has(key(e))) seen.set(key(e), e);
  return [...seen.values()];
}

/**
 * What a client dials to reach the pod: a Service selecting it (each of its TCP ports: a rule may
 * name one port), else the pod's address and each TCP port it declares.
 */
function dialled(inv: Inventory, pod: Endpoint): { host: string; port: number }[] {
  const svc = inv.services.find((s) => s.selector && s.namespace === pod.namespace && Object.keys(s.selector).length && matches(selector(s.selector), pod.labels) && s.ports.some((p) => p.protocol === "TCP"));
  if (svc) return svc.ports.filter((p) => p.protocol === "TCP").map((p) => ({ host: `${svc.name}.${svc.namespace}`, port: p.port }));
  if (!pod.addresses.length) return [];
  return pod.ports.filter((p) => p.protocol === "TCP").map((p) => ({ host: formatAddress(pod.addresses[0]), port: p.port }));
}

function facets(clauses: readonly Clause[]): Facets {
  const f: Facets = { methods: new Set(["GET", UNNAMED_METHOD]), paths: new Set(["/"]), headers: [] };
  for (const c of clauses.flat()) {
    if (!("values" in c)) continue;
    if (c.attribute === "request.method") for (const v of c.values) if (v.kind === "exact") f.methods.add(v.value);
    if (c.attribute === "request.path" || c.attribute === "request.cleanPath") for (const v of c.values) for (const p of pathsAround(v)) f.paths.add(p);
    // One value per header name: a repeated header reads differently per proxy (Envoy joins it, Linkerd takes any value).
    if (c.attribute === "request.header" && c.name && !f.headers.some(([n]) => n.toLowerCase() === c.name!.toLowerCase())) f.headers.push([c.name, c.values.find((v) => v.kind === "exact")?.value ?? "x"]);
  }
  return f;
}

/**
 * Paths at and beyond a value, and the value with a query string (the common API and Istio match a
 * path without it, Cilium with it) and below a dot segment that leaves it (a matcher of the raw path
 * must not read /api/../x as under /api).
 */
function pathsAround(m: StringMatch): string[] {
  switch (m.kind) {
    case "exact": return [m.value, `${m.value}x`, `${m.value}?q=1`];
    case "prefix": return [m.value, `${m.value}x`, m.value.slice(0, -1) || "/"];
    case "segments": {
      const b = m.value.replace(/\/+$/, "");
      return b ? [b, `${b}/x`, `${b}x`, `${b}/x?q=/y`, `${b}/../x`] : ["/", "/x", "/x?q=/y", "/x/../y"];
    }
    case "template": { const t = m.template.replaceAll("{**}", "x/y").replaceAll("{*}", "x"); return [t, `${t}/z`, t.replace(/\/[^/]*$/, "") || "/", `${t}?q=1`]; }
    default: return [];
  }
}

function requestsTo(target: { host: string; port: number; pod: Endpoint }, clients: readonly Endpoint[], f: Facets): RouteRequest[] {
  const headerSets: [string, string][][] = [[], ...f.headers.map((h) => [h]), ...(f.headers.length > 1 ? [f.headers] : [])];
  const out: RouteRequest[] = [];
  // A pod's requests to itself are left out: policy never filters them, Istio's sidecar does (docs/mesh.md).
  for (const c of clients.filter((e) => e !== target.pod)) for (const method of f.methods) for (const path of f.paths) for (const headers of headerSets) {
    out.push({ from: `${c.namespace}/${c.name}`, port: target.port, scheme: "http", host: target.host, path, method, headers: [...headers], backendResponseHeaders: [] });
  }
  return out;
}
