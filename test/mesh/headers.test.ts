// Header modifiers in the mesh, through `junction route -o json`: the order a client's proxy applies
// set, add and remove in, and a modifier's Host (filters.ts, headers.ts HeaderOrder).

import { test } from "node:test";
import assert from "node:assert/strict";
import { meshRoute, routeJson, withProxy } from "./fixture.js";

const API_80 = "{kind: Service, group: '', name: api, port: 80}";
const modifier = (m: string) => meshRoute("shop", "t", API_80, `  rules: [{filters: [{type: RequestHeaderModifier, requestHeaderModifier: ${m}}], backendRefs: [{name: api, port: 80}]}]`);
const ask = (proxy: string, yaml: string) => routeJson(withProxy(proxy) + yaml, "web/client", "GET http://api.shop/x");

test("Envoy (an Istio sidecar) removes before it sets and adds; Linkerd's proxy adds, sets (replacing), then removes (header_parser.cc evaluateHeaders; modify_header.rs apply; was: set, add, remove for both)", async () => {
  const addRemove = modifier("{add: [{name: x-a, value: '1'}], remove: [x-a]}");
  assert.equal((await ask("istio-proxy", addRemove)).upstream?.headers?.["x-a"], "1", "Envoy: remove-before-add (was: removed)");
  assert.equal((await ask("linkerd-proxy", addRemove)).upstream?.headers?.["x-a"], undefined);
  const addSet = modifier("{add: [{name: x-a, value: '1'}], set: [{name: x-a, value: '2'}]}");
  assert.equal((await ask("istio-proxy", addSet)).upstream?.headers?.["x-a"], "2,1");
  assert.equal((await ask("linkerd-proxy", addSet)).upstream?.headers?.["x-a"], "2", "Linkerd: the set replaces the added value (was: 2,1)");
});

test("a modifier's Host is the upstream authority at an Istio or Linkerd client (pilot route.go translateAppendHeaders; was: a second host header, the Host unchanged)", async () => {
  for (const proxy of ["istio-proxy", "linkerd-proxy"]) {
    const a = await ask(proxy, modifier("{set: [{name: Host, value: other.example.com}], add: [{name: host, value: added.example.com}]}"));
    assert.deepEqual([a.upstream?.host, a.upstream?.headers], ["other.example.com", {}], proxy);
  }
});
