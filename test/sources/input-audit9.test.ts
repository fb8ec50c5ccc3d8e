// Input audit, ninth round: what the API server keeps of a Pod's status addresses (pkg/apis/core/v1
// conversion: Convert_v1_PodStatus_To_core_PodStatus) and what kube-proxy chooses behind a cluster IP.

import { test } from "node:test";
import assert from "node:assert/strict";
import { engineFor, load, verdict } from "../helpers.js";
import { formatAddress } from "../../src/model/ip.js";

const pod = (status: string) => `apiVersion: v1
kind: Pod
metadata: {name: p, namespace: default, labels: {app: p}}
spec: {containers: [{name: c, image: x}]}
status: {phase: Running, ${status}}
`;

test("status.podIP and podIPs that differ: podIP is authoritative, podIPs dropped (was: both lists' addresses, the pod owning a stale one)", () => {
  const loaded = load({ "p.yaml": pod("podIP: 10.0.0.5, podIPs: [{ip: 10.0.0.9}, {ip: 'fd00::9'}]") });
  assert.deepEqual(loaded.inventory.endpoints[0].addresses.map(formatAddress), ["10.0.0.5"]);
  assert.deepEqual(loaded.diagnostics.items.filter((d) => d.severity === "warning").map((d) => d.code), ["pod-ips-mismatch"]);
  assert.match(loaded.diagnostics.items.find((d) => d.severity === "warning")!.message, /status\.podIPs\[0\]\.ip \("10\.0\.0\.9"\) differs from status\.podIP \("10\.0\.0\.5"\): the API server keeps podIP alone/);
  // The dropped addresses are no one's: a policy naming 10.0.0.9 does not reach the pod.
  const engine = engineFor(pod("podIP: 10.0.0.5, podIPs: [{ip: 10.0.0.9}]"));
  assert.equal(engine.index.byAddress.size, 1);
  assert.equal(verdict(engine, "ip:10.0.0.9", "default/p", 80), "allow");
  // Agreeing fields: the list, in order (the second family kept); podIPs alone; podIP alone.
  assert.deepEqual(load({ "p.yaml": pod("podIP: 10.0.0.5, podIPs: [{ip: 10.0.0.5}, {ip: 'fd00::5'}]") }).inventory.endpoints[0].addresses.map(formatAddress), ["10.0.0.5", "fd00::5"]);
  assert.deepEqual(load({ "p.yaml": pod("podIPs: [{ip: 10.0.0.5}, {ip: 'fd00::5'}]") }).inventory.endpoints[0].addresses.map(formatAddress), ["10.0.0.5", "fd00::5"]);
  const alone = load({ "p.yaml": pod("podIP: 10.0.0.5") });
  assert.deepEqual(alone.inventory.endpoints[0].addresses.map(formatAddress), ["10.0.0.5"]);
  assert.deepEqual(alone.diagnostics.items.filter((d) => d.severity === "warning"), []);
});
