import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { cli, tempFiles } from "./helpers.js";

// Golden files: test/golden/convert-ingress/NAME.in.yaml → NAME.out.yaml (stdout) and NAME.err.txt
// (stderr). UPDATE_GOLDEN=1 npm test rewrites them.
const DIR = join(process.cwd(), "test", "golden", "convert-ingress");
const UPDATE = process.env.UPDATE_GOLDEN === "1";

for (const input of readdirSync(DIR).filter((f) => f.endsWith(".in.yaml")).sort()) {
  const name = input.replace(/\.in\.yaml$/, "");
  test(`convert ingress golden: ${name}`, async () => {
    const file = join("test", "golden", "convert-ingress", input);
    const r = await cli(["convert", "ingress", "-f", file]);
    assert.equal(r.code, 0, r.err);
    for (const [ext, text] of [[".out.yaml", r.out], [".err.txt", r.err]] as const) {
      const golden = join(DIR, name + ext);
      if (UPDATE || !existsSync(golden)) writeFileSync(golden, text);
      assert.equal(text, readFileSync(golden, "utf8"), `${name}${ext} differs from the golden file (UPDATE_GOLDEN=1 to accept)`);
    }
    const again = await cli(["convert", "ingress", "-f", file]);
    assert.equal(again.out, r.out, "the conversion is deterministic");
    const json = await cli(["convert", "ingress", "-f", file, "-o", "json"]);
    const list = JSON.parse(json.out);
    assert.equal(list.kind, "List");
    assert.deepEqual(list.items, parseAllDocuments(r.out).map((d) => d.toJS()), "-o json holds the same objects as the YAML");
  });
}

const CANARY = readFileSync(join(DIR, "canary.in.yaml"), "utf8");

test("canary rules follow ingress-nginx's order: header value, then cookie, then weight", async () => {
  const r = await cli(["convert", "ingress", "-f", "-", "-o", "json"], CANARY);
  const route = JSON.parse(r.out).items.find((o: { kind: string }) => o.kind === "HTTPRoute");
  const rules = route.spec.rules.filter((x: { matches: { path: { value: string } }[] }) => x.matches[0].path.value === "/");
  const summary = rules.map((x: { matches: { headers?: { name: string; value: string }[] }[]; backendRefs: { name: string; weight?: number }[] }) =>
    [(x.matches[0].headers ?? []).map((h) => `${h.name}=${h.value}`).join(), x.backendRefs.map((b) => `${b.name}${b.weight !== undefined ? `:${b.weight}` : ""}`).join()]);
  assert.deepEqual(summary, [
    ["X-Canary=beta", "storefront-v2"],
    ["Cookie=(.*;\\s*)?shop_canary=always(;.*)?", "storefront-v2"],
    ["Cookie=(.*;\\s*)?shop_canary=never(;.*)?", "storefront"],
    ["", "storefront:90,storefront-v2:10"],
  ]);
});

test("a canary without a main Ingress for its path is reported and not routed", async () => {
  const lone = CANARY.split("---").slice(1, 2).join("");
  const r = await cli(["convert", "ingress", "-f", "-"], lone);
  assert.equal(r.code, 0);
  assert.match(r.err, /warning: Ingress web\/shop-canary \(<stdin>:\d+\): canary for path \/ of shop\.example\.com ignored: no main Ingress serves it/);
  assert.doesNotMatch(r.out, /kind: HTTPRoute/);
});

test("a port name that no Service resolves stops the conversion with file, line and field (exit 2)", async () => {
  const r = await cli(["convert", "ingress", "-f", "-"], `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: a, namespace: web}
spec:
  ingressClassName: nginx
  rules:
  - http:
      paths:
      - path: /
        pathType: Prefix
        backend: {service: {name: api, port: {name: http}}}
`);
  assert.equal(r.code, 2);
  assert.match(r.err, /<stdin>:11 spec\.rules\[0\]\.http\.paths\[0\]\.backend\.service\.port\.name: the port name "http" cannot be resolved: Service web\/api is not in the input/);
  assert.equal(r.out, "");
});

test("--ingress-class converts one class and reports only the Ingresses it converted; class-less Ingresses are reported as skipped", async () => {
  const two = CANARY.replace("name: shop, namespace: web}\nspec:\n  ingressClassName: nginx", "name: shop, namespace: web}\nspec:\n  ingressClassName: traefik");
  const r = await cli(["convert", "ingress", "-f", "-", "--ingress-class", "traefik"], two);
  assert.doesNotMatch(r.err, /shop-canary/, "an Ingress of another class is not reported one by one");
  assert.match(r.err, /note: --ingress-class traefik: 2 Ingresses of other classes \(or without one\) left out/);
  assert.match(r.out, /gatewayClassName: traefik/);
  const t = tempFiles({});
  try {
    assert.equal((await cli(["convert", "ingress", "-f", "-", "--ingress-class", "traefik", "--report", join(t.dir, "r.json")], two)).code, 0);
    assert.deepEqual(JSON.parse(readFileSync(join(t.dir, "r.json"), "utf8")).ingresses.map((i: { name: string }) => i.name), ["shop"]);
  } finally { t.cleanup(); }
  const none = await cli(["convert", "ingress", "-f", "-", "--ingress-class", "traefk"], two);
  assert.equal(none.code, 2);
  assert.match(none.err, /no Ingress of class "traefk" in the input \(classes found: traefik, nginx\) \(did you mean traefik\?\)/);
  assert.equal(none.out, "");
  const classless = await cli(["convert", "ingress", "-f", "-"], CANARY.replace(/\n  ingressClassName: nginx/g, ""));
  assert.match(classless.err, /warning: Ingress web\/shop \(<stdin>:\d+\): not converted: the Ingress has no class and no single IngressClass is marked default/);
});

test("--strict exits 1 when something is not translated; --report writes JSON and never overwrites", async () => {
  const annotations = join("test", "golden", "convert-ingress", "annotations.in.yaml");
  assert.equal((await cli(["convert", "ingress", "-f", annotations, "--strict"])).code, 1);
  assert.equal((await cli(["convert", "ingress", "-f", join("test", "golden", "convert-ingress", "canary.in.yaml"), "--strict"])).code, 0);
  const t = tempFiles({ "existing.json": "keep me" });
  try {
    const report = join(t.dir, "report.json");
    assert.equal((await cli(["convert", "ingress", "-f", annotations, "--report", report])).code, 0);
    const data = JSON.parse(readFileSync(report, "utf8"));
    const legacy = data.ingresses.find((i: { name: string }) => i.name === "legacy");
    assert.deepEqual(legacy.annotations.map((a: { key: string; status: string }) => `${a.key}: ${a.status}`), [
      "cert-manager.io/cluster-issuer: not-translated",
      "kubectl.kubernetes.io/last-applied-configuration: ignored",
      "nginx.ingress.kubernetes.io/affinity: not-translated",
      "nginx.ingress.kubernetes.io/rewrite-target: translated",
      "nginx.ingress.kubernetes.io/upstream-vhost: translated",
    ]);
    assert.equal(legacy.line, 2);
    const again = await cli(["convert", "ingress", "-f", annotations, "--report", join(t.dir, "existing.json")]);
    assert.equal(again.code, 2);
    assert.match(again.err, /the file exists; Junction does not overwrite files/);
    assert.equal(readFileSync(join(t.dir, "existing.json"), "utf8"), "keep me");
  } finally { t.cleanup(); }
});

test("convert ingress and exposure have --help and reject bad usage with exit 2", async () => {
  for (const args of [["convert", "ingress", "--help"], ["exposure", "--help"]]) {
    const r = await cli(args);
    assert.equal(r.code, 0);
    assert.match(r.out, /Usage: junction (convert ingress|exposure) -f PATH/);
  }
  const bad = await cli(["convert", "ingress", "-f", "-", "-o", "xml"], "");
  assert.equal(bad.code, 2);
  assert.match(bad.err, /output format "xml", allowed formats are: yaml,json/);
});

test("a route never holds more than 16 rules: a host's rules are cut into routes, each path's rules together", async () => {
  const paths = Array.from({ length: 20 }, (_, i) => `      - {path: /p${i}, pathType: Prefix, backend: {service: {name: s, port: {number: 80}}}}`).join("\n");
  const r = await cli(["convert", "ingress", "-f", "-", "-o", "json"], `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: many, namespace: web}
spec:
  ingressClassName: nginx
  rules:
  - host: many.example.com
    http:
      paths:
${paths}
`);
  const routes = JSON.parse(r.out).items.filter((o: { kind: string }) => o.kind === "HTTPRoute");
  assert.deepEqual(routes.map((o: { metadata: { name: string }; spec: { rules: unknown[] } }) => [o.metadata.name, o.spec.rules.length]), [["many-many-example-com", 16], ["many-many-example-com-2", 4]]);
});

test("convert ingress with no Ingress in the input exits 2 and says so", async () => {
  const r = await cli(["convert", "ingress", "-f", "examples/shop"]);
  assert.equal(r.code, 2);
  assert.match(r.err, /no Ingress in the input \(examples\/shop\): nothing to convert/);
  assert.equal(r.out, "");
});

test("an Ingress too risky for ingress-nginx's default annotations-risk-level converts when the input lacks the controller's ConfigMap (the cluster admitted it), and not when the ConfigMap says the level", async () => {
  // ingress-nginx >= 1.12: the admission webhook and the controller check parser.CheckAnnotationRisk against annotations-risk-level
  // (default High); a cluster holding an Ingress with a Critical snippet passed that check at its own level.
  const ing = `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: web
  namespace: shop
  annotations: {nginx.ingress.kubernetes.io/configuration-snippet: 'more_set_headers "x: y";'}
spec:
  ingressClassName: nginx
  rules: [{host: shop.example.com, http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}]}}]
`;
  const cm = (data: string) => `---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: ingress-nginx-controller, namespace: ingress-nginx}\ndata: ${data}\n`;
  const kinds = (out: string) => JSON.parse(out).items.map((o: { kind: string }) => o.kind).sort().join();
  const unknown = await cli(["convert", "ingress", "-f", "-", "-o", "json"], ing);
  assert.equal(unknown.code, 0, unknown.err);
  assert.equal(kinds(unknown.out), "Gateway,HTTPRoute", "no ConfigMap: converted as the cluster serves it");
  assert.match(unknown.err, /configuration-snippet is a Critical-risk annotation.*no controller ConfigMap.*converted as served/);
  const known = await cli(["convert", "ingress", "-f", "-", "-o", "json"], ing + cm("{}"));
  assert.equal(kinds(known.out), "", "the ConfigMap without annotations-risk-level: the default High rejects the Ingress");
  assert.match(known.err, /not converted: ingress-nginx rejects the whole Ingress/);
  const critical = await cli(["convert", "ingress", "-f", "-", "-o", "json"], ing + cm("{annotations-risk-level: Critical}"));
  assert.equal(kinds(critical.out), "Gateway,HTTPRoute");
  assert.doesNotMatch(critical.err, /converted as served/);
});
