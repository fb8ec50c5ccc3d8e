// Input audit, tenth round: kube-proxy's configuration as an embedded document (its lines, its
// unknown fields), and what landed with it read from hostile input.

import { test } from "node:test";
import assert from "node:assert/strict";
import { cli, load, tempFiles } from "../helpers.js";
import { Locator } from "../../src/sources/locate.js";

const kubeProxyConfigMap = (conf: string, style = "|") => `apiVersion: v1
kind: ConfigMap
metadata: {name: kube-proxy, namespace: kube-system}
data:
  kubeconfig.conf: x
  config.conf: ${style}
    apiVersion: kubeproxy.config.k8s.io/v1alpha1
    kind: KubeProxyConfiguration
    # a comment
${conf.split("\n").map((l) => `    ${l}`).join("\n")}
`;

async function listErr(files: Record<string, string>): Promise<{ code: number; err: string }> {
  const { dir, cleanup } = tempFiles(files);
  try {
    const r = await cli(["list", "-f", dir, "-q"]);
    return { code: r.code, err: r.err };
  } finally { cleanup(); }
}

test("a field inside an embedded document (a literal block: kube-proxy's config.conf, Istio's mesh) is located at its own line, not at the key's", async () => {
  const yaml = kubeProxyConfigMap("mode: ipvs\nclusterCIDR: 10.0.0.0/33\ndetectLocalMode: Foo\niptables:\n  masqueradeAll: \"yes\"");
  const r = await listErr({ "k.yaml": yaml });
  assert.equal(r.code, 2);
  assert.match(r.err, /k\.yaml:11 data\.config\.conf\.clusterCIDR: "10\.0\.0\.0\/33" must be a valid CIDR block/);
  assert.match(r.err, /k\.yaml:12 data\.config\.conf\.detectLocalMode: "Foo" is not one of ClusterCIDR, NodeCIDR, BridgeInterface, InterfaceNamePrefix \(or unset\)/);
  assert.match(r.err, /k\.yaml:14 data\.config\.conf\.iptables\.masqueradeAll: must be true or false/);
  assert.doesNotMatch(r.err, /Error|    at /);
  // The Locator directly: a missing field inside is its nearest ancestor's line; a path that goes nowhere inside is the key's line.
  const locator = new Locator([{ name: "k.yaml", text: yaml }]);
  const ref = { file: "k.yaml", doc: 0, path: [] };
  assert.equal(locator.lineOf(ref, ["data", "config.conf", "iptables", "masqueradeAll"]), 14);
  assert.equal(locator.lineOf(ref, ["data", "config.conf", "iptables", "nothing"]), 13);
  assert.equal(locator.lineOf(ref, ["data", "config.conf", "nothing"]), 6);
  // A quoted or folded scalar's lines are not its value's: the key's line.
  const folded = kubeProxyConfigMap("mode: ipvs\nclusterCIDR: 10.0.0.0/33", ">");
  assert.equal(new Locator([{ name: "k.yaml", text: folded }]).lineOf(ref, ["data", "config.conf", "clusterCIDR"]), 6);
  // Istio's mesh configuration is located the same way.
  const mesh = `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: istio, namespace: istio-system}\ndata:\n  mesh: |-\n    trustDomain: cluster.local\n    rootNamespace: Not_A_Label\n`;
  const m = await listErr({ "m.yaml": mesh });
  assert.match(m.err, /m\.yaml:7 data\.mesh\.rootNamespace/);
});

test("an unknown field of KubeProxyConfiguration is a warning (kube-proxy's lenient decoding of v1alpha1 ignores it and logs one), and it sets nothing", () => {
  const loaded = load({ "k.yaml": kubeProxyConfigMap("mode: iptables\nclusterCIDR: 10.1.0.0/16\nbogusField: 1\niptables:\n  masqueradAll: true\nnftables: {masqueradeAll: true}") });
  assert.deepEqual(loaded.diagnostics.errors, []);
  const warnings = loaded.diagnostics.items.filter((d) => d.severity === "warning");
  assert.deepEqual(warnings.map((w) => [w.code, w.field?.join(".")]), [["unknown-field", "data.config.conf.bogusField"], ["unknown-field", "data.config.conf.iptables.masqueradAll"]]);
  assert.match(warnings[1].message, /unknown field "masqueradAll" in iptables: kube-proxy ignores it/);
  // The misspelt field sets nothing: no masqueradeAll (and nftables' is not iptables mode's).
  assert.equal(loaded.inventory.kubeProxy!.masqueradeAll, undefined);
  // Known fields kube-proxy has and Junction does not read are no warning.
  const known = load({ "k.yaml": kubeProxyConfigMap("bindAddress: 0.0.0.0\nclientConnection: {kubeconfig: /var/lib/kube-proxy/kubeconfig.conf}\nconntrack: {maxPerCore: 0}\nipvs: {strictARP: true}\ndetectLocal: {bridgeInterface: cbr0}") });
  assert.deepEqual(known.diagnostics.items.filter((d) => d.severity !== "info").map((d) => d.message), []);
});

test("kube-proxy's configuration from hostile input: YAML errors, alias bombs, another apiVersion, a non-object: errors naming the field, exit 2, no stack", async () => {
  const cases: [string, RegExp][] = [
    ["mode: [iptables\nclusterCIDR: 10.0.0.0/8", /k\.yaml:6 data\.config\.conf: not YAML: .*\(kube-proxy refuses this configuration\)/],
    ["a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]\ng: [*f, *f, *f, *f, *f, *f, *f, *f, *f]", /not YAML: document contains excessive aliasing/],
    ["mode: 7", /k\.yaml:10 data\.config\.conf\.mode: must be a string, not number 7/],
    ["nodePortAddresses: 10.0.0.0/8", /k\.yaml:10 data\.config\.conf\.nodePortAddresses: must be a list/],
  ];
  for (const [conf, expected] of cases) {
    const r = await listErr({ "k.yaml": kubeProxyConfigMap(conf) });
    assert.equal(r.code, 2, conf);
    assert.match(r.err, expected, conf);
    assert.doesNotMatch(r.err, /    at /, conf);
  }
  const beta = await listErr({ "k.yaml": kubeProxyConfigMap("mode: ipvs").replace("v1alpha1", "v1beta1") });
  assert.equal(beta.code, 2);
  assert.match(beta.err, /"kubeproxy\.config\.k8s\.io\/v1beta1, KubeProxyConfiguration": kube-proxy's configuration is apiVersion kubeproxy\.config\.k8s\.io\/v1alpha1/);
  const scalar = await listErr({ "k.yaml": kubeProxyConfigMap("").replace(/config\.conf: \|[^]*$/, "config.conf: 5\n") });
  assert.equal(scalar.code, 2);
  assert.match(scalar.err, /k\.yaml:6 data\.config\.conf: must be a string, not number 5/);
});

const serviceEntry = (endpoints: string) => `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: c, namespace: default}
spec:
  hosts: [x.example.com]
  resolution: STATIC
  ports: [{number: 80, name: http}]
  endpoints:
  - ${endpoints}
`;

test("a type error blocks the object's CEL rules, as the API server skips them (hasBlockingErr): the type error is reported, not a rule that 'could not be evaluated'", () => {
  const loaded = load({ "se.yaml": serviceEntry("address: 5") });
  const errors = loaded.diagnostics.errors.map((e) => `${e.field?.join(".")}: ${e.message}`);
  assert.deepEqual(errors, ["spec.endpoints.0.address: must be a string, not number 5"]);
  // Without a type error the rules run: a unix address with ports is refused by the rule.
  const rule = load({ "se.yaml": serviceEntry("{address: 'unix:///sock', ports: {http: 8080}}") });
  assert.match(rule.diagnostics.errors.map((e) => e.message).join("\n"), /UDS|unix/i);
});

test("an error on a field the schema and the front end both report, below another field the schema refused, is reported once (it was dropped by both)", () => {
  const many = Array.from({ length: 129 }, (_, i) => `p${i}: ${i + 1}`).join(", ");
  const loaded = load({ "se.yaml": serviceEntry(`{address: 1.2.3.4, ports: {${many}, http: x}}`) });
  const errors = loaded.diagnostics.errors.map((e) => `${e.field?.join(".")}: ${e.message}`);
  assert.ok(errors.some((e) => /^spec\.endpoints\.0\.ports: must have at most 128 fields/.test(e)), errors.join("\n"));
  assert.ok(errors.some((e) => /^spec\.endpoints\.0\.ports\.http: must be an integer/.test(e)), errors.join("\n"));
});

test("a duplicate key inside kube-proxy's or istiod's embedded configuration: the last one is kept with a warning, as their non-strict decoding keeps it (it was an error, refusing a file they read)", async () => {
  const loaded = load({ "k.yaml": kubeProxyConfigMap("mode: ipvs\nclusterCIDR: 10.1.0.0/16\nmode: nftables") });
  assert.deepEqual(loaded.diagnostics.errors, []);
  assert.equal(loaded.inventory.kubeProxy!.mode, "nftables");
  const w = loaded.diagnostics.items.filter((d) => d.severity === "warning");
  assert.deepEqual(w.map((d) => [d.code, d.field?.join(".")]), [["duplicate-key", "data.config.conf.mode"]]);
  assert.match(w[0].message, /duplicate key "mode": kube-proxy's strict decoding fails on it, and its lenient decoding keeps the last one/);
  const mesh = `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: istio, namespace: istio-system}\ndata:\n  mesh: |-\n    rootNamespace: a\n    rootNamespace: b\n`;
  const m = load({ "m.yaml": mesh });
  assert.deepEqual(m.diagnostics.errors, []);
  assert.equal(m.inventory.mesh.settings.istioRootNamespace, "b");
  assert.match(m.diagnostics.items.filter((d) => d.severity === "warning").map((d) => d.message).join("\n"), /duplicate key "rootNamespace": istiod keeps the last one/);
  // A manifest's own duplicate key is still an error (kubectl's server-side strict decoding refuses it).
  const top = await listErr({ "k.yaml": kubeProxyConfigMap("mode: ipvs").replace("kind: ConfigMap", "kind: ConfigMap\nkind: ConfigMap") });
  assert.equal(top.code, 2);
  assert.match(top.err, /duplicate key "kind"/);
});
