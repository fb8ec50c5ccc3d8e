// The request suite: in-mesh requests answered by `junction route --requests` (the request walk:
// DNS, GAMMA routing, the L3/L4 hop, mutual TLS, Istio authorization at the server's sidecar) on a
// synthetic Istio mesh, against evaluating each request plainly: the destination found by scanning
// every pod, then every AuthorizationPolicy checked one by one for the workload, in the same run.
// Every request is also an agreement check between the two (allowed, or denied by Istio).

import { loadFiles } from "../src/sources/load.js";
import { Analysis } from "../src/cli/analysis.js";
import { routeResults } from "../src/cli/commands/route.js";
import { DEFAULT_OPTIONS } from "../src/engine/options.js";
import { parseRequestLine, type RequestEntry } from "../src/sources/requests.js";
import { attributesOf } from "../src/engine/l7/engine.js";
import { istioAuthorize } from "../src/engine/l7/istio.js";
import { identityOf, subsetOf } from "../src/engine/l7/transport.js";
import type { Hop } from "../src/engine/l7/hop.js";
import type { Inventory } from "../src/model/inventory.js";
import type { RouteRequest } from "../src/model/request.js";
import { Rng } from "../src/generate/random.js";
import { median, ms, time, type Suite } from "./suite.js";

const SIZES: Record<string, { pods: number; namespaces: number; policies: number; requests: number }> = {
  "1k": { pods: 1000, namespaces: 10, policies: 200, requests: 10_000 },
  "10k": { pods: 10_000, namespaces: 100, policies: 2000, requests: 100_000 },
};
const PODS_PER_APP = 10;
const PATHS = ["/api/orders/7", "/api/items", "/admin/users", "/health", "/api"];
const METHODS = ["GET", "GET", "GET", "POST", "DELETE"];

interface App { ns: string; name: string }

/** Namespaces with sidecar injection, apps of PODS_PER_APP pods (with istio-proxy) behind a Service, and AuthorizationPolicies: ALLOW rules naming a few clients' service accounts, methods and paths; every fourth a DENY on /admin*. */
export function meshCluster(size: keyof typeof SIZES, seed = 7): { yaml: string; apps: App[] } {
  const s = SIZES[size], rng = new Rng(seed), docs: string[] = [];
  const apps: App[] = Array.from({ length: s.pods / PODS_PER_APP }, (_, i) => ({ ns: `ns-${i % s.namespaces}`, name: `app-${i}` }));
  for (let n = 0; n < s.namespaces; n++) docs.push(`apiVersion: v1\nkind: Namespace\nmetadata: {name: ns-${n}, labels: {istio-injection: enabled}}`);
  apps.forEach((a, i) => {
    docs.push(`apiVersion: v1\nkind: Service\nmetadata: {name: ${a.name}, namespace: ${a.ns}}\nspec: {selector: {app: ${a.name}}, ports: [{name: http, port: 80, targetPort: 8080}]}`);
    for (let p = 0; p < PODS_PER_APP; p++) {
      const ip = i * PODS_PER_APP + p + 1;
      docs.push(`apiVersion: v1\nkind: Pod\nmetadata: {name: ${a.name}-${p}, namespace: ${a.ns}, labels: {app: ${a.name}}}\nspec: {serviceAccountName: ${a.name}, containers: [{name: app, ports: [{name: http, containerPort: 8080}]}, {name: istio-proxy}]}\nstatus: {podIP: 10.${ip >> 16}.${(ip >> 8) & 255}.${ip & 255}}`);
    }
  });
  for (let j = 0; j < s.policies; j++) {
    const a = apps[j % apps.length];
    const clients = Array.from({ length: 3 }, () => rng.pick(apps)).map((c) => `cluster.local/ns/${c.ns}/sa/${c.name}`);
    const spec = j % 4 === 3
      ? `{selector: {matchLabels: {app: ${a.name}}}, action: DENY, rules: [{to: [{operation: {paths: ["/admin*"]}}]}]}`
      : `{selector: {matchLabels: {app: ${a.name}}}, rules: [{from: [{source: {principals: ${JSON.stringify(clients)}}}], to: [{operation: {methods: [GET], paths: ["/api/*", "/health"]}}]}, {from: [{source: {namespaces: [${a.ns}]}}]}]}`;
    docs.push(`apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: p-${j}, namespace: ${a.ns}}\nspec: ${spec}`);
  }
  return { yaml: docs.join("\n---\n") + "\n", apps };
}

/** Requests from random pods to random apps' Services, with the methods and paths the policies name. */
export function meshRequests(apps: readonly App[], n: number, seed = 11): RequestEntry[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => {
    const from = rng.pick(apps), to = rng.pick(apps);
    const request = parseRequestLine(`${rng.pick(METHODS)} http://${to.name}.${to.ns}${rng.pick(PATHS)}`) as RouteRequest;
    request.from = `${from.ns}/${from.name}-${rng.int(PODS_PER_APP)}`;
    return { request, ref: { file: "bench", doc: 0, path: [] } };
  });
}

/** The plain evaluation: scan for the client, the Service and a pod of it, then every policy, one by one. */
export function plainAllowed(inv: Inventory, r: RouteRequest): boolean {
  const [cns, cname] = r.from!.split("/");
  const client = inv.endpoints.find((e) => e.namespace === cns && e.name === cname)!;
  const [svcName, svcNs] = r.host!.split(".");
  const service = inv.services.find((s) => s.namespace === svcNs && s.name === svcName)!;
  const server = inv.endpoints.find((e) => e.kind === "pod" && e.namespace === svcNs && subsetOf(service.selector!, e.labels))!;
  const root = inv.mesh.settings.istioRootNamespace;
  const policies = inv.mesh.istio.authorizations.filter((p) => (p.namespace === root || p.namespace === server.namespace) && !p.targetRefs && (!p.selector || subsetOf(p.selector, server.labels)));
  const hop: Hop = {
    client: { endpoint: client, proxy: "istio-sidecar" }, server: { endpoint: server, proxy: "istio-sidecar" }, port: 8080,
    service: { service, port: service.ports[0] }, http: { method: r.method, host: r.host!, path: r.path, headers: r.headers },
  };
  const a = attributesOf(hop, identityOf(client, "istio", inv.mesh.settings), true);
  return istioAuthorize(hop, policies, "sidecar-http", a, server.name).verdict !== "deny";
}

const rate = (n: number, t: number) => `${Math.round(n / (t / 1000)).toLocaleString("en-US")} req/s`;

export const requestSuite: Suite = {
  name: "requests", title: "In-mesh requests (route --requests, Istio authorization)", byDefault: false, defaultSizes: ["1k"], sizes: Object.keys(SIZES),
  async run(size, runs, log) {
    const s = SIZES[size];
    const { yaml, apps } = meshCluster(size);
    const loaded = loadFiles([{ name: "mesh.yaml", text: yaml }]);
    const entries = meshRequests(apps, s.requests);
    log(`${s.pods} pods, ${s.policies} AuthorizationPolicies, ${s.requests} requests`);
    const walk: number[] = [], plain: number[] = [];
    let statuses: (number | null | undefined)[] = [], plainAnswers: boolean[] = [];
    for (let i = 0; i < runs; i++) {
      const a = new Analysis(loaded, DEFAULT_OPTIONS);
      walk.push(await time(() => { statuses = routeResults(a, entries).map((r) => r.status); }));
      plain.push(await time(() => { plainAnswers = entries.map((e) => plainAllowed(loaded.inventory, e.request)); }));
      log(`run ${i + 1}: walk ${ms(walk[i])}, plain ${ms(plain[i])}`);
    }
    const agree = statuses.filter((st, i) => (st === 200) === plainAnswers[i]).length;
    const denied = statuses.filter((st) => st === 403).length;
    const w = median(walk), p = median(plain);
    return {
      size,
      figures: [
        { label: "pods / AuthorizationPolicies / requests", value: `${s.pods} / ${s.policies} / ${s.requests}` },
        { label: "route --requests (the walk)", value: `${ms(w)} (${rate(s.requests, w)})` },
        { label: "plain, policy by policy", value: `${ms(p)} (${rate(s.requests, p)})` },
        { label: "walk / plain (speed)", value: `${(p / w).toFixed(2)}x` },
      ],
      notes: [`agreement with the plain evaluation: ${agree}/${s.requests} requests (${denied} denied by Istio)`],
    };
  },
};
