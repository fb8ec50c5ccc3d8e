// What a command loads depends on what its input holds: the regular-expression engine (re2js, through
// model/regex.ts) only when a pattern is compiled, so a plain NetworkPolicy input never loads it, nor
// checks the Cilium agent's default label filter (model/cilium-identity.ts defaultIdentity), which
// loaded it at every start. Both the bundle and tsc's output. NODE_DEBUG=esm,module makes Node name
// every module it loads, ES module or CommonJS, on stderr (a few MB of it).

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { tempFiles } from "../helpers.js";

const BIN = fileURLToPath(new URL("../../../bin/junction.js", import.meta.url));

const POD = { apiVersion: "v1", kind: "Pod", metadata: { name: "web", namespace: "shop", labels: { app: "web" } }, spec: { containers: [{ name: "c", image: "nginx" }] }, status: { podIP: "10.0.0.5" } };
const POLICY = {
  apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { name: "web", namespace: "shop" },
  spec: { podSelector: { matchLabels: { app: "web" } }, ingress: [{ from: [{ podSelector: {} }] }] },
};
// The Cilium agent's ConfigMap: its `labels` option is read against the default label filter.
const CILIUM_CONFIG = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "cilium-config", namespace: "kube-system" }, data: { labels: "k8s:app" } };

/** The modules of re2js a `list` of these objects loads (by tsc's output or the bundle), and its stdout. */
function re2Loaded(objects: object[], bundle: "on" | "off"): { loaded: boolean; out: string } {
  const t = tempFiles({ "input.json": JSON.stringify({ apiVersion: "v1", kind: "List", items: objects }) });
  try {
    const r = spawnSync(process.execPath, [BIN, "list", "-q", "-f", t.dir, "-o", "json"], {
      encoding: "utf8", maxBuffer: 256 << 20, env: { ...process.env, NODE_DEBUG: "esm,module", JUNCTION_BUNDLE: bundle, JUNCTION_RELAUNCH: "off" },
    });
    assert.equal(r.status, 0, r.stderr.slice(-2000));
    return { loaded: /node_modules\/re2js\//.test(r.stderr), out: r.stdout };
  } finally { t.cleanup(); }
}

for (const bundle of ["on", "off"] as const) {
  test(`a NetworkPolicy input loads no regular-expression engine; a Cilium agent's configuration does (bundle ${bundle})`, () => {
    const plain = re2Loaded([POD, POLICY], bundle);
    assert.equal(plain.loaded, false);
    assert.ok(JSON.parse(plain.out).length > 0);
    // The control: the same objects with the agent's ConfigMap check its label filter as RE2.
    assert.equal(re2Loaded([POD, POLICY, CILIUM_CONFIG], bundle).loaded, true);
  });
}
