import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { cli, tempFiles } from "./helpers.js";
import { withPolicies } from "./fixtures/e2e-model.js";
import { generateCluster } from "../src/generate/cluster.js";
import { POLICY_KINDS } from "../src/sources/kinds.js";

const GOLDEN = "test/golden/shop-k8s.yaml";

test("compile --target k8s on examples/shop matches the golden file, verifies, and is idempotent", async () => {
  const r = await cli(["compile", "-f", "examples/shop", "--target", "k8s", "--verify"]);
  assert.equal(r.code, 0, r.err);
  assert.match(r.err, /verify: equivalent/);
  assert.equal(r.out, readFileSync(GOLDEN, "utf8"));
  assert.match(r.out, /app\.kubernetes\.io\/managed-by: junction/);
  // Compiling the compiled policies again gives the same text.
  const { dir, cleanup } = tempFiles({ "compiled.yaml": r.out });
  try {
    const again = await cli(["compile", "-f", dir, "--target", "k8s"]);
    assert.equal(again.out, r.out);
  } finally { cleanup(); }
});

test("-o json prints a kind: List that reads back with -f", async () => {
  const r = await cli(["compile", "-f", "examples/shop", "--target", "k8s", "-o", "json"]);
  const list = JSON.parse(r.out);
  assert.equal(list.kind, "List");
  assert.equal(list.items.length, 11);
  const back = await cli(["convert", "policy", "-f", "-", "--to", "k8s", "-o", "json"], r.out);
  assert.equal(back.code, 0, back.err);
  assert.deepEqual(JSON.parse(back.out).items.map((o: { metadata: { name: string } }) => o.metadata.name), list.items.map((o: { metadata: { name: string } }) => o.metadata.name));
});

test("round trip k8s → common → k8s on examples/shop is verified equivalent both ways", async () => {
  const common = await cli(["convert", "policy", "-f", "examples/shop", "--to", "common", "--verify"]);
  assert.equal(common.code, 0, common.err);
  assert.match(common.out, /kind: TrafficPolicy/);
  const inventory = ["namespaces.yaml", "outside.yaml", "payments.yaml", "platform.yaml", "shop.yaml"];
  const files: Record<string, string> = { "common.yaml": common.out };
  for (const f of inventory) files[f] = readFileSync(`examples/shop/${f}`, "utf8");
  const { dir, cleanup } = tempFiles(files);
  try {
    const k8s = await cli(["convert", "policy", "-f", dir, "--to", "k8s", "--verify"]);
    assert.equal(k8s.code, 0, k8s.err);
    assert.match(k8s.err, /verify: equivalent/);
    const golden = readFileSync(GOLDEN, "utf8").split("\n").filter((l) => !l.startsWith("#") && !l.includes("generated-from")).join("\n");
    assert.equal(k8s.out.split("\n").filter((l) => !l.startsWith("#") && !l.includes("generated-from")).join("\n"), golden);
  } finally { cleanup(); }
});

test("a rule the target cannot express is an error naming file:line, the rule and the targets that can", async () => {
  const input = withPolicies(`apiVersion: junction.dev/v1alpha1
kind: TrafficPolicy
metadata: {name: no-b, namespace: x}
spec:
  tier: Namespace
  subject: {}
  ingress:
  - name: deny-b
    action: Deny
    from: [{workloads: {matchLabels: {pod: b}}}]
  - action: Allow
    http: [{methods: [GET]}]`);
  const r = await cli(["compile", "-f", "-", "--target", "k8s"], input);
  assert.equal(r.code, 2);
  assert.equal(r.out, "");
  assert.match(r.err, /<stdin>:\d+: TrafficPolicy x\/no-b, ingress rule 0 "deny-b": NetworkPolicy rules can only allow; this rule denies \(expressible by: Calico NetworkPolicy, the common API/);
  assert.match(r.err, /ingress rule 1: NetworkPolicy cannot match HTTP requests \(expressible by: Cilium/);
  assert.match(r.err, /2 rules or policies cannot be expressed by --target k8s; nothing was compiled/);
});

test("--verify reports a flow whose verdict differs and exits 1", async () => {
  // A hand-edited "conversion" that drops a rule: verify must notice.
  const original = withPolicies(`apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: p, namespace: x}
spec:
  podSelector: {}
  ingress:
  - from: [{podSelector: {matchLabels: {pod: b}}}]`);
  const { dir, cleanup } = tempFiles({ "in.yaml": original });
  try {
    const r = await cli(["convert", "policy", "-f", dir, "--to", "common", "--verify"]);
    assert.equal(r.code, 0, r.err);
    const { verifyTranslation } = await import("../src/cli/verify.js");
    const { loadPaths } = await import("../src/sources/load.js");
    const loaded = loadPaths([dir]);
    let err = "";
    const io = { out: () => {}, err: (s: string) => { err += s; }, stdin: () => "", cwd: "." };
    const broken = r.out.replace(/ingress:\n(.|\n)*$/, "ingress: []\n");
    const code = verifyTranslation(loaded, { hostNetwork: "node", ownNode: "allow", samePriority: "name" }, (raw) => raw.kind === "NetworkPolicy", broken, io);
    assert.equal(code, 1);
    assert.match(err, /verify: differs: x\/b → x\/a: allowed before, denied after: TCP 1-65535/);
  } finally { cleanup(); }
});

test("convert policy --to common: Calico and Cilium examples migrate and verify", async () => {
  for (const ex of ["examples/calico", "examples/cilium", "examples/common"]) {
    const r = await cli(["convert", "policy", "-f", ex, "--to", "common", "--verify"]);
    assert.equal(r.code, 0, `${ex}: ${r.err}`);
    assert.match(r.err, /verify: equivalent/);
  }
  const calico = await cli(["convert", "policy", "-f", "examples/calico", "--to", "common"]);
  assert.match(calico.out, /kind: Workload\nmetadata:\n  name: db-host-eth0/);
  assert.match(calico.out, /kind: Network\nmetadata:\n  name: blocked-ranges/);
});

test("convert policy --to k8s reports what cannot convert, and why; exit 1", async () => {
  const r = await cli(["convert", "policy", "-f", "examples/cilium", "--to", "k8s"]);
  assert.equal(r.code, 1);
  assert.match(r.err, /not converted: examples\/cilium\/policies\.yaml:10: CiliumNetworkPolicy app\/backend, ingress rule 0: NetworkPolicy cannot match HTTP requests/);
  assert.match(r.err, /matches only addresses outside the cluster \(Cilium CIDR\/world semantics\)/);
});

test("schema prints JSON Schemas and writes them without clobbering", async () => {
  const r = await cli(["schema", "TrafficPolicy"]);
  assert.equal(r.code, 0);
  const s = JSON.parse(r.out);
  assert.equal(s.properties.kind.const, "TrafficPolicy");
  assert.deepEqual(s.properties.spec.properties.tier.enum, ["Admin", "Namespace", "Baseline"]);
  const all = JSON.parse((await cli(["schema"])).out);
  assert.equal(all.allOf.length, 4);
  const { dir, cleanup } = tempFiles({ "schemas/all.json": "{}\n" });
  try {
    const w = await cli(["schema", "-o", `${dir}/schemas`]);
    assert.equal(w.code, 2);
    assert.match(w.err, /not overwriting .*all\.json/);
    assert.equal(readFileSync(`${dir}/schemas/all.json`, "utf8"), "{}\n");
    assert.equal((await cli(["schema", "-o", `${dir}/schemas`, "--force"])).code, 0);
    assert.equal(JSON.parse(readFileSync(`${dir}/schemas/trafficpolicy.json`, "utf8")).title, "TrafficPolicy");
  } finally { cleanup(); }
  assert.equal((await cli(["schema", "Bogus"])).code, 2);
});

test("the checked-in schemas/ are what junction schema writes", async () => {
  for (const kind of ["TrafficPolicy", "Workload", "Network", "Cluster"]) {
    assert.equal(readFileSync(`schemas/${kind.toLowerCase()}.json`, "utf8"), (await cli(["schema", kind])).out, `schemas/${kind.toLowerCase()}.json is stale: run junction schema -o schemas`);
  }
  assert.equal(readFileSync("schemas/all.json", "utf8"), (await cli(["schema"])).out);
});

test("round trip k8s → common → k8s on generated clusters is verified equivalent both ways", async () => {
  for (const seed of [3, 11]) {
    const gen = generateCluster({ pods: 150, namespaces: 5, policies: 30, seed });
    const all: Record<string, string> = {};
    const inventoryOnly: Record<string, string> = {};
    for (const f of gen) {
      const text = f.objects.map((o) => JSON.stringify(o)).join("\n---\n") + "\n";
      all[`${f.path}.yaml`] = text;
      const kept = f.objects.filter((o) => !POLICY_KINDS.has(String(o.kind)));
      if (kept.length) inventoryOnly[`${f.path}.yaml`] = kept.map((o) => JSON.stringify(o)).join("\n---\n") + "\n";
    }
    const original = tempFiles(all);
    try {
      const common = await cli(["convert", "policy", "-f", original.dir, "-R", "--to", "common", "--verify"]);
      assert.equal(common.code, 0, common.err);
      assert.match(common.err, /verify: equivalent/);
      const back = tempFiles({ ...inventoryOnly, "common.yaml": common.out });
      try {
        const k8s = await cli(["compile", "-f", back.dir, "-R", "--target", "k8s", "--verify"]);
        assert.equal(k8s.code, 0, k8s.err);
        assert.match(k8s.err, /verify: equivalent/);
        assert.match(k8s.out, /kind: AdminNetworkPolicy/);
        assert.match(k8s.out, /kind: NetworkPolicy/);
      } finally { back.cleanup(); }
    } finally { original.cleanup(); }
  }
});

// A Calico rule with ipVersion and selectors matches one family of the endpoints it selects; the
// policy APIs the back ends write select endpoints for both: reported and left out, never widened.
test("convert policy: a Calico rule limited to one IP family with selectors is reported, not widened", async () => {
  const yaml = "apiVersion: projectcalico.org/v3\nkind: NetworkPolicy\nmetadata: {name: v4, namespace: x}\nspec:\n  selector: app == 'a'\n  ingress:\n  - {action: Allow, ipVersion: 4, source: {selector: app == 'b'}}\n  - {action: Allow, ipVersion: 4, source: {nets: [10.0.0.0/8]}}\n";
  for (const to of ["common", "k8s"]) {
    const r = await cli(["convert", "policy", "-f", "-", "--to", to], yaml);
    assert.equal(r.code, 1, r.err);
    assert.match(r.err, /not converted: <stdin>:\d+: Calico NetworkPolicy x\/v4, ingress rule 0: the rule matches only IPv4 traffic of the endpoints it selects \(Calico ipVersion\)/, r.err);
    if (to === "common") assert.match(r.out, /10\.0\.0\.0\/8/, "the nets rule is converted");
    assert.doesNotMatch(r.out, /app: b/, "the selector rule is left out");
  }
});

test("convert policy --to common: a Calico policy's negative order (Namespace tier) is shifted with its tier, not written below 0, which the common API refuses", async () => {
  const calico = (name: string, order: string, action: string) => `apiVersion: projectcalico.org/v3\nkind: NetworkPolicy\nmetadata: {name: ${name}, namespace: x}\nspec:\n${order}  selector: app == 'a'\n  ingress: [{action: ${action}}]\n`;
  const yaml = [
    "apiVersion: v1\nkind: Pod\nmetadata: {name: a, namespace: x, labels: {app: a}}\nspec: {containers: [{name: c, image: i}]}\nstatus: {podIP: 10.0.0.5}\n",
    "apiVersion: v1\nkind: Pod\nmetadata: {name: b, namespace: x, labels: {app: b}}\nspec: {containers: [{name: c, image: i}]}\nstatus: {podIP: 10.0.0.6}\n",
    calico("first", "  order: -5\n", "Pass"), calico("late", "  order: 999\n", "Deny"), calico("unordered", "", "Allow"),
    "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: k8s, namespace: x}\nspec:\n  podSelector: {}\n  ingress: [{}]\n",
  ].join("---\n");
  const r = await cli(["convert", "policy", "-f", "-", "--to", "common", "--verify"], yaml);
  assert.equal(r.code, 0, r.err);
  assert.match(r.err, /verify: equivalent/);
  // Every priority of the tier moved by 5: the NetworkPolicy's default 1000 is written as 1005, after late's 1004.
  const priorities = [...r.out.matchAll(/name: (\w+)\n(?:.*\n)*?  priority: (\d+)/g)].map((m) => `${m[1]} ${m[2]}`);
  assert.deepEqual(priorities, ["first 0", "late 1004", "k8s 1005", "unordered 9007199254740991"]);
});
