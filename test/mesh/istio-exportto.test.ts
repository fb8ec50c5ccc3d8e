// An Istio proxy knows the Services exported to its namespace only (a gateway, a waypoint: pilot/pkg/model/sidecar.go
// DefaultSidecarScopeForGateway: services := ps.servicesExportedToNamespace(configNamespace); a sidecar: collectImportedServices,
// IsServiceVisible); its clusters are its scope's, while a route still names the Service's cluster: Envoy answers 503.

import { test } from "node:test";
import assert from "node:assert/strict";
import { cli, tempFiles } from "../helpers.js";

const world = (exportTo: string | undefined, controller = "istio.io/gateway-controller") => `apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: gwc}
spec: {controllerName: ${controller}}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw, namespace: infra}
spec:
  gatewayClassName: gwc
  listeners: [{name: http, port: 80, protocol: HTTP, allowedRoutes: {namespaces: {from: All}}}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: shop, namespace: shop}
spec:
  parentRefs: [{name: gw, namespace: infra}]
  rules: [{backendRefs: [{name: catalog, port: 80}]}]
---
apiVersion: v1
kind: Service
metadata: {name: catalog, namespace: shop${exportTo === undefined ? "" : `, annotations: {networking.istio.io/exportTo: "${exportTo}"}`}}
spec: {selector: {app: catalog}, ports: [{name: http, port: 80, targetPort: 8080}]}
---
apiVersion: v1
kind: Pod
metadata: {name: catalog, namespace: shop, labels: {app: catalog}}
spec: {containers: [{name: app, ports: [{name: http, containerPort: 8080}]}]}
status: {podIP: 10.0.0.20}
---
apiVersion: v1
kind: Pod
metadata: {name: gw-istio, namespace: infra, labels: {gateway.networking.k8s.io/gateway-name: gw}}
spec: {containers: [{name: istio-proxy}]}
status: {podIP: 10.0.0.30}
`;

/** `junction route -o json` of one request (`args`: --gateway or --from, and --request) over `yaml`: its first result. */
async function routeJson(yaml: string, args: string[]): Promise<{ status: number | null; reason: string; connection?: string }> {
  const { dir, cleanup } = tempFiles({ "a.yaml": yaml });
  try {
    const r = await cli(["route", "-q", "-f", dir, ...args, "-o", "json"]);
    assert.equal(r.code, 0, r.err);
    return JSON.parse(r.out).results[0];
  } finally { cleanup(); }
}

const route = (yaml: string) => routeJson(yaml, ["--gateway", "infra/gw", "--request", "GET http://shop.example/"]);

test("an Istio gateway's backend Service not exported to the gateway's namespace: 503, the gateway has no cluster for it (was 200, a wrong allow); exported there, or another implementation: 200", async () => {
  const hidden = await route(world("."));
  assert.equal(hidden.status, 503);
  assert.match(hidden.reason, /Service shop\/catalog is not exported to namespace infra \(its annotation networking\.istio\.io\/exportTo "\."\): the gateway has no cluster for it/);
  assert.equal((await route(world("shop, infra"))).status, 200, "exported to infra too");
  assert.equal((await route(world(undefined))).status, 200, "no annotation: everywhere");
  assert.equal((await route(world(".", "example.com/other-controller"))).status, 200, "not Istio: the annotation means nothing");
});

/** bank/teller (a sidecar, or ambient) dials Service bank/ledger, whose HTTPRoute sends to secure/vault (exportTo as given). */
const meshWorld = (exportTo: string, ambient: boolean) => `apiVersion: v1
kind: Namespace
metadata: {name: bank, labels: {${ambient ? "istio.io/dataplane-mode: ambient" : "istio-injection: enabled"}}}
---
apiVersion: v1
kind: Namespace
metadata: {name: secure, labels: {istio-injection: enabled}}
---
apiVersion: v1
kind: Pod
metadata: {name: teller, namespace: bank, labels: {app: teller}}
spec: {containers: [${ambient ? "" : "{name: istio-proxy}, "}{name: app}]}
status: {podIP: 10.0.0.11}
---
apiVersion: v1
kind: Service
metadata: {name: ledger, namespace: bank${ambient ? ", labels: {istio.io/use-waypoint: waypoint}" : ""}}
spec: {clusterIP: 10.96.0.10, selector: {app: ledger}, ports: [{name: http, port: 80, targetPort: 8080}]}
---
apiVersion: v1
kind: Pod
metadata: {name: vault, namespace: secure, labels: {app: vault}}
spec: {containers: [{name: istio-proxy}, {name: app, ports: [{name: http, containerPort: 8080}]}]}
status: {podIP: 10.0.2.10}
---
apiVersion: v1
kind: Service
metadata: {name: vault, namespace: secure, annotations: {networking.istio.io/exportTo: "${exportTo}"}}
spec: {clusterIP: 10.96.0.20, selector: {app: vault}, ports: [{name: http, port: 80, targetPort: 8080}]}
---
apiVersion: gateway.networking.k8s.io/v1beta1
kind: ReferenceGrant
metadata: {name: bank, namespace: secure}
spec:
  from: [{group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: bank}]
  to: [{group: "", kind: Service}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: ledger, namespace: bank}
spec:
  parentRefs: [{group: "", kind: Service, name: ledger, port: 80}]
  rules: [{backendRefs: [{name: vault, namespace: secure, port: 80}]}]
---
${ambient ? "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: waypoint, namespace: bank}\nspec:\n  gatewayClassName: istio-waypoint\n  listeners: [{name: mesh, port: 15008, protocol: HBONE}]\n" : ""}`;

const meshRoute = (yaml: string, request = "GET http://ledger/") => routeJson(yaml, ["--from", "bank/teller", "--request", request]);

test("a mesh route's backend Service not exported to the namespace of the Istio proxy that routes (the client's sidecar, the Service's waypoint): 503, no cluster (collectImportedServices infers a VirtualService destination only where visible; was 200, a wrong allow)", async () => {
  const sidecar = await meshRoute(meshWorld(".", false));
  assert.equal(sidecar.status, 503);
  assert.match(sidecar.reason, /Service secure\/vault is not exported to namespace bank .*: the client's sidecar has no cluster for it/);
  assert.equal((await meshRoute(meshWorld("bank", false))).status, 200, "exported to the client's namespace");
  const waypoint = await meshRoute(meshWorld(".", true));
  assert.equal(waypoint.status, 503);
  assert.match(waypoint.reason, /not exported to namespace bank .*: waypoint bank\/waypoint has no cluster for it/);
  assert.equal((await meshRoute(meshWorld("bank", true))).status, 200);
});

test("a sidecar's TCPRoute to a Service not exported to its namespace: no cluster, the connection fails (tcp_proxy), not a 503", async () => {
  const tcp = meshWorld(".", false).replace("kind: HTTPRoute\nmetadata: {name: ledger, namespace: bank}", "kind: TCPRoute\nmetadata: {name: ledger, namespace: bank}")
    .replace("apiVersion: gateway.networking.k8s.io/v1\nkind: TCPRoute", "apiVersion: gateway.networking.k8s.io/v1alpha2\nkind: TCPRoute").replace("{name: http, port: 80, targetPort: 8080}]}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: vault", "{name: tcp, port: 80, targetPort: 8080}]}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: vault")
    .replace("kind: HTTPRoute, namespace: bank", "kind: TCPRoute, namespace: bank");
  const a = await meshRoute(tcp, "tcp://ledger:80");
  assert.deepEqual([a.status, a.connection], [null, "failed"]);
  assert.match(a.reason, /not exported to namespace bank .*: the client's sidecar has no cluster for it, and Envoy closes the connection/);
  assert.equal((await meshRoute(tcp.replace('exportTo: "."', 'exportTo: "bank"'), "tcp://ledger:80")).connection ?? null, null);
});
