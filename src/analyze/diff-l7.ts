// The L7 section of a diff: which requests pass between two workloads, before and after. Requests
// are derived from every request condition of both versions (Istio AuthorizationPolicy operations
// and `when` conditions, Linkerd route matches, the HTTP rules of Cilium, Calico and common-API
// policies): per clause one request with the method, path, host, headers, query and port it names
// (negated values too: they mark where a rule stops applying), plus "GET /". Each is sent from one
// pod of every workload to one pod of every other workload whose L3/L4 connection both versions
// allow (a change there is the connectivity section's), on the port the clause names or each TCP port
// the server declares, and asked of each version's L7 authorizers (the request walk's: transport,
// network policies' HTTP rules, the server's mesh proxy). Requests that pass in one version and not
// in the other are reported: "added" (the request passes now), "removed" (it no longer does).

import type { Endpoint } from "../model/endpoint.js";
import type { Inventory } from "../model/inventory.js";
import type { Clause, Condition, StringMatch } from "../model/l7.js";
import type { AuthorizationDecision, AuthorizationRequest } from "../engine/authorizer.js";
import { peerOf } from "../engine/walk/peers.js";
import type { PolicyEngine } from "../engine/verdict.js";
import type { WalkContext } from "../engine/request.js";
import { workloadPeers } from "./connlist.js";
import type { DiffType } from "./diff.js";

const REQUEST_ATTRIBUTES: ReadonlySet<string> = new Set(["request.method", "request.path", "request.url", "request.cleanPath", "request.host", "request.header", "request.query"]);

export interface L7Diff {
  type: DiffType;
  src: string;
  dst: string;
  /** "GET /admin :8080" (with the headers it carries). */
  request: string;
  /** The rule it was derived from. */
  from: string;
  old: string;
  new: string;
}

interface DerivedRequest {
  method: string;
  path: string;
  host?: string;
  headers: [string, string][];
  port?: number;
  from: string;
}

/** What the L7 section reads of a side. */
export interface L7Side { inventory: Inventory; engine: PolicyEngine; walk: WalkContext }

export function l7Diff(base: L7Side, head: L7Side): L7Diff[] {
  const requests = distinct([...deriveRequests(head.inventory), ...deriveRequests(base.inventory)]);
  if (requests.length === 1) return []; // only "GET /": neither version has a request condition
  const a = representatives(base.inventory), b = representatives(head.inventory);
  const out: L7Diff[] = [];
  for (const [srcId, src] of b) for (const [dstId, dst] of b) {
    const oldSrc = a.get(srcId), oldDst = a.get(dstId);
    if (srcId === dstId || !oldSrc || !oldDst) continue;
    for (const port of new Set(requests.flatMap((r) => (r.port ? [r.port] : tcpPorts(dst))))) {
      if (!connects(base, oldSrc, oldDst, port) || !connects(head, src, dst, port)) continue;
      for (const r of requests.filter((x) => x.port === undefined || x.port === port)) {
        const old = authorize(base, oldSrc, oldDst, port, r), now = authorize(head, src, dst, port, r);
        if (old.allowed === now.allowed) continue;
        out.push({ type: now.allowed ? "added" : "removed", src: srcId, dst: dstId, request: describe(r, port), from: r.from, old: old.text, new: now.text });
      }
    }
  }
  const cmp = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);
  return out.sort((x, y) => cmp(x.src, y.src) || cmp(x.dst, y.dst) || cmp(x.request, y.request));
}

/** One pod per workload (the first by name), keyed by the workload's list name. */
function representatives(inv: Inventory): Map<string, Endpoint> {
  const out = new Map<string, Endpoint>();
  for (const w of workloadPeers(inv)) {
    const pods = w.parties.flatMap((p) => (p.endpoint?.kind === "pod" ? [p.endpoint] : []));
    if (pods.length) out.set(w.id, pods.sort((x, y) => (x.name < y.name ? -1 : 1))[0]);
  }
  return out;
}

function tcpPorts(e: Endpoint): number[] {
  return e.ports.filter((p) => p.protocol === "TCP").map((p) => p.port);
}

function connects(side: L7Side, src: Endpoint, dst: Endpoint, port: number): boolean {
  return side.engine.evaluate({ src: { endpoint: src }, dst: { endpoint: dst }, protocol: "TCP", port }).allowed;
}

/** The request through a version's L7 authorizers: allowed, and a line saying what decided. */
function authorize(side: L7Side, src: Endpoint, dst: Endpoint, port: number, r: DerivedRequest): { allowed: boolean; text: string } {
  const ctx = side.walk;
  const client = peerOf(ctx, { endpoint: src }), server = peerOf(ctx, { endpoint: dst });
  const network = side.engine.evaluate({ src: { endpoint: src }, dst: { endpoint: dst }, protocol: "TCP", port });
  const req: AuthorizationRequest = {
    client, server, port, protocol: "TCP", network,
    mutualTls: client.mesh.inMesh && server.mesh.inMesh && client.mesh.mesh === server.mesh.mesh,
    http: { method: r.method, host: r.host ?? `${dst.name}.${dst.namespace}`, path: r.path, headers: [...new Map(r.headers.map(([k, v]) => [k.toLowerCase(), v]))] },
  };
  const decisions: AuthorizationDecision[] = ctx.authorizers.flatMap((a) => a.authorize(req));
  const denied = decisions.find((d) => d.verdict === "deny");
  const decided = denied ?? [...decisions].reverse().find((d) => d.verdict === "allow");
  const by = decided?.policy ? ` by ${decided.policy.kind} ${decided.policy.namespace ? `${decided.policy.namespace}/` : ""}${decided.policy.name}${decided.policy.rule !== undefined ? ` rule ${decided.policy.rule}` : ""}` : "";
  if (!denied) return { allowed: true, text: `allowed${by}` };
  const why = denied.summary.replace(/^denied:\s*/, "");
  return { allowed: false, text: why.startsWith("denied") ? why : `denied${by} (${why})` };
}

function describe(r: DerivedRequest, port: number): string {
  const headers = r.headers.map(([k, v]) => ` ${k}: ${v}`).join(",");
  return `${r.method} ${r.path} :${port}${r.host ? ` (host ${r.host})` : ""}${headers ? ` with${headers}` : ""}`;
}

function distinct(rs: DerivedRequest[]): DerivedRequest[] {
  const seen = new Map<string, DerivedRequest>();
  for (const r of [{ method: "GET", path: "/", headers: [], from: "every request" } as DerivedRequest, ...rs]) {
    const key = `${r.port ?? ""} ${describe(r, 0)}`;
    if (!seen.has(key)) seen.set(key, r);
  }
  return [...seen.values()];
}

/** The requests a version's request conditions stand for. */
export function deriveRequests(inv: Inventory): DerivedRequest[] {
  const out: DerivedRequest[] = [];
  const add = (from: string, clause: Clause) => { for (const r of requestsOf(clause)) out.push({ ...r, from }); };
  for (const p of inv.mesh.istio.authorizations) for (const rule of p.rules) {
    const from = `AuthorizationPolicy ${p.namespace}/${p.name} rule ${rule.index}`;
    for (const to of rule.to ?? [[]]) add(from, [...to, ...(rule.when ?? [])]);
  }
  for (const r of inv.mesh.linkerd.routes) for (const rule of r.rules) for (const m of rule.matches) add(`${r.kind} ${r.namespace}/${r.name} rule ${rule.index}`, m);
  for (const p of inv.policies) {
    for (const d of ["ingress", "egress"] as const) for (const rule of [...(p[d] ?? []), ...(p.requests?.[d] ?? [])]) {
      for (const clause of rule.http ?? []) add(`${p.kind} ${p.namespace ? `${p.namespace}/` : ""}${p.name} ${d} rule ${rule.index}`, clause);
    }
  }
  return out;
}

/**
 * The requests a clause names: one with the first value of every condition, and one more per other
 * value of a condition (GET and HEAD of `methods: [GET, HEAD]` are two requests); none when the clause
 * names nothing a request carries.
 */
function requestsOf(clause: Clause): Omit<DerivedRequest, "from">[] {
  const text = clause.filter((c): c is TextCondition => "values" in c);
  const port = clause.find((c) => c.attribute === "destination.port") as { ports: readonly number[] } | undefined;
  const first = text.map((c) => sample(c, c.values[0]));
  const variants = [first, ...text.flatMap((c, k) => c.values.slice(1).map((m) => first.map((v, i) => (i === k ? sample(c, m) : v))))];
  if (!first.some((v) => v !== undefined) && !port) return [];
  return variants.map((values) => request(text, values, port?.ports[0]));
}

function request(conditions: readonly TextCondition[], values: readonly (string | undefined)[], port?: number): Omit<DerivedRequest, "from"> {
  const r: Omit<DerivedRequest, "from"> = { method: "GET", path: "/", headers: [], ...(port ? { port } : {}) };
  let query = "";
  conditions.forEach((c, i) => {
    const value = values[i];
    if (value === undefined) return;
    if (c.attribute === "request.method") r.method = value;
    else if (c.attribute === "request.path" || c.attribute === "request.url" || c.attribute === "request.cleanPath") r.path = value.startsWith("/") ? value : `/${value}`;
    else if (c.attribute === "request.host") r.host = value;
    else if (c.attribute === "request.header" && c.name) r.headers.push([c.name.toLowerCase(), value]);
    else if (c.attribute === "request.query" && c.name) query += `${query ? "&" : "?"}${encodeURIComponent(c.name)}=${encodeURIComponent(value)}`;
  });
  r.path += query;
  return r;
}

type TextCondition = Extract<Condition, { values: readonly StringMatch[] }>;

/** A value the match accepts, for the attributes a request carries (a regex only when it is a literal with .* or .+ in it). */
function sample(c: TextCondition, m: StringMatch | undefined): string | undefined {
  if (!m || !REQUEST_ATTRIBUTES.has(c.attribute)) return undefined;
  switch (m.kind) {
    case "exact": case "prefix": case "segments": return m.value;
    case "suffix": return `x${m.value}`;
    case "present": return c.attribute === "request.path" || c.attribute === "request.url" || c.attribute === "request.cleanPath" ? "/" : "x";
    case "template": return m.template.replace(/\{\*\*\}/g, "x/y").replace(/\{\*\}/g, "x");
    case "regex": {
      const literal = m.regex.replace(/^\^/, "").replace(/\$$/, "").replace(/\.\*/g, "").replace(/\.\+/g, "x");
      return /^[\w/\-~%:@=&,;]*$/.test(literal) ? literal : undefined;
    }
  }
}
