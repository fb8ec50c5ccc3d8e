// Mesh test fixtures: a small cluster written as YAML (a producer namespace "shop" with Services
// api and api-v2 over the pods of Deployments api-v1 and api-v2, client namespaces "web" and "ops"), routes with Service parents, and helpers to
// walk in-mesh requests through it.

import { walkContext, walkRequest, requestProblem, type RequestAnswer, type WalkOptions } from "../../src/engine/request.js";
import type { RouteRequest } from "../../src/model/request.js";
import { cli, load, tempFiles } from "../helpers.js";
import assert from "node:assert/strict";

/** The pods of Deployments api-v1 and api-v2 (named as a ReplicaSet names them). */
export const API_V1 = "api-v1-5d8f7c9b4-x7k2p", API_V2 = "api-v2-6c9d8b7f5-q4m8n";

const pod = (ns: string, name: string, ip: string, labels: string, extra = "") => `---
apiVersion: v1
kind: Pod
metadata: {name: ${name}, namespace: ${ns}, labels: {${labels}}${extra}}
spec: {containers: [{name: app, image: app, ports: [{name: http, containerPort: 8080}, {containerPort: 7070}]}]}
status: {podIP: ${ip}}`;

export const CLUSTER = `
apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: v1
kind: Namespace
metadata: {name: web}
---
apiVersion: v1
kind: Namespace
metadata: {name: ops}
${pod("shop", "api-v1-5d8f7c9b4-x7k2p", "10.1.0.1", "app: api, version: v1, pod-template-hash: 5d8f7c9b4")}
${pod("shop", "api-v2-6c9d8b7f5-q4m8n", "10.1.0.2", "app: api, version: v2, pod-template-hash: 6c9d8b7f5")}
${pod("web", "client", "10.2.0.1", "app: client")}
${pod("ops", "client", "10.3.0.1", "app: client")}
${pod("shop", "client", "10.1.0.9", "app: client")}
---
apiVersion: v1
kind: Service
metadata: {name: api, namespace: shop}
spec:
  selector: {app: api}
  clusterIP: 10.96.0.10
  ports: [{name: http, port: 80, targetPort: http}, {name: alt, port: 8080, targetPort: 8080}, {name: grpc, port: 7070, appProtocol: kubernetes.io/h2c}]
---
apiVersion: v1
kind: Service
metadata: {name: api-v2, namespace: shop}
spec: {selector: {app: api, version: v2}, clusterIP: 10.96.0.11, ports: [{name: http, port: 80, targetPort: 8080}, {name: grpc, port: 7070}]}
`;

/** The cluster with the clients of `namespaces` running `proxy` (linkerd-proxy, istio-proxy) as a container. */
export function withProxy(proxy: string, namespaces: readonly string[] = ["web"], yaml = CLUSTER): string {
  for (const ns of namespaces) {
    const client = `metadata: {name: client, namespace: ${ns}, labels: {app: client}}\nspec: {containers: [`;
    if (!yaml.includes(client)) throw new Error(`no client pod in namespace ${ns}`);
    yaml = yaml.replace(client, `${client}{name: ${proxy}, image: proxy}, `);
  }
  return yaml;
}

/** The cluster with the pod `pod` of namespace shop (API_V1, API_V2) running `proxy` (linkerd-proxy, istio-proxy) as a container. */
export function podWithProxy(proxy: string, pod: string, yaml = CLUSTER): string {
  const at = new RegExp(`(metadata: \\{name: ${pod}, namespace: shop, [^\\n]*\\}\\nspec: \\{containers: \\[)`);
  if (!at.test(yaml)) throw new Error(`no pod ${pod} in namespace shop`);
  return yaml.replace(at, `$1{name: ${proxy}, image: proxy}, `);
}

/** An HTTPRoute (or another kind) whose spec is YAML indented 2; `parents` are flow-style parentRefs. */
export function meshRoute(ns: string, name: string, parents: string, rest: string, kind = "HTTPRoute"): string {
  return `---
apiVersion: gateway.networking.k8s.io/v1
kind: ${kind}
metadata: {name: ${name}, namespace: ${ns}}
spec:
  parentRefs: [${parents}]
${rest}
`;
}

/** A rule list sending everything to `svc` and setting response header x-route to `tag`. */
export const tagged = (svc: string, tag: string, port = 80) => `  rules:
  - filters: [{type: ResponseHeaderModifier, responseHeaderModifier: {set: [{name: x-route, value: ${tag}}]}}]
    backendRefs: [{name: ${svc}, namespace: shop, port: ${port}}]`;

export function meshRequest(from: string, url: string, extra: Partial<RouteRequest> = {}): RouteRequest {
  const u = new URL(url);
  return {
    from, scheme: u.protocol === "tcp:" ? "tcp" : "http", host: u.host, port: u.port ? Number(u.port) : undefined,
    path: `${u.pathname || "/"}${u.search}`, method: "GET", headers: [], backendResponseHeaders: [], ...extra,
  };
}

/** Walks requests over the YAML (fails on input errors or refused requests). */
export function walk(yaml: string, requests: RouteRequest[], o: WalkOptions = {}): RequestAnswer[] {
  const loaded = load({ "mesh.yaml": yaml });
  if (loaded.diagnostics.hasErrors) throw new Error(loaded.diagnostics.errors.map((e) => e.message).join("; "));
  const ctx = walkContext(loaded.inventory, o);
  return requests.map((q) => {
    const problem = requestProblem(ctx, q);
    if (problem) throw new Error(problem);
    return walkRequest(ctx, q);
  });
}

export const one = (yaml: string, from: string, url: string, extra: Partial<RouteRequest> = {}, o: WalkOptions = {}) => walk(yaml, [meshRequest(from, url, extra)], o)[0];

// Builders of single objects for Istio mesh tests (test/mesh/istio-*.test.ts, test/l7/waypoint.test.ts), each a YAML
// document that begins with `---`.

/** A ReferenceGrant of namespace `ns` letting the routes of `kind` in namespace `from` name its Services. */
export const referenceGrant = (ns: string, from: string, kind = "HTTPRoute") => `---
apiVersion: gateway.networking.k8s.io/v1beta1
kind: ReferenceGrant
metadata: {name: ${from}, namespace: ${ns}}
spec:
  from: [{group: gateway.networking.k8s.io, kind: ${kind}, namespace: ${from}}]
  to: [{group: "", kind: Service}]
`;

/** A mesh route (`kind`, HTTPRoute by default) `ns`/`name` bound to Service `service` of its namespace at `port`; `rest` is YAML indented 2 (its rules). */
export const serviceRoute = (ns: string, name: string, service: string, port: number, rest: string, kind = "HTTPRoute") =>
  meshRoute(ns, name, `{group: "", kind: Service, name: ${service}, port: ${port}}`, rest, kind);

/** Service `ns`/`name` selecting app=`app` (its name by default), port 80 (named `portName`, http by default) to 8080; labels and annotations flow style. */
export const httpService = (ns: string, name: string, o: { app?: string; clusterIP?: string; labels?: string; annotations?: string; portName?: string } = {}) => `---
apiVersion: v1
kind: Service
metadata: {name: ${name}, namespace: ${ns}, labels: ${o.labels ?? "{}"}, annotations: ${o.annotations ?? "{}"}}
spec: {${o.clusterIP ? `clusterIP: ${o.clusterIP}, ` : ""}selector: {app: ${o.app ?? name}}, ports: [{name: ${o.portName ?? "http"}, port: 80, targetPort: 8080}]}
`;

/**
 * An Istio Gateway `ns`/`name` of GatewayClass `istio` (whose controller is `controller`, Istio's by default), a listener
 * http at port 80 (routes of every namespace when `allNamespaces`), and the pod of its deployment at `ip`.
 */
export const istioGateway = (ns: string, name: string, ip: string, o: { controller?: string; allNamespaces?: boolean } = {}) => `---
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: istio}
spec: {controllerName: ${o.controller ?? "istio.io/gateway-controller"}}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: ${name}, namespace: ${ns}}
spec:
  gatewayClassName: istio
  listeners: [{name: http, port: 80, protocol: HTTP${o.allNamespaces ? ", allowedRoutes: {namespaces: {from: All}}" : ""}}]
---
apiVersion: v1
kind: Pod
metadata: {name: ${name}-istio, namespace: ${ns}, labels: {gateway.networking.k8s.io/gateway-name: ${name}}}
spec: {containers: [{name: istio-proxy}]}
status: {podIP: ${ip}}
`;

/** `junction route -f YAML --from FROM --request REQUEST -o json` through the CLI: its one answer (exit 0 asserted). */
export async function routeJson(yaml: string, from: string, request: string): Promise<RequestAnswer> {
  const { dir, cleanup } = tempFiles({ "c.yaml": yaml });
  try {
    const r = await cli(["route", "-f", dir, "-q", "--from", from, "--request", request, "-o", "json"]);
    assert.equal(r.code, 0, r.out + r.err);
    return JSON.parse(r.out).results[0];
  } finally { cleanup(); }
}
