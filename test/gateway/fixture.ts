// Gateway API test fixtures: a small cluster (namespaces, Services, a Gateway) written as YAML,
// and helpers to compute status and route requests on it.

import { GatewayEngine } from "../../src/engine/gateway/engine.js";
import { routeRequest } from "../../src/engine/gateway/route.js";
import { statusObjects } from "../../src/engine/gateway/status.js";
import type { RouteResult } from "../../src/engine/gateway/request.js";
import type { RouteRequest } from "../../src/model/request.js";
import { join } from "node:path";
import assert from "node:assert/strict";
import { cli, load, tempFiles } from "../helpers.js";
import { BACKEND, BACKEND_CA, CA_A } from "../fixtures/tls.js";

export const BASE = `
apiVersion: v1
kind: Namespace
metadata: {name: infra, labels: {role: infra}}
---
apiVersion: v1
kind: Namespace
metadata: {name: apps, labels: {role: apps}}
---
apiVersion: v1
kind: Namespace
metadata: {name: other}
---
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: test}
spec: {controllerName: example.com/test}
${["v1", "v2", "v3"].map((v) => `---
apiVersion: v1
kind: Service
metadata: {name: ${v}, namespace: apps}
spec: {selector: {app: ${v}}, ports: [{port: 80}]}`).join("\n")}
---
apiVersion: v1
kind: Service
metadata: {name: elsewhere, namespace: other}
spec: {selector: {app: x}, ports: [{port: 80}]}
`;

/** A Gateway "infra/gw" with the given listeners (YAML flow list items). */
export function gateway(listeners: string[], name = "gw"): string {
  return `---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: ${name}, namespace: infra}
spec:
  gatewayClassName: test
  listeners:
${listeners.map((l) => `  - ${l}`).join("\n")}
`;
}

/** A Gateway's YAML that lets ListenerSets of any namespace attach (spec.allowedListeners). */
export function allowingListenerSets(gatewayYaml: string): string {
  return gatewayYaml.replace("  listeners:", "  allowedListeners: {namespaces: {from: All}}\n  listeners:");
}

/** A ListenerSet `ls` in namespace apps attached to infra/gw (or infra/`parent`), with these listeners (a YAML flow list's items). */
export function listenerSet(listeners: string, parent = "gw"): string {
  return `---
apiVersion: gateway.networking.k8s.io/v1
kind: ListenerSet
metadata: {name: ls, namespace: apps}
spec:
  parentRef: {name: ${parent}, namespace: infra}
  listeners: [${listeners}]
`;
}

/** Envoy Gateway's configuration ConfigMap; `config` is the envoy-gateway.yaml text's body. */
export const egConfig = (config: string) => `---
apiVersion: v1
kind: ConfigMap
metadata: {name: envoy-gateway-config, namespace: envoy-gateway-system}
data:
  envoy-gateway.yaml: |
    apiVersion: gateway.envoyproxy.io/v1alpha1
    kind: EnvoyGateway
${config.split("\n").map((l) => `    ${l}`).join("\n")}
`;

export const HTTP_ALL = "{name: http, port: 80, protocol: HTTP, allowedRoutes: {namespaces: {from: All}}}";

/** An HTTPRoute in "apps" attached to infra/gw; `spec` is YAML for the rest of the spec (indented 2). */
export function httpRoute(name: string, spec: string, extra = ""): string {
  return `---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: ${name}, namespace: apps${extra}}
spec:
  parentRefs: [{name: gw, namespace: infra}]
${spec}
`;
}

export function engineOf(yaml: string): GatewayEngine {
  const loaded = load({ "test.yaml": BASE + yaml });
  const errors = loaded.diagnostics.errors;
  if (errors.length) throw new Error(`input errors: ${errors.map((e) => `${e.field?.join(".")}: ${e.message}`).join("; ")}`);
  return new GatewayEngine(loaded.inventory);
}

type Obj = { kind: string; metadata: { namespace?: string; name: string }; status: any };

export function statusOf(yaml: string, kind: string, name: string): any {
  const all = statusObjects(engineOf(yaml)) as Obj[];
  const o = all.find((x) => x.kind === kind && `${x.metadata.namespace ? `${x.metadata.namespace}/` : ""}${x.metadata.name}` === name);
  if (!o) throw new Error(`${kind} ${name} not reported`);
  return o.status;
}

export function cond(list: { type: string; status: string; reason: string }[], type: string): string {
  const c = list.find((x) => x.type === type);
  return c ? `${c.status}/${c.reason}` : "missing";
}

export function req(partial: Partial<RouteRequest> & { path?: string }): RouteRequest {
  return { scheme: "http", method: "GET", headers: [], backendResponseHeaders: [], gateway: "infra/gw", ...partial, path: partial.path ?? "/" };
}

export function route(yaml: string, r: Partial<RouteRequest>): RouteResult {
  return routeRequest(engineOf(yaml), req(r));
}

/** GatewayClass `eg` of Envoy Gateway's controller and its Gateway infra/gw with these listeners (`spec`: more of its spec, indented 2). */
export function envoyGateway(listeners: string[], spec = ""): string {
  return `---
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: eg}
spec: {controllerName: gateway.envoyproxy.io/gatewayclass-controller}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw, namespace: infra}
spec:
  gatewayClassName: eg
${spec}  listeners:
${listeners.map((l) => `  - ${l}`).join("\n")}
`;
}

type Ancestor = { ancestorRef: Record<string, string>; conditions: { type: string; status: string; reason: string; message: string }[] };

/** `junction status -o json` of BASE + yaml: each policy of `kind` ("ns/name") with its ancestors, each as [ref, "Type=Status Reason: message"...]. */
export async function policyStatuses(kind: string, yaml: string): Promise<Map<string, string[][]>> {
  const t = tempFiles({ "in.yaml": BASE + yaml });
  try {
    const out = await cli(["status", "-f", join(t.dir, "in.yaml"), "-o", "json", "-q"]);
    assert.equal(out.code, 0, out.err);
    const items = (JSON.parse(out.out) as { items: { kind: string; metadata: { namespace: string; name: string }; status: { ancestors: Ancestor[] } }[] }).items;
    return new Map(items.filter((o) => o.kind === kind).map((o) => [`${o.metadata.namespace}/${o.metadata.name}`, o.status.ancestors.map((a) => [
      `${a.ancestorRef.kind} ${a.ancestorRef.namespace}/${a.ancestorRef.name}${a.ancestorRef.sectionName ? `/${a.ancestorRef.sectionName}` : ""}`,
      ...a.conditions.map((c) => `${c.type}=${c.status} ${c.reason}: ${c.message}`),
    ])]));
  } finally { t.cleanup(); }
}

/** A backend's serving certificate Secret (tls.crt issued by BACKEND_CA, for abc.example.com) and the ConfigMaps backend-ca (its CA) and other-ca (another), in namespace apps. */
export const backendCertObjects = (secret: string) => `---
apiVersion: v1
kind: Secret
metadata: {name: ${secret}, namespace: apps}
type: kubernetes.io/tls
data: {tls.crt: ${BACKEND.crt}, tls.key: ${BACKEND.key}}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: backend-ca, namespace: apps}
data: {ca.crt: ${JSON.stringify(BACKEND_CA)}}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: other-ca, namespace: apps}
data: {ca.crt: ${JSON.stringify(CA_A)}}
`;
