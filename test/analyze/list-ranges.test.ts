// External ranges in `list`: np-guard cuts the address space at every CIDR and except of the
// policies and prints every atom ("adjacent atoms with identical connections are not merged", its
// connlist goldens); Junction merges adjacent atoms that no workload treats differently, per side,
// never across an address a Workload owns, and names a range that is exactly a junction Network.

import { test } from "node:test";
import assert from "node:assert/strict";
import { cli, tempFiles } from "../helpers.js";

const PODS = `
apiVersion: v1
kind: Pod
metadata: {name: a, namespace: x, labels: {app: a}}
spec: {containers: [{name: c, image: i}]}
status: {podIP: 10.1.0.1}
---
apiVersion: v1
kind: Pod
metadata: {name: b, namespace: x, labels: {app: b}}
spec: {containers: [{name: c, image: i}]}
status: {podIP: 10.1.0.2}
`;

/** a's egress: 1.0.0.0/8 except ten /24s, all on TCP 443; b: unrestricted. */
const EXCEPTS = `
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: a, namespace: x}
spec:
  podSelector: {matchLabels: {app: a}}
  policyTypes: [Egress]
  egress:
  - to:
    - ipBlock:
        cidr: 1.0.0.0/8
        except: [${Array.from({ length: 10 }, (_, i) => `1.0.${i * 2}.0/24`).join(", ")}]
    ports: [{port: 443}]
  - to:
    - ipBlock: {cidr: 1.0.0.0/24}
    ports: [{port: 443}]
`;

async function list(yaml: string, ...args: string[]): Promise<string[]> {
  const t = tempFiles({ "in.yaml": yaml });
  try {
    const r = await cli(["list", "-f", t.dir, ...args]);
    assert.equal(r.code, 0, r.err);
    return r.out.trim().split("\n");
  } finally { t.cleanup(); }
}

test("list: atoms that every workload treats alike are one range (np-guard would print each of the 22 atoms)", async () => {
  const lines = await list(PODS + EXCEPTS);
  const fromA = lines.filter((l) => l.startsWith("x/a[Pod] => ") && l.includes("[External]"));
  // 1.0.0.0/24 is allowed again by the second rule: the except holes left are 1.0.2.0/24 ... 1.0.18.0/24.
  assert.deepEqual(fromA, [
    "x/a[Pod] => 1.0.0.0-1.0.1.255[External] : TCP 443",
    "x/a[Pod] => 1.0.3.0-1.0.3.255[External] : TCP 443",
    "x/a[Pod] => 1.0.5.0-1.0.5.255[External] : TCP 443",
    "x/a[Pod] => 1.0.7.0-1.0.7.255[External] : TCP 443",
    "x/a[Pod] => 1.0.9.0-1.0.9.255[External] : TCP 443",
    "x/a[Pod] => 1.0.11.0-1.0.11.255[External] : TCP 443",
    "x/a[Pod] => 1.0.13.0-1.0.13.255[External] : TCP 443",
    "x/a[Pod] => 1.0.15.0-1.0.15.255[External] : TCP 443",
    "x/a[Pod] => 1.0.17.0-1.0.17.255[External] : TCP 443",
    "x/a[Pod] => 1.0.19.0-1.255.255.255[External] : TCP 443",
  ].sort(), "byte order, as np-guard sorts");
  // As sources nobody tells the atoms apart: the whole space is one range.
  const toB = lines.filter((l) => l.endsWith("=> x/b[Pod] : All Connections") && l.includes("[External]"));
  assert.deepEqual(toB, ["0.0.0.0-255.255.255.255[External] => x/b[Pod] : All Connections"]);
});

test("list: every merged range is an endpoint whose verdict holds for each of its addresses", async () => {
  const t = tempFiles({ "in.yaml": PODS + EXCEPTS });
  try {
    for (const [to, port, code] of [["1.0.3.0-1.0.3.255[External]", "443", 0], ["1.0.19.0-1.255.255.255[External]", "443", 0], ["1.0.2.0-1.0.2.255[External]", "443", 1]] as const) {
      const r = await cli(["explain", "-f", t.dir, "--from", "x/a", "--to", to, "--port", port]);
      assert.equal(r.code, code, `${to}: ${r.out}${r.err}`);
    }
  } finally { t.cleanup(); }
});

const NETWORKS = `
---
apiVersion: junction.dev/v1alpha1
kind: Network
metadata: {name: partners, labels: {zone: partners}}
spec: {cidrs: [203.0.113.0/24]}
---
apiVersion: junction.dev/v1alpha1
kind: Network
metadata: {name: unused, labels: {zone: none}}
spec: {cidrs: [198.51.100.0/24]}
---
apiVersion: junction.dev/v1alpha1
kind: Workload
metadata: {name: vm, namespace: x, labels: {app: vm}}
spec: {addresses: [192.0.2.10]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: a, namespace: x}
spec:
  podSelector: {matchLabels: {app: a}}
  policyTypes: [Egress]
  egress:
  - to: [{ipBlock: {cidr: 203.0.113.0/24}}]
    ports: [{port: 443}]
`;

test("list: a range that is exactly a junction Network is NAME[Network]; a Network no workload tells apart is merged away", async () => {
  const lines = await list(PODS + NETWORKS);
  assert.ok(lines.includes("x/a[Pod] => partners[Network] : TCP 443"), lines.join("\n"));
  assert.ok(!lines.some((l) => l.includes("unused[Network]")), "198.51.100.0/24 is treated like its neighbours");
  // A Workload's address is listed under its name: ranges never span it.
  assert.ok(lines.includes("0.0.0.0-192.0.2.9[External] => x/b[Pod] : All Connections"), lines.join("\n"));
  assert.ok(lines.includes("192.0.2.11-255.255.255.255[External] => x/b[Pod] : All Connections"), lines.join("\n"));
  const t = tempFiles({ "in.yaml": PODS + NETWORKS });
  try {
    const r = await cli(["explain", "-f", t.dir, "--from", "x/a", "--to", "partners[Network]", "--port", "443"]);
    assert.equal(r.code, 0, r.out + r.err);
    const bad = await cli(["explain", "-f", t.dir, "--from", "x/a", "--to", "partner[Network]", "--port", "443"]);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /no Network named partner \(did you mean partners\?\)/);
  } finally { t.cleanup(); }
});
