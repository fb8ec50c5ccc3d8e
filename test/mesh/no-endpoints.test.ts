// A Service without a ready endpoint, asked through `junction route -o json`: what the mesh proxy that
// picks the endpoint answers (walk/serve.ts noEndpoints; gateway/http.ts for a routed Linkerd backend).

import { test } from "node:test";
import assert from "node:assert/strict";
import { CLUSTER, meshRoute, routeJson, withProxy } from "./fixture.js";

/** Service shop/api (and, with `v2`, shop/api-v2) selecting no pod. */
const noEndpoints = (yaml: string, v2 = false) => {
  const out = yaml.replace("spec:\n  selector: {app: api}", "spec:\n  selector: {app: none}");
  return v2 ? out.replace("spec: {selector: {app: api, version: v2}", "spec: {selector: {app: none}") : out;
};
const ambient = CLUSTER.replace("metadata: {name: web}", "metadata: {name: web, labels: {istio.io/dataplane-mode: ambient}}");

test("no ready endpoint: an Istio sidecar answers 503, TCP fails; ztunnel fails the connection; Linkerd answers 504 after its 3 s fail-fast, an opaque connection fails (was: 503 for every mesh client, and for TCP)", async () => {
  const ask = async (yaml: string, request: string) => { const a = await routeJson(noEndpoints(yaml), "web/client", request); return [a.status, a.connection ?? null]; };
  assert.deepEqual(await ask(withProxy("istio-proxy"), "GET http://api.shop/x"), [503, null]);
  assert.deepEqual(await ask(withProxy("istio-proxy"), "tcp://api.shop:8080"), [null, "failed"], "Envoy's TCP proxy: no healthy upstream");
  assert.deepEqual(await ask(ambient, "GET http://api.shop/x"), [null, "failed"], "ztunnel at L4 (was: 503)");
  assert.deepEqual(await ask(withProxy("linkerd-proxy"), "GET http://api.shop/x"), [504, null], "FailFastError → gateway_timeout (was: 503)");
  assert.deepEqual(await ask(withProxy("linkerd-proxy"), "tcp://api.shop:80"), [null, "failed"], "was: 503 for a TCP connection");
  assert.deepEqual(await ask(CLUSTER.replace("metadata: {name: web}", "metadata: {name: web, labels: {istio-injection: disabled}}"), "GET http://api.shop/x"), [null, "rejected"], "no proxy: kube-proxy");
});

test("a Linkerd client's route to a backend without ready endpoints: 504 after the fail-fast timeout (was: 503); an Istio sidecar's: 503", async () => {
  const route = meshRoute("shop", "t", "{group: '', kind: Service, name: api, namespace: shop, port: 80}", "  rules: [{backendRefs: [{name: api-v2, port: 80}]}]");
  const linkerd = await routeJson(noEndpoints(withProxy("linkerd-proxy") + route, true), "web/client", "GET http://api.shop/x");
  assert.equal(linkerd.status, 504);
  assert.match(linkerd.reason, /fail-fast timeout \(3 s\)/);
  assert.equal((await routeJson(noEndpoints(withProxy("istio-proxy") + route, true), "web/client", "GET http://api.shop/x")).status, 503);
});
