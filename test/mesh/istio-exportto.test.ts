// An Istio proxy knows the Services exported to its namespace only (a gateway, a waypoint: pilot/pkg/model/sidecar.go
// DefaultSidecarScopeForGateway: services := ps.servicesExportedToNamespace(configNamespace); a sidecar: collectImportedServices,
// IsServiceVisible); its clusters are its scope's, while a route still names the Service's cluster: Envoy answers 503.

import { test } from "node:test";
import assert from "node:assert/strict";
import { cli, tempFiles } from "../helpers.js";
import { namespace, pod, waypointGateway } from "../l7/fixture.js";
import { httpService, istioGateway, meshRoute, referenceGrant, serviceRoute } from "./fixture.js";

/** Istio's Gateway infra/gw (its GatewayClass's `controller` as given) routing every request to Service shop/catalog (its networking.istio.io/exportTo annotation as given). */
const world = (exportTo: string | undefined, controller?: string) => istioGateway("infra", "gw", "10.0.0.30", { allNamespaces: true, ...(controller ? { controller } : {}) })
  + meshRoute("shop", "shop", "{name: gw, namespace: infra}", "  rules: [{backendRefs: [{name: catalog, port: 80}]}]")
  + httpService("shop", "catalog", exportTo === undefined ? {} : { annotations: `{networking.istio.io/exportTo: "${exportTo}"}` }) + "---\n" + pod("shop", "catalog", "10.0.0.20");

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

/** bank/teller (a sidecar, or ambient) dials Service bank/ledger, whose HTTPRoute (or TCPRoute, ledger's port then named tcp) sends to secure/vault (exportTo as given). */
const meshWorld = (exportTo: string, ambient: boolean, kind = "HTTPRoute") => namespace("bank", `{${ambient ? "istio.io/dataplane-mode: ambient" : "istio-injection: enabled"}}`) + namespace("secure", "{istio-injection: enabled}")
  + pod("bank", "teller", "10.0.0.11", ambient ? {} : { proxy: "istio-proxy" }) + pod("secure", "vault", "10.0.2.10", { proxy: "istio-proxy" })
  + httpService("bank", "ledger", { clusterIP: "10.96.0.10", ...(ambient ? { labels: "{istio.io/use-waypoint: waypoint}" } : {}), ...(kind === "TCPRoute" ? { portName: "tcp" } : {}) })
  + httpService("secure", "vault", { clusterIP: "10.96.0.20", annotations: `{networking.istio.io/exportTo: "${exportTo}"}` })
  + referenceGrant("secure", "bank", kind) + serviceRoute("bank", "ledger", "ledger", 80, "  rules: [{backendRefs: [{name: vault, namespace: secure, port: 80}]}]", kind)
  + (ambient ? "---\n" + waypointGateway("bank") : "");

const fromTeller = (yaml: string, request = "GET http://ledger/") => routeJson(yaml, ["--from", "bank/teller", "--request", request]);

test("a mesh route's backend Service not exported to the namespace of the Istio proxy that routes (the client's sidecar, the Service's waypoint): 503, no cluster (collectImportedServices infers a VirtualService destination only where visible; was 200, a wrong allow)", async () => {
  const sidecar = await fromTeller(meshWorld(".", false));
  assert.equal(sidecar.status, 503);
  assert.match(sidecar.reason, /Service secure\/vault is not exported to namespace bank .*: the client's sidecar has no cluster for it/);
  assert.equal((await fromTeller(meshWorld("bank", false))).status, 200, "exported to the client's namespace");
  const waypoint = await fromTeller(meshWorld(".", true));
  assert.equal(waypoint.status, 503);
  assert.match(waypoint.reason, /not exported to namespace bank .*: waypoint bank\/waypoint has no cluster for it/);
  assert.equal((await fromTeller(meshWorld("bank", true))).status, 200);
});

test("a sidecar's TCPRoute to a Service not exported to its namespace: no cluster, the connection fails (tcp_proxy), not a 503", async () => {
  const tcp = meshWorld(".", false, "TCPRoute");
  const a = await fromTeller(tcp, "tcp://ledger:80");
  assert.deepEqual([a.status, a.connection], [null, "failed"]);
  assert.match(a.reason, /not exported to namespace bank .*: the client's sidecar has no cluster for it, and Envoy closes the connection/);
  assert.equal((await fromTeller(tcp.replace('exportTo: "."', 'exportTo: "bank"'), "tcp://ledger:80")).connection ?? null, null);
});
