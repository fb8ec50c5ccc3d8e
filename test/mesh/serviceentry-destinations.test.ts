// Where an Istio proxy sends a connection to a ServiceEntry, and so what the network policies and the
// destination's own proxy judge (engine/mesh/registry.ts entryTargets, ambientServiceEntryAt):
// ztunnel finds the entry by VIP for the client's namespace (ztunnel src/state/service.rs
// get_best_by_vip: the client's namespace, then the canonical service, then the first; CIDRs after
// exact VIPs), whatever the port, and a port the entry does not declare finds no upstream
// (src/state.rs load_balance); without a waypoint it sends to the entry's workloads: the pods its
// workloadSelector selects (ambient/workloads.go podWorkloadBuilder), or its `endpoints`
// (serviceEntryWorkloadBuilder); a sidecar's cluster for a STATIC entry holds the same endpoints
// (cluster.go convertResolution: EDS), one for resolution NONE the address dialled (ORIGINAL_DST).

import { test } from "node:test";
import assert from "node:assert/strict";
import { explainJson, namespace, pod, waypointGateway } from "../l7/fixture.js";
import { load } from "../helpers.js";
import { formatAddress } from "../../src/model/ip.js";

interface Answer { status: number | null; connection?: string; endpoint?: string; reason?: string; authorization: { enforcer: string; verdict: string }[]; layers: { layer: string; verdict: string; summary: string }[] }

const ask = (yaml: string, from: string, request: string) => explainJson<Answer>(yaml, from, request);

const layer = (a: Answer, name: string) => a.layers.filter((l) => l.layer === name).map((l) => `${l.verdict}: ${l.summary}`).join("\n");
const entry = (ns: string, name: string, spec: string, created = "2024-01-01T00:00:00Z") => `apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata: {name: ${name}, namespace: ${ns}, creationTimestamp: "${created}"}\nspec: ${spec}\n---\n`;
const netpol = (ns: string, name: string, spec: string) => `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: ${name}, namespace: ${ns}}\nspec: ${spec}\n---\n`;
const ap = (name: string, ns: string, spec: string) => `apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: {name: ${name}, namespace: ${ns}}\nspec: ${spec}\n---\n`;
/** bank in the ambient mesh: ledger (10.0.0.10, its container port "http" 8080) and the client teller; ops ambient too (auditor); web with sidecars (shopper). */
const world = namespace("bank", "{istio.io/dataplane-mode: ambient}") + namespace("ops", "{istio.io/dataplane-mode: ambient}") + namespace("web", "{istio-injection: enabled}") + namespace("lab", "{istio.io/dataplane-mode: ambient}")
  + pod("bank", "ledger", "10.0.0.10") + pod("bank", "teller", "10.0.0.11") + pod("ops", "auditor", "10.0.2.10") + pod("lab", "probe", "10.0.3.10")
  + pod("web", "shopper", "10.0.1.10").replace("containers: [{name: app,", "containers: [{name: istio-proxy}, {name: app,");
/** ServiceEntry bank/ledger-vip: 240.0.0.5 port 80 (named http), the pods app=ledger. */
const selecting = entry("bank", "ledger-vip", "{hosts: [ledger.internal], addresses: [240.0.0.5], ports: [{number: 80, name: http, protocol: HTTP}], resolution: STATIC, workloadSelector: {labels: {app: ledger}}}");
const ledgerClosed = netpol("bank", "ledger-closed", "{podSelector: {matchLabels: {app: ledger}}, policyTypes: [Ingress]}");

test("an ambient client's connection to a ServiceEntry with a workloadSelector and no waypoint goes to the selected pods, whose NetworkPolicy and ztunnel policies apply (was: left the model at the address dialled, a wrong allow)", async () => {
  const open = await ask(world + selecting, "bank/teller", "GET http://240.0.0.5/");
  assert.deepEqual([open.status, open.endpoint], [200, "bank/ledger"], "the selected pod answers");
  assert.match(layer(open, "network"), /bank\/ledger port 8080/, "at its container port named as the entry's port (http: 8080), not 80");
  assert.match(layer(open, "routing"), /uses no waypoint .*ztunnel carries the connection at L4/);
  const closed = await ask(world + selecting + ledgerClosed, "bank/teller", "GET http://240.0.0.5/");
  assert.equal(closed.connection, "rejected", "the ledger's NetworkPolicy isolates it (was: allowed, the connection left the model)");
  const byName = await ask(world + selecting + ledgerClosed, "bank/teller", "GET http://ledger.internal/");
  assert.equal(byName.connection, "rejected", "by host: ztunnel's DNS proxy answers 240.0.0.5");
  const deny = ap("no-teller", "bank", "{selector: {matchLabels: {app: ledger}}, action: DENY, rules: [{from: [{source: {principals: [cluster.local/ns/bank/sa/teller]}}]}]}");
  const denied = await ask(world + selecting + deny, "bank/teller", "GET http://240.0.0.5/");
  assert.equal(denied.connection, "failed", "the ledger's ztunnel denies the teller");
  assert.deepEqual(denied.authorization.filter((d) => d.verdict === "deny").map((d) => d.enforcer), ["Istio ztunnel (L4) of bank/ledger"]);
  const sidecar = await ask(world + selecting + ledgerClosed, "web/shopper", "GET http://240.0.0.5/");
  assert.equal(sidecar.connection, "rejected", "a sidecar's EDS cluster holds the same pods (was: allowed, to the address dialled)");
  const getOnly = ap("gw-get", "bank", "{targetRefs: [{kind: Gateway, group: gateway.networking.k8s.io, name: waypoint}], rules: [{to: [{operation: {methods: [GET]}}]}]}");
  const workloadWaypoint = world.replace('labels: {"app":"ledger"}', 'labels: {"app":"ledger","istio.io/use-waypoint":"waypoint"}') + selecting + waypointGateway("bank", "waypoint", { labels: "{istio.io/waypoint-for: workload}" }) + getOnly;
  assert.equal((await ask(workloadWaypoint, "bank/teller", "POST http://10.0.0.10:8080/")).status, 403, "addressed to the pod: its workload waypoint's GET-only policy");
  assert.equal((await ask(workloadWaypoint, "bank/teller", "POST http://240.0.0.5/")).status, 200, "addressed to the entry, a service: ztunnel takes no workload waypoint (was 403)");
  const unready = (world + selecting).replace("status: {podIP: 10.0.0.10}", "status: {podIP: 10.0.0.10, phase: Running, conditions: [{type: Ready, status: \"False\"}]}");
  assert.equal((await ask(unready, "bank/teller", "GET http://240.0.0.5/")).connection, "failed", "a pod not ready is no endpoint (UNHEALTHY): ztunnel finds no upstream");
  assert.equal((await ask(unready, "web/shopper", "GET http://240.0.0.5/")).status, 503, "the sidecar's cluster has no healthy endpoint");
  const none = entry("bank", "ledger-vip", "{hosts: [ledger.internal], addresses: [240.0.0.5], ports: [{number: 80, name: http, protocol: HTTP}], resolution: NONE, workloadSelector: {labels: {app: ledger}}}");
  const through = await ask(world + none + ledgerClosed, "bank/teller", "GET http://240.0.0.5/");
  assert.deepEqual([through.status, through.connection ?? null, through.endpoint ?? null], [null, null, null], "resolution NONE: ztunnel passes it through to 240.0.0.5 (PASSTHROUGH), out of the model");
});

test("ztunnel finds a ServiceEntry by VIP for the client's namespace whatever the port: its own namespace's entry first, then the canonical (oldest) one; a CIDR after an exact VIP; a port the entry does not declare fails (was: the first entry declaring the port, else out of the model)", async () => {
  const bankEntry = entry("bank", "db", "{hosts: [db.internal], addresses: [240.0.0.7], ports: [{number: 5432, name: tcp, protocol: TCP}], resolution: STATIC, workloadSelector: {labels: {app: ledger}}}", "2025-01-01T00:00:00Z");
  const opsEntry = entry("ops", "db", "{hosts: [db.internal], addresses: [240.0.0.7], ports: [{number: 5432, name: tcp, protocol: TCP}], resolution: STATIC, endpoints: [{address: 203.0.113.20}]}", "2024-01-01T00:00:00Z");
  const yaml = world + opsEntry + bankEntry;
  const fromBank = await ask(yaml, "bank/teller", "tcp://240.0.0.7:5432");
  assert.equal(fromBank.endpoint, "bank/ledger", "bank's own entry (was: ops's, the first in the input)");
  const fromOps = await ask(yaml, "ops/auditor", "tcp://240.0.0.7:5432");
  assert.match(layer(fromOps, "network"), /203\.0\.113\.20 port 5432/, "ops's own entry: its endpoint");
  const fromLab = await ask(yaml, "lab/probe", "tcp://240.0.0.7:5432");
  assert.match(layer(fromLab, "network"), /203\.0\.113\.20 port 5432/, "neither namespace's: the canonical entry, the oldest (ops/db)");
  const cidr = entry("lab", "range", "{hosts: [range.internal], addresses: [240.0.0.0/24], ports: [{number: 5432, name: tcp, protocol: TCP}], resolution: STATIC, endpoints: [{address: 203.0.113.30}]}");
  assert.match(layer(await ask(yaml + cidr, "lab/probe", "tcp://240.0.0.7:5432"), "network"), /203\.0\.113\.20/, "an exact VIP wins over the client namespace's CIDR");
  assert.match(layer(await ask(yaml + cidr, "lab/probe", "tcp://240.0.0.8:5432"), "network"), /203\.0\.113\.30/, "no exact VIP: the CIDR");
  const undeclared = await ask(yaml, "bank/teller", "tcp://240.0.0.7:6432");
  assert.equal(undeclared.connection, "failed", "ServiceEntry bank/db declares no port 6432: no upstream (was: out of the model, the address dialled)");
  assert.match(undeclared.reason ?? "", /does not declare port 6432: ztunnel finds no upstream/);
});

test("a STATIC ServiceEntry's endpoints, not the address dialled, are what the network policies judge, for an ambient and a sidecar client (was: the address dialled, a wrong allow)", async () => {
  const db = entry("bank", "db", "{hosts: [db.internal], addresses: [240.0.0.9], ports: [{number: 5432, name: tcp, protocol: TCP, targetPort: 6432}], resolution: STATIC, endpoints: [{address: 203.0.113.20}, {address: 203.0.113.21, ports: {tcp: 7432}}]}");
  const onlyVip = (ns: string, app: string) => netpol(ns, "only-vip", `{podSelector: {matchLabels: {app: ${app}}}, policyTypes: [Egress], egress: [{to: [{ipBlock: {cidr: 240.0.0.9/32}}]}]}`);
  const ambient = await ask(world + db + onlyVip("bank", "teller"), "bank/teller", "tcp://240.0.0.9:5432");
  assert.equal(ambient.connection, "rejected", "ztunnel connects to 203.0.113.20 or .21, which the egress policy does not allow (was: allowed, 240.0.0.9 was checked)");
  assert.match(layer(ambient, "network"), /every one \(2\)/);
  const sidecarDb = db.replace("namespace: bank", "namespace: web");
  const sidecar = await ask(world + sidecarDb + onlyVip("web", "shopper"), "web/shopper", "tcp://240.0.0.9:5432");
  assert.equal(sidecar.connection, "rejected", "the sidecar's EDS cluster connects to the endpoints too");
  const toSecond = (ns: string, app: string) => netpol(ns, "to-second", `{podSelector: {matchLabels: {app: ${app}}}, policyTypes: [Egress], egress: [{to: [{ipBlock: {cidr: 203.0.113.21/32}}]}]}`);
  const second = await ask(world + db + toSecond("bank", "teller"), "bank/teller", "tcp://240.0.0.9:5432");
  assert.deepEqual([second.connection ?? null, second.reason], [null, "the connection to 203.0.113.21 port 7432 leaves the model"], "the endpoint the policy allows, at its own port for the entry's port name");
  assert.match(layer(second, "network"), /1 other is denied/);
  const first = await ask(world + db, "bank/teller", "tcp://240.0.0.9:5432");
  assert.equal(first.reason, "the connection to 203.0.113.20 port 6432 leaves the model", "an endpoint without ports: the entry's targetPort");
});

test("a ServiceEntry's workloadSelector selects the stand-in pod of a Deployment (no address in the input) as a Service's selector does: its policies judge the hop (was: no endpoint, ztunnel 'fails' the connection and a sidecar answered 503, wrong denials)", async () => {
  const deployment = (ns: string, name: string, ports = "") => `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: ${name}, namespace: ${ns}}\nspec:\n  selector: {matchLabels: {app: ${name}}}\n  template:\n    metadata: {labels: {app: ${name}}}\n    spec: {serviceAccountName: ${name}, containers: [{name: c, image: x${ports}}]}\n---\n`;
  const yaml = namespace("bank", "{istio.io/dataplane-mode: ambient}") + namespace("web", "{istio-injection: enabled}") + deployment("bank", "ledger", ", ports: [{name: http, containerPort: 8080}]") + deployment("bank", "teller")
    + deployment("web", "shopper").replace("containers: [{name: c,", "containers: [{name: istio-proxy}, {name: c,") + selecting;
  const ambient = await ask(yaml, "bank/teller", "GET http://240.0.0.5/");
  assert.deepEqual([ambient.status, ambient.endpoint], [200, "bank/ledger"], "the ledger's replicas serve it (was: connection failed, no endpoint)");
  assert.match(layer(ambient, "network"), /bank\/ledger port 8080/);
  assert.equal((await ask(yaml + ledgerClosed, "bank/teller", "GET http://240.0.0.5/")).connection, "rejected", "the ledger's NetworkPolicy applies");
  const sidecar = await ask(yaml, "web/shopper", "GET http://240.0.0.5/");
  assert.deepEqual([sidecar.status, sidecar.endpoint], [200, "bank/ledger"], "the sidecar's EDS cluster holds them too (was 503)");
});

test("ztunnel holds no ServiceEntry for a host a Service of the entry's namespace has (selectWorkloadServices: 'a Kubernetes Service always wins'): its addresses are no VIP, the connection goes to the address dialled (was: to the entry's endpoints)", async () => {
  const ledgerService = "apiVersion: v1\nkind: Service\nmetadata: {name: ledger, namespace: bank}\nspec: {clusterIP: 10.96.0.10, selector: {app: ledger}, ports: [{name: http, port: 80, targetPort: 8080}]}\n---\n";
  const shadow = (ns: string) => entry(ns, "shadow", "{hosts: [ledger.bank.svc.cluster.local], addresses: [240.0.0.5], ports: [{number: 80, name: http, protocol: HTTP}], resolution: STATIC, endpoints: [{address: 203.0.113.40}]}");
  const same = await ask(world + ledgerService + shadow("bank"), "bank/teller", "tcp://240.0.0.5:80");
  assert.equal(same.reason, "the connection to 240.0.0.5 port 80 leaves the model", "the Service in bank wins the host: 240.0.0.5 is nobody's VIP (was: to 203.0.113.40, the entry's endpoint)");
  const other = await ask(world + ledgerService + shadow("ops"), "bank/teller", "tcp://240.0.0.5:80");
  assert.equal(other.reason, "the connection to 203.0.113.40 port 80 leaves the model", "an entry of another namespace keeps its VIP (not canonical)");
});

test("ztunnel's DNS proxy answers a name with the entry whose host is that name before one whose wildcard covers it (src/dns/server.rs find_server: the name itself, then '*.example.com', '*.com'), whatever their namespaces (was: the client namespace's wildcard entry)", async () => {
  const wildcard = entry("bank", "any-example", "{hosts: ['*.example.com'], addresses: [240.0.0.20], ports: [{number: 5432, name: tcp, protocol: TCP}], resolution: NONE}");
  const exact = entry("ops", "api-example", "{hosts: [api.example.com], addresses: [240.0.0.21], ports: [{number: 5432, name: tcp, protocol: TCP}], resolution: STATIC, endpoints: [{address: 203.0.113.21}]}");
  const api = await ask(world + wildcard + exact, "bank/teller", "tcp://api.example.com:5432");
  assert.equal(api.reason, "the connection to 203.0.113.21 port 5432 leaves the model", "ServiceEntry ops/api-example, its endpoint (was: bank/any-example's 240.0.0.20)");
  const other = await ask(world + wildcard + exact, "bank/teller", "tcp://db.example.com:5432");
  assert.equal(other.reason, "the connection to 240.0.0.20 port 5432 leaves the model", "no exact host: the wildcard's entry");
});

const workloadEntry = (ns: string, name: string, spec: string) => `apiVersion: networking.istio.io/v1\nkind: WorkloadEntry\nmetadata: {name: ${name}, namespace: ${ns}}\nspec: ${spec}\n---\n`;

test("a ServiceEntry's workloadSelector selects the WorkloadEntries of its namespace too: connections go to their addresses, at their port of the entry port's name, where the network policies judge them (was: only pods, so no upstream)", async () => {
  const legacy = entry("bank", "legacy", "{hosts: [legacy.internal], addresses: [240.0.0.6], ports: [{number: 80, name: http, protocol: HTTP, targetPort: 8081}], resolution: STATIC, workloadSelector: {labels: {app: legacy}}}");
  const vm = workloadEntry("bank", "vm-1", "{address: 10.0.5.20, labels: {app: legacy}, ports: {http: 9090}, serviceAccount: legacy}");
  const other = workloadEntry("ops", "vm-2", "{address: 10.0.5.21, labels: {app: legacy}}");
  const open = await ask(world + legacy + vm + other, "bank/teller", "GET http://240.0.0.6/");
  assert.equal(open.connection ?? null, null, "the entry has an endpoint (was: failed, no upstream)");
  assert.match(layer(open, "network"), /bank\/vm-1 port 9090/, "the WorkloadEntry's address at its port named http; ops/vm-2 is of another namespace");
  const onlyLedger = netpol("bank", "only-ledger", "{podSelector: {matchLabels: {app: teller}}, policyTypes: [Egress], egress: [{to: [{ipBlock: {cidr: 10.0.0.10/32}}]}]}");
  assert.equal((await ask(world + legacy + vm + onlyLedger, "bank/teller", "GET http://240.0.0.6/")).connection, "rejected", "the teller's egress policy does not allow 10.0.5.20");
  const unported = workloadEntry("bank", "vm-1", "{address: 10.0.5.20, labels: {app: legacy}}");
  assert.match(layer(await ask(world + legacy + unported, "web/shopper", "GET http://240.0.0.6/"), "network"), /bank\/vm-1 port 8081/, "a sidecar's EDS cluster too; no port of that name: the entry's targetPort");
});

test("a WorkloadEntry is checked as pilot's webhook checks it (validation.go ValidateWorkloadEntry -> validateWorkloadEntry) and its IP address is an endpoint of the inventory", () => {
  const read = (spec: string) => load({ "we.yaml": workloadEntry("bank", "vm", spec) });
  const errors = (spec: string) => read(spec).diagnostics.errors.map((e) => `${e.field?.join(".")}: ${e.message}`).join("\n");
  assert.match(errors("{labels: {app: a}}"), /spec: address is required/);
  assert.equal(errors("{network: remote}"), "", "no address but a network: a warning");
  assert.match(errors("{address: 'not a host'}"), /spec\.address: endpoint address "not a host" is not a valid FQDN or an IP address/);
  assert.match(errors("{address: 'unix:///var/run/a.sock', ports: {http: 80}}"), /must not include ports/);
  assert.match(errors("{address: 10.0.5.20, ports: {http: 0}}"), /spec\.ports\.http/);
  assert.match(errors("{address: 10.0.5.20, ports: {Bad_Name: 80}}"), /invalid port name/);
  assert.match(errors("{address: 10.0.5.20, portz: {http: 80}}"), /portz/, "an unknown field");
  assert.equal(errors("{address: vm.example.com, ports: {http: 80}, weight: 3, locality: us/east, serviceAccount: vm}"), "");
  const inv = read("{address: 10.0.5.20, labels: {app: legacy}, ports: {http: 9090}, serviceAccount: vm}").inventory;
  const ep = inv.endpoints.find((e) => e.name === "vm");
  assert.deepEqual([ep?.kind, ep?.namespace, ep?.addresses.map(formatAddress), ep?.ports, ep?.serviceAccount], ["workload", "bank", ["10.0.5.20"], [{ name: "http", port: 9090, protocol: "TCP" }], "vm"]);
});

const meshConfig = (mesh: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: istio, namespace: istio-system}\ndata:\n  mesh: |\n    ${mesh}\n---\n`;

test("meshConfig serviceEntryVisibility (Istio 1.31): a NAMESPACE entry is ztunnel's for its own namespace's clients only (others pass through, or get a PUBLIC entry of the host), a NONE entry for no one; sidecars only with applyToSidecars (was: every entry public)", async () => {
  const ownOnly = meshConfig("serviceEntryVisibility: {defaultVisibility: NAMESPACE, policies: [{visibility: PUBLIC, matchingRules: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ops}}}]}]}");
  const own = await ask(world + selecting + ownOnly, "bank/teller", "GET http://240.0.0.5/");
  assert.equal(own.endpoint, "bank/ledger", "the entry's own namespace sees it");
  const other = await ask(world + selecting + ownOnly + ledgerClosed, "lab/probe", "GET http://240.0.0.5/");
  assert.deepEqual([other.connection ?? null, other.endpoint ?? null], [null, null], "lab: as if the entry did not exist, passed through to 240.0.0.5 (was: rejected at the ledger)");
  const opsEntry = entry("ops", "ledger-public", "{hosts: [ledger.internal], addresses: [240.0.0.5], ports: [{number: 80, name: http, protocol: HTTP}], resolution: STATIC, endpoints: [{address: 203.0.113.40}]}", "2025-01-01T00:00:00Z");
  assert.match(layer(await ask(world + selecting + opsEntry + ownOnly, "lab/probe", "GET http://240.0.0.5/"), "network"), /203\.0\.113\.40/, "ops's entry is PUBLIC by its policy: lab is served by it (the hidden one is older, canonical)");
  assert.equal((await ask(world + selecting + opsEntry + ownOnly, "bank/teller", "GET http://240.0.0.5/")).endpoint, "bank/ledger", "bank still gets its own");
  const none = meshConfig("serviceEntryVisibility: {defaultVisibility: NONE}");
  assert.equal((await ask(world + selecting + none + ledgerClosed, "bank/teller", "GET http://240.0.0.5/")).connection ?? null, null, "NONE: not even its own namespace");
  const webEntry = selecting;
  assert.equal((await ask(world + webEntry + ledgerClosed + ownOnly, "web/shopper", "GET http://240.0.0.5/")).connection, "rejected", "a sidecar ignores it without applyToSidecars");
  const sidecars = meshConfig("serviceEntryVisibility: {defaultVisibility: NAMESPACE, applyToSidecars: true}");
  assert.equal((await ask(world + webEntry + ledgerClosed + sidecars, "web/shopper", "GET http://240.0.0.5/")).connection ?? null, null, "with applyToSidecars the entry is not in web's registry: ALLOW_ANY passes it through");
});

test("a sidecar's ServiceEntries sharing an address: the most specific address's, then the oldest (then by name, namespace), not the first in the input (push_context.go SortServicesByCreationTime; listener.go handleOutboundListenerConflict)", async () => {
  const db = (name: string, created: string, address: string, endpoint: string) => entry("web", name, `{hosts: [${name}.internal], addresses: [${address}], ports: [{number: 5432, name: tcp, protocol: TCP}], resolution: STATIC, endpoints: [{address: ${endpoint}}]}`, created);
  const newer = db("db-new", "2025-06-01T00:00:00Z", "240.0.0.9", "203.0.113.51"), older = db("db-old", "2024-06-01T00:00:00Z", "240.0.0.9", "203.0.113.50");
  const to = async (yaml: string) => (await ask(world + yaml, "web/shopper", "tcp://240.0.0.9:5432")).reason;
  assert.equal(await to(newer + older), "the connection to 203.0.113.50 port 5432 leaves the model", "the older entry's listener (was: the first in the input, db-new)");
  const sameTime = db("db-b", "2024-06-01T00:00:00Z", "240.0.0.9", "203.0.113.61") + db("db-a", "2024-06-01T00:00:00Z", "240.0.0.9", "203.0.113.60");
  assert.equal(await to(sameTime), "the connection to 203.0.113.60 port 5432 leaves the model", "created together: by name");
  // SortServicesByCreationTime sorts services, one per host, by Attributes.Name, which is the host (serviceentry/conversion.go
  // convertServices: `Name: ha.host`), not the entry's name: db-b's host a.internal comes before db-a's z.internal.
  const hosts = sameTime.replace("hosts: [db-b.internal]", "hosts: [a.internal]").replace("hosts: [db-a.internal]", "hosts: [z.internal]");
  assert.equal(await to(hosts), "the connection to 203.0.113.61 port 5432 leaves the model", "created together: by host, db-b's a.internal (was: db-a, by the entry's name)");
  assert.equal(await to(hosts.replaceAll("2024-06-01T00:00:00Z", "").replaceAll(', creationTimestamp: ""', "")), "the connection to 203.0.113.61 port 5432 leaves the model", "without timestamps (applied together): by host too");
  const range = db("db-range", "2020-01-01T00:00:00Z", "240.0.0.0/24", "203.0.113.70");
  assert.equal(await to(range + newer), "the connection to 203.0.113.51 port 5432 leaves the model", "the exact address before an older CIDR");
});

test("ztunnel's canonical entry of a host is the oldest PUBLIC one: a NAMESPACE-visible entry is never canonical (ambient/services.go selectWorkloadServices: 'case si.Service.GetVisibility() == workloadapi.Service_NAMESPACE: continue'), so another namespace's client gets the oldest PUBLIC entry, not the first in the input (was: the hidden entry canonical, none of the others)", async () => {
  const visibility = meshConfig("serviceEntryVisibility: {defaultVisibility: NAMESPACE, policies: [{visibility: PUBLIC, matchingRules: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ops}}}]}, {visibility: PUBLIC, matchingRules: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: web}}}]}]}");
  const db = (ns: string, created: string, endpoint: string) => entry(ns, "db", `{hosts: [db.internal], addresses: [240.0.0.7], ports: [{number: 5432, name: tcp, protocol: TCP}], resolution: STATIC, endpoints: [{address: ${endpoint}}]}`, created);
  const yaml = world + visibility + db("web", "2025-01-01T00:00:00Z", "203.0.113.22") + db("ops", "2024-01-01T00:00:00Z", "203.0.113.21") + db("bank", "2020-01-01T00:00:00Z", "203.0.113.20");
  assert.match(layer(await ask(yaml, "lab/probe", "tcp://240.0.0.7:5432"), "network"), /203\.0\.113\.21 port 5432/, "ops/db, the oldest PUBLIC entry, is canonical (was: web/db, the first in the input)");
  assert.match(layer(await ask(yaml, "bank/teller", "tcp://240.0.0.7:5432"), "network"), /203\.0\.113\.20 port 5432/, "bank's own NAMESPACE entry for bank's clients");
  const exportedHere = entry("bank", "db", "{hosts: [db.internal], addresses: [240.0.0.7], exportTo: ['.'], ports: [{number: 5432, name: tcp, protocol: TCP}], resolution: STATIC, endpoints: [{address: 203.0.113.20}]}", "2020-01-01T00:00:00Z");
  const plain = world + db("web", "2025-01-01T00:00:00Z", "203.0.113.22") + db("ops", "2024-01-01T00:00:00Z", "203.0.113.21") + exportedHere;
  assert.match(layer(await ask(plain, "lab/probe", "tcp://240.0.0.7:5432"), "network"), /203\.0\.113\.20 port 5432/, "exportTo ['.'] is not in the workload API: without serviceEntryVisibility the entry is PUBLIC to ztunnel, the oldest, canonical");
});

test("ztunnel's winner of a host in a namespace is the oldest entry (selectWorkloadServices isBetter: CreationTime.Before), where one without creationTimestamp is not yet applied, the newest (Junction's one rule, model/time.ts compareCreated); created together, by name", async () => {
  const db = (name: string, created: string | undefined, endpoint: string) => entry("ops", name, `{hosts: [db.internal], addresses: [240.0.0.7], ports: [{number: 5432, name: tcp, protocol: TCP}], resolution: STATIC, endpoints: [{address: ${endpoint}}]}`, created ?? "").replace(', creationTimestamp: ""', "");
  const to = async (yaml: string) => layer(await ask(world + yaml, "ops/auditor", "tcp://240.0.0.7:5432"), "network");
  assert.match(await to(db("db-a", "2024-01-01T00:00:00Z", "203.0.113.21") + db("db-b", undefined, "203.0.113.22")), /203\.0\.113\.21 port 5432/, "db-b has no creationTimestamp: applied now, newer than db-a (was: db-b, Go's zero time)");
  assert.match(await to(db("db-b", undefined, "203.0.113.22") + db("db-a", undefined, "203.0.113.21")), /203\.0\.113\.21 port 5432/, "neither has one: applied together, by name, db-a");
  assert.match(await to(db("db-b", "2024-01-01T00:00:00Z", "203.0.113.22") + db("db-a", "2024-01-01T00:00:00Z", "203.0.113.21")), /203\.0\.113\.21 port 5432/, "created together: db-a before db-b by name (was: the first in the input)");
});

test("a DNS ServiceEntry whose endpoints mix addresses and host names balances over all of them (a sidecar's STRICT_DNS cluster resolves each, cluster.go convertResolution; ztunnel picks any workload, a host name's resolved on demand, state.rs load_balance): an allowed addressed endpoint answers, with the host names said to share it; when the policies deny every addressed one, the host names' share leaves the model (was: the first host name, the addressed endpoints ignored)", async () => {
  const mixed = entry("bank", "ledger-dns", "{hosts: [ledger.dns.internal], addresses: [240.0.0.6], ports: [{number: 80, name: http, protocol: HTTP, targetPort: 8080}], resolution: DNS, endpoints: [{address: backup.example.com}, {address: 10.0.0.10}]}");
  for (const [from, request] of [["web/shopper", "GET http://ledger.dns.internal/"], ["bank/teller", "GET http://240.0.0.6/"]]) {
    const open = await ask(world + mixed, from, request);
    assert.deepEqual([open.status, open.endpoint], [200, "bank/ledger"], `${from}: the addressed endpoint, the pod 10.0.0.10, is judged and answers (was: backup.example.com, out of the model)`);
    assert.match(layer(open, "backend"), /include host names \(backup\.example\.com port 8080\) besides addresses/);
    const closed = await ask(world + mixed + ledgerClosed, from, request);
    assert.deepEqual([closed.connection ?? null, closed.reason], [null, "the connection to backup.example.com port 8080 leaves the model"], `${from}: the pod's NetworkPolicy denies it; the host name's share goes on`);
    assert.match(layer(closed, "network"), /deny the connection to every addressed endpoint \(1, e\.g\. bank\/ledger port 8080\); those balanced to backup\.example\.com port 8080 leave the model/);
  }
});
