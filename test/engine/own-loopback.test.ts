// A pod's own loopback (engine/verdict.ts ownLoopback: allowed, no policy sees it) wherever verdicts
// are shared by class or by range: the flow judge's class cache, the fast engine's pairs, and the
// external ranges of list, which stand for their first address.

import { test } from "node:test";
import assert from "node:assert/strict";
import { cli, engineFor } from "../helpers.js";
import { FlowJudge } from "../../src/analyze/flow-verdict.js";
import { FastConnectivity } from "../../src/engine/fast/connectivity.js";
import { PairwiseConnectivity } from "../../src/engine/pairwise.js";
import { ALL_CONNS } from "../../src/model/ports.js";
import { parseAddress } from "../../src/model/ip.js";
import type { FlowRecord } from "../../src/model/flowrecord.js";

/** web: egress isolated (no rule); client: egress to everything but `except`; host: a host-network pod labelled as web. */
const cluster = (except: string) => `apiVersion: v1
kind: Pod
metadata: {name: client, namespace: shop, labels: {app: client}}
spec: {nodeName: node-a, containers: [{name: c, image: x}]}
status: {phase: Running, podIP: 10.1.0.7}
---
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: shop, labels: {app: web}}
spec: {nodeName: node-a, containers: [{name: c, image: x}]}
status: {phase: Running, podIP: 10.1.0.8}
---
apiVersion: v1
kind: Pod
metadata: {name: host, namespace: shop, labels: {app: web}}
spec: {nodeName: node-a, hostNetwork: true, containers: [{name: c, image: x}]}
status: {phase: Running, podIP: 10.0.0.1}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: client-out, namespace: shop}
spec:
  podSelector: {matchLabels: {app: client}}
  policyTypes: [Egress]
  egress: [{to: [{ipBlock: {cidr: 0.0.0.0/0, except: [${except}]}}]}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web-isolated, namespace: shop}
spec: {podSelector: {matchLabels: {app: web}}, policyTypes: [Egress]}
`;

const record = { protocol: "TCP", dport: 80, src: "", dst: "" } as FlowRecord;

test("flows: a pod's own loopback is judged apart from the external addresses of its class, in either order (127.0.0.1 first made 198.51.100.9 allowed, a wrong allow)", () => {
  for (const hostNetwork of ["node", "pod"] as const) {
    const engine = engineFor(cluster("10.0.0.0/8"), { hostNetwork });
    const pod = (name: string) => { const e = engine.inventory.endpoints.find((x) => x.name === name)!; return { key: name, party: { endpoint: e, address: e.addresses[0] } }; };
    const ip = (a: string) => ({ key: a, party: { address: parseAddress(a)! } });
    const plain = new FlowJudge(engine, false);
    for (const order of [["127.0.0.1", "198.51.100.9"], ["198.51.100.9", "127.0.0.1"]]) {
      const judge = new FlowJudge(engine);
      for (const from of ["web", "host"]) for (const to of order) {
        assert.deepEqual(judge.judge(record, [pod(from)], [ip(to)]), plain.judge(record, [pod(from)], [ip(to)]), `${hostNetwork}: ${from} -> ${to} after ${order[0]}`);
      }
    }
    assert.equal(plain.judge(record, [pod("web")], [ip("127.0.0.1")]).verdict, "allowed");
    assert.equal(plain.judge(record, [pod("web")], [ip("198.51.100.9")]).verdict, "denied");
    // A host-network pod read as a pod (--host-network pod): its loopback is its node's, its policy judges it.
    if (hostNetwork === "pod") assert.equal(plain.judge(record, [pod("host")], [ip("127.0.0.1")]).verdict, "denied");
  }
});

test("the fast engine answers a pod's own loopback as the verdict engine does: every connection", () => {
  const engine = engineFor(cluster("10.0.0.0/8"));
  const web = { endpoint: engine.inventory.endpoints.find((x) => x.name === "web")! };
  for (const a of ["127.0.0.1", "::1"]) {
    const dst = { address: parseAddress(a)! };
    assert.deepEqual(new FastConnectivity(engine).conns(web, dst), new PairwiseConnectivity(engine).conns(web, dst), a);
    assert.deepEqual(new FastConnectivity(engine).conns(web, dst), ALL_CONNS, a);
  }
});

test("list: an external range that starts in 127.0.0.0/8 ends there (it stood for 127.0.0.1 up to 255.255.255.255: allowed for a pod its policy isolates, a wrong allow); a pod reaches its own loopback in list as in explain", async () => {
  for (const except of ["127.0.0.0/32", "126.0.0.0/8", "127.0.0.0/8"]) {
    const yaml = cluster(except);
    const list = await cli(["list", "-f", "-", "-o", "json", "-q"], yaml);
    const rows = (JSON.parse(list.out) as { src: string; dst: string; conn: string }[]).filter((r) => r.src === "shop/web[Pod]").map((r) => `${r.dst}: ${r.conn}`);
    assert.deepEqual(rows, ["127.0.0.0-127.255.255.255[External]: All Connections"], except);
    const explained = await cli(["list", "-f", "-", "--explain", "--focus-workload", "shop/web", "-q"], yaml);
    assert.doesNotMatch(explained.out, /Allowed All Connections \(shop\/web\[Pod\] => [^)]*(128|255)\./, except);
    assert.match(explained.out, /shop\/web\[Pod\] => 127\.0\.0\.0-127\.255\.255\.255\[External\]:\n\nAllowed connections:\n\tAllowed All Connections due to:\n\t\tEgress \(Allowed\): allowed: the client's own loopback/, except);
  }
  // No range of the policies starts or ends in 127.0.0.0/8: the ranges are np-guard's, a range standing for its first address.
  const plain = await cli(["list", "-f", "-", "-o", "json", "-q"], cluster("10.0.0.0/8"));
  assert.deepEqual((JSON.parse(plain.out) as { src: string; dst: string }[]).filter((r) => r.src === "shop/client[Pod]").map((r) => r.dst), ["0.0.0.0-9.255.255.255[External]", "11.0.0.0-255.255.255.255[External]"]);
});
