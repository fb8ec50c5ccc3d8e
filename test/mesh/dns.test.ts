// Host resolution as cluster DNS answers a pod (resolv.conf: search NS.svc.cluster.local
// svc.cluster.local cluster.local, options ndots:5), and what each form of address reaches.

import { test } from "node:test";
import assert from "node:assert/strict";
import { searchList, splitHostPort } from "../../src/engine/mesh/dns.js";
import { API_V1, API_V2, CLUSTER, meshRoute, one, tagged } from "./fixture.js";

test("a pod's resolver tries the search path first for names with fewer than 5 dots", () => {
  assert.deepEqual(searchList("api", "web"), ["api.web.svc.cluster.local", "api.svc.cluster.local", "api.cluster.local", "api"]);
  assert.deepEqual(searchList("api.shop", "web").slice(0, 2), ["api.shop.web.svc.cluster.local", "api.shop.svc.cluster.local"]);
  assert.deepEqual(searchList("api.shop.svc.cluster.local.", "web"), ["api.shop.svc.cluster.local"], "a trailing dot is absolute");
  assert.equal(searchList("a.b.c.d.e.f", "web")[0], "a.b.c.d.e.f", "5 dots or more: the name as written first");
});

test("host and port: the port written in the host wins", () => {
  assert.deepEqual(splitHostPort("api:8080", 80), { name: "api", port: 8080 });
  assert.deepEqual(splitHostPort("api", 80), { name: "api", port: 80 });
  assert.deepEqual(splitHostPort("[fd00::1]:81", undefined), { name: "fd00::1", port: 81 });
});

test("svc, svc.ns, svc.ns.svc, svc.ns.svc.cluster.local and the cluster IP all reach the Service frontend", () => {
  const yaml = CLUSTER + meshRoute("shop", "r", "{kind: Service, group: '', name: api}", tagged("api", "routed"));
  const fromShop = ["api", "api.shop", "api.shop.svc", "api.shop.svc.cluster.local", "api.shop.svc.cluster.local.", "10.96.0.10"];
  for (const host of fromShop) {
    const a = one(yaml, "shop/client", `http://placeholder/`, { host });
    assert.deepEqual(a.entry, { kind: "service", service: "shop/api", port: 80, headless: false }, host);
    assert.equal(a.responseHeaders["x-route"], "routed", host);
  }
});

test("a short name resolves in the client's own namespace", () => {
  const a = one(CLUSTER, "web/client", "http://api/");
  assert.equal(a.connection, "failed", "web has no Service api");
  assert.match(a.reason, /does not resolve/);
  assert.equal(a.decidedBy, "entry");
});

test("a pod IP (or its pod DNS name) reaches that pod and bypasses the Service's routes", () => {
  const yaml = CLUSTER + meshRoute("shop", "r", "{kind: Service, group: '', name: api}", tagged("api", "routed"));
  for (const host of ["10.1.0.2:8080", "10-1-0-2.shop.pod.cluster.local:8080"]) {
    const a = one(yaml, "web/client", "http://placeholder/", { host });
    assert.deepEqual(a.entry, { kind: "endpoint", endpoint: `shop/${API_V2}`, port: 8080 }, host);
    assert.equal(a.responseHeaders["x-route"], undefined, host);
    assert.equal(a.endpoint, `shop/${API_V2}`);
    assert.equal(a.layers.find((l) => l.layer === "routing")?.outcome, "bypassed");
  }
});

test("a port the Service does not have fails the connection; an unknown address leaves the model", () => {
  const a = one(CLUSTER, "web/client", "http://api.shop:9999/");
  assert.equal(a.connection, "failed");
  assert.match(a.reason, /has no TCP port 9999/);
  const out = one(CLUSTER, "web/client", "http://192.0.2.7:443/");
  assert.equal(out.entry.kind, "address");
  assert.equal(out.connection, undefined);
});

test("a headless Service resolves to its endpoints: no frontend, no routes, the port dialled is the pod's", () => {
  const yaml = CLUSTER + `---
apiVersion: v1
kind: Service
metadata: {name: direct, namespace: shop}
spec: {clusterIP: None, selector: {app: api, version: v1}, ports: [{port: 8080}]}
` + meshRoute("shop", "r", "{kind: Service, group: '', name: direct}", tagged("api-v2", "routed", 80));
  const a = one(yaml, "web/client", "http://direct.shop:8080/");
  assert.deepEqual([a.entry.kind, a.backend, a.endpoint, a.hop?.to.port], ["service", "shop/direct", `shop/${API_V1}`, 8080]);
  assert.equal(a.responseHeaders["x-route"], undefined);
});
