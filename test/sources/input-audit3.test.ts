// Input audit, fourth round: field values as the API server defaults them, assertion files that
// would silently check something else, and serve's limits.

import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { cli, load, tempFiles } from "../helpers.js";

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
    [["unknown-kind", 2, 'no kind "networkpolicy" in networking.k8s.io/v1: kinds are case-sensitive (did you mean NetworkPolicy?)']]);
  // A kind Junction does not read, in any group, is still only counted.
  const other = load({ "x.yaml": "apiVersion: example.com/v1\nkind: networkpolicy\nmetadata: {name: p}\n---\napiVersion: v1\nkind: LimitRange\nmetadata: {name: l}\n" });
  assert.deepEqual(other.diagnostics.errors, []);
  assert.equal(other.inventory.unknownKinds.get("networkpolicy"), 1);
});
