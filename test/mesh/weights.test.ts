// Backend weights in the mesh, through `junction route -o json`: a rule whose backendRefs all weigh 0.

import { test } from "node:test";
import assert from "node:assert/strict";
import { meshRoute, routeJson, withProxy } from "./fixture.js";

const API_80 = "{kind: Service, group: '', name: api, port: 80}";
/** A producer route on Service shop/api port 80: rule 0 (PathPrefix /a) sends to `refs`, rule 1 to shop/api. */
const route = (refs: string, kind = "HTTPRoute") => meshRoute("shop", "t", API_80,
  `  rules: [{matches: [{path: {type: PathPrefix, value: /a}}], backendRefs: [${refs}]}, {backendRefs: [{name: api, port: 80}]}]`, kind);

test("Linkerd: one backendRef of weight 0 is used as if weighted (linkerd/distribute params.rs random_available: fewer than 2 backends are FirstAvailable; was: 500); Istio answers 500 (conversion.go weightSum == 0)", async () => {
  const yaml = route("{name: api-v2, port: 80, weight: 0}");
  const linkerd = await routeJson(withProxy("linkerd-proxy") + yaml, "web/client", "GET http://api.shop/a");
  assert.deepEqual([linkerd.status, linkerd.backend], [200, "shop/api-v2"]);
  const istio = await routeJson(withProxy("istio-proxy") + yaml, "web/client", "GET http://api.shop/a");
  assert.equal(istio.status, 500);
});

test("Linkerd: two backendRefs whose weights are all 0 make the proxy panic building the Service's routes (router.rs expect(\"distribution must be valid\")): every connection there closes unanswered, whatever rule it matches (was: 500 for that rule only)", async () => {
  const yaml = withProxy("linkerd-proxy") + route("{name: api-v2, port: 80, weight: 0}, {name: api, port: 80, weight: 0}");
  for (const path of ["/a", "/b"]) {
    const a = await routeJson(yaml, "web/client", `GET http://api.shop${path}`);
    assert.deepEqual([a.status, a.connection], [null, "failed"], path);
    assert.match(a.reason, /HTTPRoute shop\/t rule 0 has two or more backendRefs whose weights are all 0: Linkerd's proxy panics/);
  }
  // Istio: that rule alone answers 500; the other rule serves.
  const istio = withProxy("istio-proxy") + route("{name: api-v2, port: 80, weight: 0}, {name: api, port: 80, weight: 0}");
  assert.equal((await routeJson(istio, "web/client", "GET http://api.shop/a")).status, 500);
  assert.equal((await routeJson(istio, "web/client", "GET http://api.shop/b")).status, 200);
});
