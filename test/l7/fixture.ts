// Test fixtures for the L7 layer: a small cluster written as YAML, and hops between its pods.

import assert from "node:assert/strict";
import { cli, engineFor, tempFiles } from "../helpers.js";
import { L7Engine } from "../../src/engine/l7/engine.js";
import type { Hop, HttpFacts, L7Result, ProxyKind } from "../../src/engine/l7/hop.js";
import type { Endpoint } from "../../src/model/endpoint.js";
import type { PolicyEngine } from "../../src/engine/verdict.js";

/** A pod app=NAME (more `labels`), its service account, address and container ports (http 8080 by default), with a `proxy` container (e.g. istio-proxy) first when given. */
export function pod(ns: string, name: string, ip: string, opts: { labels?: Record<string, string>; sa?: string; ports?: [string, number][]; proxy?: string } = {}): string {
  const labels = { app: name, ...(opts.labels ?? {}) };
  const ports = (opts.ports ?? [["http", 8080]]).map(([n, p]) => `{name: ${n}, containerPort: ${p}}`).join(", ");
  return `apiVersion: v1
kind: Pod
metadata: {name: ${name}, namespace: ${ns}, labels: ${JSON.stringify(labels)}}
spec: {serviceAccountName: ${opts.sa ?? name}, containers: [${opts.proxy ? `{name: ${opts.proxy}}, ` : ""}{name: app, ports: [${ports}]}]}
status: {podIP: ${ip}}
---
`;
}

export function service(ns: string, name: string, ports: [string, number, number][]): string {
  return `apiVersion: v1
kind: Service
metadata: {name: ${name}, namespace: ${ns}}
spec: {selector: {app: ${name}}, ports: [${ports.map(([n, p, t]) => `{name: ${n}, port: ${p}, targetPort: ${t}}`).join(", ")}]}
---
`;
}

/** A Namespace with flow-style labels and annotations ("{a: b}"). */
export const namespace = (name: string, labels = "{}", annotations = "{}") => `apiVersion: v1\nkind: Namespace\nmetadata: {name: ${name}, labels: ${labels}, annotations: ${annotations}}\n---\n`;

/** A Deployment `name` (label app: NAME, more labels as ", k: v", service account NAME, port http 8080) and its Service (port 80). */
export const app = (ns: string, name: string, o: { labels?: string; annotations?: string } = {}) => `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}, namespace: ${ns}}
spec:
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}${o.labels ?? ""}}, annotations: ${o.annotations ?? "{}"}}
    spec: {serviceAccountName: ${name}, containers: [{name: c, image: x, ports: [{name: http, containerPort: 8080}]}]}
---
apiVersion: v1
kind: Service
metadata: {name: ${name}, namespace: ${ns}}
spec: {selector: {app: ${name}}, ports: [{name: http, port: 80, targetPort: http}]}
---
`;

export interface World {
  engine: PolicyEngine;
  l7: L7Engine;
  /** One request: from pod NS/NAME to pod NS/NAME on a port; http omitted: a TCP connection. */
  ask(from: string, to: string, port: number, opts?: AskOptions): L7Result;
}

export interface AskOptions {
  http?: Partial<HttpFacts> & { path?: string };
  tcp?: boolean;
  /** Proxies by pod name (default: istio-sidecar for every pod). */
  proxies?: Record<string, ProxyKind>;
  /** The Service dialled ("ns/name") and its port. */
  service?: [string, number];
  waypoint?: { name: string; namespace: string };
}

function find(engine: PolicyEngine, ref: string): Endpoint {
  const [ns, name] = ref.split("/");
  const e = engine.inventory.endpoints.find((x) => x.namespace === ns && x.name === name);
  if (!e) throw new Error(`no pod ${ref}`);
  return e;
}

export function world(yaml: string, defaults: Record<string, ProxyKind> = {}): World {
  const engine = engineFor(yaml);
  const l7 = new L7Engine(engine);
  return {
    engine, l7,
    ask(from, to, port, opts = {}) {
      const c = find(engine, from), s = find(engine, to);
      const proxy = (e: Endpoint) => opts.proxies?.[e.name] ?? defaults[e.name] ?? "istio-sidecar";
      const svc = opts.service && engine.inventory.services.find((x) => `${x.namespace}/${x.name}` === opts.service![0]);
      const http: HttpFacts | undefined = opts.tcp ? undefined : { method: "GET", host: svc ? `${svc.name}.${svc.namespace}.svc.cluster.local` : "server", path: "/", headers: [], ...opts.http };
      const network = engine.evaluate({ src: { endpoint: c }, dst: { endpoint: s }, protocol: "TCP", port });
      if (!network.allowed) throw new Error(`the L3/L4 verdict denies ${from} → ${to}:${port}; the L7 layer is asked only about allowed hops`);
      const hop: Hop = {
        client: { endpoint: c, proxy: proxy(c) }, server: { endpoint: s, proxy: proxy(s) }, port,
        ...(svc ? { service: { service: svc, port: svc.ports.find((p) => p.port === opts.service![1])! } } : {}),
        ...(http ? { http } : {}), network, ...(opts.waypoint ? { waypoint: opts.waypoint } : {}),
      };
      return l7.authorize(hop);
    },
  };
}

/** "allow", or how the denial looks: 403, "grpc PERMISSION_DENIED", "failed", ... */
export function outcome(r: L7Result): string {
  if (r.allowed) return "allow";
  const d = r.denial!;
  return "connection" in d ? d.connection : d.grpcCode ? `grpc ${d.grpcCode}` : String(d.status);
}

/** An Istio waypoint: a Gateway of class istio-waypoint with its HBONE listener (`labels` and `allowedRoutes` flow style, e.g. "{istio.io/waypoint-for: all}"). */
export const waypointGateway = (ns: string, name = "waypoint", o: { labels?: string; allowedRoutes?: string } = {}) => `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: ${name}, namespace: ${ns}, labels: ${o.labels ?? "{}"}}
spec:
  gatewayClassName: istio-waypoint
  listeners: [{name: mesh, port: 15008, protocol: HBONE${o.allowedRoutes ? `, allowedRoutes: ${o.allowedRoutes}` : ""}}]
---
`;

/** `junction explain -o json` of `request` from `from` over `yaml` (a denial exits 1). */
export async function explainJson<T>(yaml: string, from: string, request: string): Promise<T> {
  const { dir, cleanup } = tempFiles({ "a.yaml": yaml });
  try {
    const r = await cli(["explain", "-q", "-f", dir, "--from", from, "--request", request, "-o", "json"]);
    assert.ok(r.code === 0 || r.code === 1, r.err);
    return JSON.parse(r.out) as T;
  } finally { cleanup(); }
}
