// An Istio gateway knows the Services exported to its namespace only (pilot/pkg/model/sidecar.go
// DefaultSidecarScopeForGateway: services := ps.servicesExportedToNamespace(configNamespace)); its
// clusters are that scope's, while a route still names the Service's cluster: Envoy answers 503.

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

async function route(yaml: string): Promise<{ status: number | null; reason: string }> {
  const { dir, cleanup } = tempFiles({ "a.yaml": yaml });
  try {
    const r = await cli(["route", "-q", "-f", dir, "--gateway", "infra/gw", "--request", "GET http://shop.example/", "-o", "json"]);
    assert.equal(r.code, 0, r.err);
    return JSON.parse(r.out).results[0];
  } finally { cleanup(); }
}

test("an Istio gateway's backend Service not exported to the gateway's namespace: 503, the gateway has no cluster for it (was 200, a wrong allow); exported there, or another implementation: 200", async () => {
  const hidden = await route(world("."));
  assert.equal(hidden.status, 503);
  assert.match(hidden.reason, /Service shop\/catalog is not exported to namespace infra \(its annotation networking\.istio\.io\/exportTo "\."\): the gateway has no cluster for it/);
  assert.equal((await route(world("shop, infra"))).status, 200, "exported to infra too");
  assert.equal((await route(world(undefined))).status, 200, "no annotation: everywhere");
  assert.equal((await route(world(".", "example.com/other-controller"))).status, 200, "not Istio: the annotation means nothing");
});
