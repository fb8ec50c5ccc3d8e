// A Linkerd client's proxy on a port its policy controller makes HTTP/2 (GRPCRoutes bound on a detected
// port, or appProtocol kubernetes.io/h2c), through `junction route -o json`.

import { test } from "node:test";
import assert from "node:assert/strict";
import { meshRoute, routeJson, withProxy } from "./fixture.js";

const API = "{group: '', kind: Service, name: api, namespace: shop}";

test("Linkerd: a GRPCRoute on a detected port makes it HTTP/2 without detection (to_proto Grpc; sidecar.rs Protocol::Http2): an HTTP/1.1 request's connection fails, the HTTPRoute beside it never applies (was: 404)", async () => {
  const yaml = withProxy("linkerd-proxy") + meshRoute("shop", "g", API, "  rules: [{backendRefs: [{name: api-v2, port: 80}]}]", "GRPCRoute")
    + meshRoute("shop", "h", API, "  rules: [{backendRefs: [{name: api, port: 80}]}]");
  const http1 = await routeJson(yaml, "web/client", "GET http://api.shop/x");
  assert.deepEqual([http1.status, http1.connection], [null, "failed"]);
  assert.match(http1.reason, /reads Service shop\/api port 80 as HTTP\/2 .*no HTTP\/2 connection preface/);
  // Without the GRPCRoute the port is detected, and the HTTPRoute routes HTTP/1.1.
  const only = withProxy("linkerd-proxy") + meshRoute("shop", "h", API, "  rules: [{backendRefs: [{name: api, port: 80}]}]");
  assert.deepEqual([(await routeJson(only, "web/client", "GET http://api.shop/x")).status], [200]);
});

test("Linkerd: appProtocol kubernetes.io/h2c is HTTP/2 whatever routes: an HTTP/1.1 request fails (was: routed by the HTTPRoute)", async () => {
  const yaml = withProxy("linkerd-proxy") + meshRoute("shop", "h", "{group: '', kind: Service, name: api, namespace: shop, port: 7070}", "  rules: [{backendRefs: [{name: api, port: 7070}]}]");
  assert.equal((await routeJson(yaml, "web/client", "GET http://api.shop:7070/x")).connection, "failed");
});

test("Linkerd: an h2c port without routes is HTTP/2 too: an HTTP/1.1 request fails (was: the Service answered 200); other clients reach the Service", async () => {
  const yaml = withProxy("linkerd-proxy");
  const a = await routeJson(yaml, "web/client", "GET http://api.shop:7070/x");
  assert.deepEqual([a.status, a.connection], [null, "failed"]);
  assert.match(a.reason, /appProtocol kubernetes\.io\/h2c/);
  assert.equal((await routeJson(withProxy("istio-proxy"), "web/client", "GET http://api.shop:7070/x")).status, 200);
});
