// Input audit, fourth round: field values as the API server defaults them, assertion files that
// would silently check something else, and serve's limits.

import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { cli, load, tempFiles } from "../helpers.js";
import { formatPath } from "../../src/model/source.js";

const service = (targetPort: string) =>
  `apiVersion: v1\nkind: Service\nmetadata: {name: s, namespace: default}\nspec:\n  selector: {app: a}\n  ports:\n  - port: 8080\n${targetPort ? `    targetPort: ${targetPort}\n` : ""}`;

test("SetDefaults_Service (pkg/apis/core/v1/defaults.go): a targetPort of 0 or \"\" is the port, as when it is absent or null; \"0\" stays an invalid port name", () => {
  for (const written of ["", "0", "0.0", '""', "null", "~"]) {
    const loaded = load({ "s.yaml": service(written) });
    assert.deepEqual(loaded.diagnostics.errors.map((d) => d.message), [], written);
    assert.equal(loaded.inventory.services[0].ports[0].targetPort, 8080, written);
  }
  assert.equal(load({ "s.yaml": service("http") }).inventory.services[0].ports[0].targetPort, "http");
  for (const written of ['"0"', "-1", '"80"']) {
    const loaded = load({ "s.yaml": service(written) });
    assert.equal(loaded.diagnostics.errors.length, 1, written);
    assert.deepEqual(loaded.diagnostics.errors[0].field, ["spec", "ports", 0, "targetPort"], written);
  }
});

test("a flow assertion with a field test does not know (protcol: UDP) is refused: it would check TCP and pass", async () => {
  const pod = (name: string) => `apiVersion: v1\nkind: Pod\nmetadata: {name: ${name}, namespace: default, labels: {app: ${name}}}\nspec: {containers: [{name: c, image: x}]}\n---\n`;
  const policy = pod("a") + pod("b")
    + "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: default}\nspec:\n  podSelector: {}\n  ingress: [{ports: [{port: 53, protocol: UDP}]}]\n";
  const t = tempFiles({
    "m.yaml": policy,
    "typo.yaml": "- {from: default/a, to: default/b, port: 53, protcol: UDP, expect: deny}\n",
    "good.yaml": "- {from: default/a, to: default/b, port: 53, protocol: UDP, expect: allow, name: dns}\n- {from: default/a, to: default/b, port: 53, expect: deny}\n",
  });
  try {
    const typo = await cli(["test", "-f", join(t.dir, "m.yaml"), "--expect", join(t.dir, "typo.yaml")]);
    assert.equal(typo.code, 2);
    assert.match(typo.err, /typo\.yaml:1: assertion 1, protcol: unknown field "protcol"/);
    const good = await cli(["test", "-f", join(t.dir, "m.yaml"), "--expect", join(t.dir, "good.yaml")]);
    assert.equal(good.code, 0, good.err + good.out);
  } finally { t.cleanup(); }
});

test("a --requests expectation with a field the checker does not know (backnd:) is refused: nothing would check it and the request would pass", async () => {
  const routes = "apiVersion: v1\nkind: Namespace\nmetadata: {name: infra}\n---\napiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata: {name: gc}\nspec: {controllerName: example.com/gc}\n"
    + "---\napiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: gw, namespace: infra}\nspec:\n  gatewayClassName: gc\n  listeners: [{name: http, port: 80, protocol: HTTP}]\n";
  const t = tempFiles({
    "gw.yaml": routes,
    "typo.yaml": "- {gateway: infra/gw, host: a.example.com, path: /, expect: {status: 404, backnd: shop/web}}\n",
    "good.yaml": "- {gateway: infra/gw, host: a.example.com, path: /, expect: {status: 404}}\n",
  });
  try {
    const typo = await cli(["route", "-f", join(t.dir, "gw.yaml"), "--requests", join(t.dir, "typo.yaml")]);
    assert.equal(typo.code, 2);
    assert.match(typo.err, /typo\.yaml:1: request 1, expect\.backnd: unknown field "backnd"/);
    const good = await cli(["route", "-f", join(t.dir, "gw.yaml"), "--requests", join(t.dir, "good.yaml")]);
    assert.equal(good.code, 0, good.err + good.out);
  } finally { t.cleanup(); }
});

test("cli-runtime's SetNamespace visitor: metadata.namespace \"\" is no namespace, so the object is in the default namespace (and is the same object as one written without it)", () => {
  const np = (ns: string) => `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p${ns}}\nspec: {podSelector: {}}\n`;
  const loaded = load({ "np.yaml": np(", namespace: \"\"") + "---\n" + np("") });
  assert.deepEqual(loaded.diagnostics.errors.map((d) => d.message), []);
  assert.equal(loaded.inventory.policies.length, 1);
  assert.equal(loaded.inventory.policies[0].namespace, "default");
  assert.match(loaded.diagnostics.items.filter((d) => d.severity === "warning").map((d) => d.message).join("\n"), /NetworkPolicy default\/p is defined again/);
});

test("kinds are case-sensitive (the RESTMapper matches them exactly: kubectl says 'no matches for kind'): kind: networkpolicy is an error, not an unknown kind skipped", () => {
  const loaded = load({ "np.yaml": "apiVersion: networking.k8s.io/v1\nkind: networkpolicy\nmetadata: {name: p}\nspec: {podSelector: {}}\n" });
  assert.deepEqual(loaded.diagnostics.errors.map((d) => [d.code, d.line, d.message]),
    [["unknown-kind", 2, 'no kind "networkpolicy" in networking.k8s.io/v1: kinds are case-sensitive (did you mean NetworkPolicy?); kubectl fails on it: no matches for kind "networkpolicy" in version "networking.k8s.io/v1"']]);
  // A kind Junction does not read, in any group, is still only counted.
  const other = load({ "x.yaml": "apiVersion: example.com/v1\nkind: networkpolicy\nmetadata: {name: p}\n---\napiVersion: v1\nkind: LimitRange\nmetadata: {name: l}\n" });
  assert.deepEqual(other.diagnostics.errors, []);
  assert.equal(other.inventory.unknownKinds.get("networkpolicy"), 1);
});

test("common API: a field its schema does not have (additionalProperties: false) is an error in Workload, Network and Cluster too, as in TrafficPolicy; before, a misspelt field was read as absent", () => {
  const loaded = load({ "c.yaml": [
    "apiVersion: junction.dev/v1alpha1\nkind: Workload\nmetadata: {name: vm, namespace: default}\nspec:\n  addresses: [10.1.0.5]\n  serviceAcount: db\n  ports: [{name: pg, port: 5432, protocl: UDP}]\nstatus: {}\n",
    "apiVersion: junction.dev/v1alpha1\nkind: Network\nmetadata: {name: net}\nspec:\n  cidrs: [10.2.0.0/16]\n  excpt: [10.2.1.0/24]\n",
    "apiVersion: junction.dev/v1alpha1\nkind: Cluster\nmetadata: {name: east}\nspec:\n  podCIDRs: [10.8.0.0/16]\n  egressNat: [192.0.2.1/32]\n",
  ].join("---\n") });
  assert.deepEqual(loaded.diagnostics.errors.map((d) => [d.line, d.message]).sort((a, b) => Number(a[0]) - Number(b[0])), [
    [6, 'unknown field "serviceAcount" (a Workload\'s spec has addresses, ports, serviceAccount)'],
    [7, 'unknown field "protocl" (a port has name, port, protocol)'],
    [8, 'unknown field "status" (a Workload has apiVersion, kind, metadata, spec)'],
    [15, 'unknown field "excpt" (a Network\'s spec has cidrs)'],
    [22, 'unknown field "egressNat" (a Cluster\'s spec has podCIDRs, serviceCIDRs, egressNAT)'],
  ]);
  // Calico HostEndpoint ports read through the same reader keep the schema's single report.
  const hep = load({ "h.yaml": "apiVersion: projectcalico.org/v3\nkind: HostEndpoint\nmetadata: {name: h}\nspec:\n  node: n\n  expectedIPs: [10.0.0.1]\n  ports: [{name: ssh, port: 22, protocol: TCP, bogus: 1}]\n" });
  assert.equal(hep.diagnostics.errors.filter((d) => /bogus/.test(d.message)).length, 1);
});

test("flow logs and histories: a time beyond what a Date holds is an error naming the line and field (it was an internal error, exit 70, when the summary printed it)", async () => {
  const t = tempFiles({
    "history.jsonl": '{"junction":"history","version":1}\n{"at":"2026-12-05T06:00:00Z","op":"up","after":null,"holder":{"kind":"node","name":"n1"},"addresses":["192.168.0.10"]}\n',
    "vpc.log": "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n2 1 eni-1 10.0.1.10 192.168.0.10 41000 8080 6 10 840 17999999999999999999999996451090 1796450610 ACCEPT OK\n",
    "ct.txt": "[99999999999999999999.5]\t[NEW] tcp      6 120 SYN_SENT src=10.0.1.10 dst=192.168.0.10 sport=41000 dport=80 [UNREPLIED] src=192.168.0.10 dst=10.0.1.10 sport=80 dport=41000\n",
    "f.csv": "time,src,sport,dst,dport,protocol,action\n99999999999999999,10.0.1.10,41000,192.168.0.10,8080,tcp,allow\n",
    "bad-history.jsonl": '{"junction":"history","version":1}\n{"at":"99999999999999999","op":"up","after":null,"holder":{"kind":"node","name":"n1"},"addresses":["192.168.0.10"]}\n',
  });
  try {
    const flows = (log: string, history = "history.jsonl") => cli(["flows", "--history", join(t.dir, history), "--flows", join(t.dir, log)]);
    const vpc = await flows("vpc.log");
    assert.equal(vpc.code, 2, vpc.err);
    assert.match(vpc.err, /vpc\.log:2: start: "17999999999999999999999996451090" is not a time in Unix seconds/);
    const ct = await flows("ct.txt");
    assert.equal(ct.code, 2, ct.err);
    assert.match(ct.err, /ct\.txt:1: timestamp: "99999999999999999999\.5" is not a time in Unix seconds/);
    const csv = await flows("f.csv");
    assert.equal(csv.code, 2, csv.err);
    assert.match(csv.err, /f\.csv:2: time: "99999999999999999" is not a time/);
    const history = await flows("f.csv", "bad-history.jsonl");
    assert.equal(history.code, 2, history.err);
    assert.match(history.err, /bad-history\.jsonl:2: at: "99999999999999999" is not a time/);
  } finally { t.cleanup(); }
});

test("built-in kinds are decoded into Go structs: an int32 field (or an int-or-string's number) beyond int32, an int64 beyond int64, is refused as encoding/json refuses it; CRD integers are not bounded by their format", () => {
  const deployment = (replicas: string, grace: string, hostPort: string) => `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d, namespace: default}\nspec:\n  replicas: ${replicas}\n  selector: {matchLabels: {a: b}}\n  template:\n    metadata: {labels: {a: b}}\n    spec:\n      terminationGracePeriodSeconds: ${grace}\n      containers: [{name: c, image: x, ports: [{containerPort: 80, hostPort: ${hostPort}}]}]\n`;
  const errors = (text: string) => load({ "d.yaml": text }).diagnostics.errors.map((d) => [d.line, d.message]);
  assert.deepEqual(errors(deployment("2147483647", "9007199254740991", "8080")), []);
  assert.deepEqual(errors(deployment("2147483648", "99999999999999999999", "-2147483649")), [
    [5, "2147483648 is above the maximum 2147483647"],
    [10, "100000000000000000000 is above the maximum 9223372036854775807 of an int64"],
    [11, "-2147483649 is below the minimum -2147483648"],
  ]);
  // IntOrString holds an int32: a probe's port of 2^32 + 80 is not port 80 to the API server.
  const pod = load({ "p.yaml": "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: default}\nspec:\n  containers: [{name: c, image: x, readinessProbe: {tcpSocket: {port: 4294967376}}}]\n" });
  assert.deepEqual(pod.diagnostics.errors.map((d) => d.message), ["4294967376 is above the maximum 2147483647"]);
  // A CRD's integers: bounded by their schema's own minimum and maximum only.
  const route = load({ "r.yaml": "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: r, namespace: default}\nspec:\n  rules: [{backendRefs: [{name: s, port: 80, weight: 1000000}]}]\n" });
  assert.deepEqual(route.diagnostics.errors.map((d) => d.message), []);
});

test("scannerc.go scan_to_next_token ('Allow the BOM'): a U+FEFF at the start of a line is skipped but counted as a column, so only a document's first one is harmless; elsewhere it is refused with its line (it was read as part of a key, or silently)", () => {
  const ns = (name: string) => `apiVersion: v1\nkind: Namespace\nmetadata: {name: ${name}}\n`;
  const ok = load({ "a.yaml": `${ns("a")}---\n\uFEFF${ns("b")}--- # next\n\uFEFF${ns("c")}` });
  assert.deepEqual(ok.diagnostics.errors.map((d) => d.message), []);
  assert.equal(ok.objects, 3);
  for (const [text, line] of [[`${ns("a")}---\n# joined\n\uFEFF${ns("b")}`, 6], [`apiVersion: v1\n\uFEFFkind: Namespace\nmetadata: {name: a}\n`, 2]] as const) {
    const loaded = load({ "b.yaml": text });
    assert.deepEqual(loaded.diagnostics.errors.map((d) => [d.line, d.message.split(":")[0]]), [[line, "a byte-order mark (U+FEFF) at the start of a line"]], JSON.stringify(text));
  }
  // Inside a value it is a character like any other.
  const inside = load({ "c.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n  annotations: {note: \"x\uFEFFy\"}\n" });
  assert.deepEqual(inside.diagnostics.errors, []);
});

