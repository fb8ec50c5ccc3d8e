// A user's VirtualService at an Istio waypoint (engine/mesh/virtualservice.ts waypointUserVirtualHost):
// istio 1.24+ applies them there (pilot/pkg/networking/core/listener_waypoint.go
// buildWaypointInboundHTTPRouteConfig, getVirtualServiceForWaypoint: the waypoint's and the Service's
// namespaces; waypointInboundRoute drops matches with sourceLabels, istio#51565). Before: the
// VirtualService applied at sidecar clients only; an ambient client's request through the waypoint
// went to the Service's endpoints.

import { test } from "node:test";
import assert from "node:assert/strict";
import { cli, tempFiles } from "../helpers.js";
import { namespace, pod, waypointGateway } from "../l7/fixture.js";
import { httpService } from "./fixture.js";

const WORLD = namespace("bank", "{istio.io/dataplane-mode: ambient}") + namespace("ops", "{istio.io/dataplane-mode: ambient}")
  + pod("bank", "ledger", "10.0.0.10", { labels: { version: "v1" } }) + pod("bank", "ledger-v2", "10.0.0.12", { labels: { app: "ledger", version: "v2" } }) + pod("bank", "teller", "10.0.0.11")
  + httpService("bank", "ledger", { labels: "{istio.io/use-waypoint: waypoint}" }) + "---\n" + waypointGateway("bank") + `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: ledger, namespace: bank}
spec: {host: ledger, subsets: [{name: v1, labels: {version: v1}}, {name: v2, labels: {version: v2}}]}
`;

const vs = (ns: string, http: string) => `---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: ledger, namespace: ${ns}}
spec:
  hosts: [ledger.bank.svc.cluster.local]
  http:
${http}
`;

const CANARY = `  - match: [{headers: {x-canary: {exact: "1"}}}]
    route: [{destination: {host: ledger.bank.svc.cluster.local, subset: v2}}]
  - match: [{uri: {prefix: /api}}]
    route: [{destination: {host: ledger.bank.svc.cluster.local}}]`;

interface Answer { status: number | null; reason: string; route?: string; backend: string | null }

async function ask(yaml: string, request: string, headers: string[] = []): Promise<Answer & { raw: string }> {
  const { dir, cleanup } = tempFiles({ "a.yaml": yaml });
  try {
    const r = await cli(["route", "-q", "-f", dir, "--from", "bank/teller", "--request", request, ...headers.flatMap((h) => ["-H", h]), "-o", "json"]);
    assert.equal(r.code, 0, r.err + r.out);
    return { ...JSON.parse(r.out).results[0], raw: r.out };
  } finally { cleanup(); }
}

const endpointOf = (a: { raw: string }) => a.raw.match(/"endpoint":\s*"([^"]+)"/)?.[1] ?? "";

test("an ambient client's request through the Service's waypoint takes the VirtualService's routes: the header match to subset v2, no match 404", async () => {
  const yaml = WORLD + vs("bank", CANARY);
  const canary = await ask(yaml, "GET http://ledger/api", ["x-canary: 1"]);
  assert.equal(canary.route, "VirtualService bank/ledger");
  assert.match(endpointOf(canary), /ledger-v2/, "was: the Service's endpoints, either pod");
  const none = await ask(yaml, "GET http://ledger/other");
  assert.equal(none.status, 404, "was 200: the VirtualService was not applied at the waypoint");
  assert.match(none.reason, /at waypoint bank\/waypoint/);
});

test("at a waypoint a match with sourceLabels is dropped (istio#51565), and a VirtualService of another namespace than the waypoint's and the Service's does not apply", async () => {
  const labelled = WORLD + vs("bank", `  - match: [{sourceLabels: {app: teller}, headers: {x-canary: {exact: "1"}}}]
    route: [{destination: {host: ledger.bank.svc.cluster.local, subset: v2}}]
  - directResponse: {status: 418}`);
  const a = await ask(labelled, "GET http://ledger/", ["x-canary: 1"]);
  assert.equal(a.status, 418, "the sourceLabels match is not programmed at the waypoint: the next route answers (was 200: no VirtualService at the waypoint)");
  const elsewhere = WORLD + vs("ops", "  - directResponse: {status: 418}");
  assert.equal((await ask(elsewhere, "GET http://ledger/other")).status, 200, "ops is neither the waypoint's namespace nor the Service's (getVirtualServiceForWaypoint)");
});

// A TCP Service behind the waypoint, its pods v1 (first) and v2.
const DB = "---\n" + pod("bank", "db-a", "10.0.0.20", { labels: { app: "db", version: "v1" } }) + pod("bank", "db-b", "10.0.0.21", { labels: { app: "db", version: "v2" } }) + `apiVersion: v1
kind: Service
metadata: {name: db, namespace: bank, labels: {istio.io/use-waypoint: waypoint}}
spec: {selector: {app: db}, ports: [{name: tcp, port: 5432}]}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: db, namespace: bank}
spec: {host: db, subsets: [{name: v1, labels: {version: v1}}, {name: v2, labels: {version: v2}}]}
`;

const l4vs = (spec: string, hosts = "db.bank.svc.cluster.local") => `---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: db, namespace: bank}
spec:
  hosts: [${hosts}]
${spec}
`;

test("at a waypoint a VirtualService's tcp route takes a TCP connection to the Service, a tls rule naming the Service's own host first (getWaypointTCPRoutes; was: the Service's endpoints, either pod)", async () => {
  const tcp = await ask(WORLD + DB + l4vs("  tcp:\n  - match: [{port: 5432}]\n    route: [{destination: {host: db, subset: v2}}]"), "tcp://db:5432");
  assert.equal(tcp.route, "VirtualService bank/db");
  assert.equal(endpointOf(tcp), "bank/db-b");
  assert.match(tcp.reason, /listener_waypoint\.go getWaypointTCPRoutes/);
  // TLS rules before TCP ones; a tls match naming another SNI host is not the waypoint's.
  const both = l4vs(`  tls:
  - match: [{sniHosts: [db.bank.svc.cluster.local]}]
    route: [{destination: {host: db, subset: v1}}]
  tcp:
  - route: [{destination: {host: db, subset: v2}}]`);
  assert.equal(endpointOf(await ask(WORLD + DB + both, "tcp://db:5432")), "bank/db-a");
  const otherSni = l4vs(`  tls:
  - match: [{sniHosts: [db.bank.svc.cluster.local, other.bank.svc.cluster.local]}]
    route: [{destination: {host: db, subset: v1}}]
  tcp:
  - route: [{destination: {host: db, subset: v2}}]`, "db.bank.svc.cluster.local, other.bank.svc.cluster.local");
  assert.equal(endpointOf(await ask(WORLD + DB + otherSni, "tcp://db:5432")), "bank/db-b");
});
