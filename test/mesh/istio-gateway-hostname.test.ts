// Istio's `Hostname` backendRef (networking.istio.io) on an Istio Gateway's route (north-south): pilot converts it as for
// a mesh route (pilot/pkg/config/kube/gateway/conversion.go buildDestination, `Kind: "Hostname"`: the destination host is
// the name, LookupHostname must find it in the route namespace's registry), resolved by the one shared module
// (engine/mesh/hostname-backend.ts) and walked to the entry's destination as a sidecar's request is (mesh-entry.ts toServiceEntry).

import { test } from "node:test";
import assert from "node:assert/strict";
import { cli, tempFiles } from "../helpers.js";
import { CLUSTER, istioGateway } from "./fixture.js";

const entry = `---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: partner, namespace: web}
spec: {hosts: [partner.example.com], ports: [{number: 80, name: http, protocol: HTTP}], resolution: STATIC, endpoints: [{address: 203.0.113.9}]}
`;
const route = (backend: string) => `---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: out, namespace: web}
spec:
  parentRefs: [{name: gw, namespace: web}]
  rules: [{backendRefs: [${backend}]}]
`;
const HOSTNAME = "{group: networking.istio.io, kind: Hostname, name: partner.example.com, port: 80}";

async function at(yaml: string): Promise<{ status: number | null; backend?: string | null; reason: string }> {
  const { dir, cleanup } = tempFiles({ "a.yaml": yaml });
  try {
    const r = await cli(["route", "-q", "-f", dir, "--gateway", "web/gw", "--request", "GET http://partner.example.com/x", "-o", "json"]);
    return (JSON.parse(r.out) as { results: { status: number | null; backend?: string | null; reason: string }[] }).results[0];
  } finally { cleanup(); }
}

test("an Istio Gateway's route to a `Hostname` backendRef naming a ServiceEntry's host goes to the entry's destination (was: InvalidKind, 500)", async () => {
  const yaml = CLUSTER + istioGateway("web", "gw", "10.2.0.50") + entry + route(HOSTNAME);
  const a = await at(yaml);
  assert.deepEqual([a.status, a.backend, a.reason], [200, "ServiceEntry web/partner", "the connection to 203.0.113.9 port 80 leaves the model"]);
  const toApi = route("{group: networking.istio.io, kind: Hostname, name: api.shop.svc.cluster.local, port: 80}");
  const service = await at(CLUSTER + istioGateway("web", "gw", "10.2.0.50", { allNamespaces: true }) + toApi.replace("namespace: web}", "namespace: shop}"));
  assert.deepEqual([service.status, service.backend], [200, "shop/api"], "a Service's host from a route of its namespace: that Service");
  const elsewhere = await at(CLUSTER + istioGateway("web", "gw", "10.2.0.50") + toApi);
  assert.equal(elsewhere.status, 500, "from a route of another namespace: LookupHostname reads HostnameAndNamespace[host][the route's namespace] (was: shop/api, 200)");
  assert.match(elsewhere.reason, /BackendNotFound: backend\(api\.shop\.svc\.cluster\.local\) not found/);
  const otherEntry = await at(CLUSTER + istioGateway("web", "gw", "10.2.0.50") + entry.replace("namespace: web}", "namespace: shop}") + route(HOSTNAME));
  assert.equal(otherEntry.status, 500, "an entry of another namespace, exported everywhere: not found either (was: 200)");
  const missing = await at(CLUSTER + istioGateway("web", "gw", "10.2.0.50") + route(HOSTNAME));
  assert.equal(missing.status, 500, "no entry has the host: backend(partner.example.com) not found");
  const other = await at(CLUSTER + istioGateway("web", "gw", "10.2.0.50", { controller: "example.com/other" }) + entry + route(HOSTNAME));
  assert.equal(other.status, 500, "another controller's Gateway knows no Hostname kind: InvalidKind");
  const withNs = await at(CLUSTER + istioGateway("web", "gw", "10.2.0.50") + entry + route("{group: networking.istio.io, kind: Hostname, name: partner.example.com, namespace: web, port: 80}"));
  assert.equal(withNs.status, 404, "namespace may not be set with Hostname type: pilot converts no rule of the route");
});

/** The route web/out's status parents, as `junction status -o json` writes them. */
async function parents(yaml: string): Promise<{ parentRef: { kind?: string; name: string }; conditions: { type: string; status: string; reason: string; message: string }[] }[]> {
  const { dir, cleanup } = tempFiles({ "a.yaml": yaml });
  try {
    const r = await cli(["status", "-q", "-f", dir, "-o", "json"]);
    const items = (JSON.parse(r.out) as { items: { kind: string; metadata: { name: string }; status: { parents: never[] } }[] }).items;
    return items.find((o) => o.kind === "HTTPRoute" && o.metadata.name === "out")!.status.parents;
  } finally { cleanup(); }
}

test("a `Hostname` backendRef naming another namespace at an Istio Gateway: without a ReferenceGrant there, an invalid backend (ResolvedRefs False RefNotPermitted, pilot's message; its share answered 500, the route kept); with one, or in the mesh, the hard error 'namespace may not be set' (no rule converted) (conversion.go buildDestination checks the grant before the namespace; was: the hard error at the Gateway too)", async () => {
  const crossNs = "{group: networking.istio.io, kind: Hostname, name: api.shop.svc.cluster.local, namespace: shop, port: 80}";
  const base = CLUSTER + istioGateway("web", "gw", "10.2.0.50");
  const both = base + route(crossNs).replace("parentRefs: [{name: gw, namespace: web}]", "parentRefs: [{name: gw, namespace: web}, {group: '', kind: Service, name: api, namespace: shop, port: 80}]");
  const denied = await at(both);
  assert.equal(denied.status, 500, "the invalid backend's share: 500 (was: 404, no rule converted)");
  const [gw, mesh] = await parents(both);
  const resolved = gw.conditions.find((c) => c.type === "ResolvedRefs")!;
  assert.deepEqual([resolved.status, resolved.reason], ["False", "RefNotPermitted"]);
  assert.equal(resolved.message, 'backendRef api.shop.svc.cluster.local/shop not accessible to a HTTPRoute in namespace "web" (missing a ReferenceGrant?)');
  const meshResolved = mesh.conditions.find((c) => c.type === "ResolvedRefs")!;
  assert.deepEqual([meshResolved.status, meshResolved.reason, meshResolved.message], ["False", "InvalidDestination", "namespace may not be set with Hostname type"], "the mesh's conversion checks no ReferenceGrant: the hard error, per parent");
  const grant = `---
apiVersion: gateway.networking.k8s.io/v1beta1
kind: ReferenceGrant
metadata: {name: web, namespace: shop}
spec:
  from: [{group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: web}]
  to: [{group: networking.istio.io, kind: Hostname}]
`;
  const granted = await at(base + grant + route(crossNs));
  assert.equal(granted.status, 404, "the grant passes, then 'namespace may not be set with Hostname type': pilot converts no rule");
  const [gwGranted] = await parents(base + grant + route(crossNs));
  assert.equal(gwGranted.conditions.find((c) => c.type === "ResolvedRefs")!.reason, "InvalidDestination");
});
