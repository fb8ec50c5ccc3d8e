// Every name a command prints is accepted as an endpoint by the others: list's np-guard names
// (ns/name[Kind], ranges [External], {ingress-controller}), KIND:NS/NAME, bare names with -n.
// Pods are shown under their Deployment; finished pods take no part.

import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { resolveEndpoint } from "../../src/engine/endpoints.js";
import { evaluateQuery } from "../../src/engine/query.js";
import { PolicyEngine } from "../../src/engine/verdict.js";
import { loadPaths } from "../../src/sources/load.js";
import { PROTOCOLS, type Protocol } from "../../src/model/ports.js";
import { findNetwork, POD_NETWORK } from "../../src/model/networks.js";
import { cli, tempFiles } from "../helpers.js";

const EXAMPLES = readdirSync("examples", { withFileTypes: true }).filter((d) => d.isDirectory() && d.name !== "invalid").map((d) => `examples/${d.name}`);

interface Listed { network?: string; src: string; dst: string; conn: string; connections: { protocol: Protocol; ports: { from: number; to: number }[] }[] }

test("every name list prints is an endpoint explain accepts, and explain agrees the listed connection is allowed", async () => {
  let checked = 0;
  for (const dir of EXAMPLES) {
    const r = await cli(["list", "-f", dir, "-o", "json", "-q"]);
    assert.equal(r.code, 0, `${dir}: ${r.err}`);
    const engine = new PolicyEngine(loadPaths([dir], () => "").inventory);
    for (const e of JSON.parse(r.out) as Listed[]) {
      const src = resolveEndpoint(engine.index, e.src), dst = resolveEndpoint(engine.index, e.dst);
      assert.ok(src.ok && dst.ok, `${dir}: ${e.src} or ${e.dst}: ${!src.ok ? src.error : ""} ${!dst.ok ? dst.error : ""}`);
      for (const c of e.connections) {
        // a listed secondary-network section is a flow on that network (explain --network)
        const network = e.network && e.network !== POD_NETWORK ? findNetwork(engine.inventory.podNetworks, e.network) : undefined;
        const q = evaluateQuery(engine, src.value, dst.value, c.ports[0].from, c.protocol, network);
        assert.ok(q.ok && q.value.pairs.some((p) => p.verdict.allowed), `${dir}: ${e.src} => ${e.dst} ${c.protocol}/${c.ports[0].from} is listed but explain denies it`);
        checked++;
      }
    }
  }
  assert.ok(checked > 200, `${checked} listed connections checked`);
});

test("names pasted from list work on the command line: ns/name[Kind], kind:ns/name, ranges, {ingress-controller}", async () => {
  const ex = ["-f", "examples/calico"];
  for (const [from, to] of [["tools/debug[Deployment]", "store/web[Deployment]"], ["deployment:tools/debug", "deploy:store/web"], ["store/api[Deployment]", "db-host-eth0[Workload]"]]) {
    const port = to.includes("db-host") ? "5432" : "8080";
    const r = await cli(["explain", ...ex, "--from", from, "--to", to, "--port", port]);
    assert.equal(r.code, 0, `${from} -> ${to}: ${r.err}`);
  }
  const range = await cli(["explain", ...ex, "--from", "192.0.2.21-198.51.99.255[External]", "--to", "store/web[Deployment]", "--port", "8080"]);
  assert.equal(range.code, 0, range.err);
  const denied = await cli(["explain", ...ex, "--from", "0.0.0.0/0", "--to", "store/web[Deployment]", "--port", "8080"]);
  assert.equal(denied.code, 1, "a CIDR stands for every class of address in it: 192.0.2.20 is not allowed, so not all of 0.0.0.0/0 is");
  const ingress = await cli(["list", "-f", "examples/ingress", "-q"]);
  const line = ingress.out.split("\n").find((l) => l.startsWith("{ingress-controller} => "));
  assert.ok(line, ingress.out);
  const [dst, conn] = line.slice("{ingress-controller} => ".length).split(" : ");
  const viaController = await cli(["explain", "-f", "examples/ingress", "--from", "{ingress-controller}", "--to", dst, "--port", conn.split(/[ ,-]/)[1]]);
  assert.equal(viaController.code, 0, viaController.err);
  const bad = await cli(["explain", ...ex, "--from", "tools/debug[Deploymnt]", "--to", "store/web", "--port", "80"]);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /no Deploymnt named tools\/debug/);
});

const STATEFUL = `apiVersion: v1
kind: Namespace
metadata: {name: app}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: app}
spec:
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec: {containers: [{name: db, image: postgres, ports: [{name: pg, containerPort: 5432}]}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: app}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: nginx, ports: [{name: http, containerPort: 8080}]}]}
---
apiVersion: v1
kind: Service
metadata: {name: database, namespace: app}
spec: {selector: {app: db}, ports: [{name: pg, port: 5432}]}
`;

test("app/db[StatefulSet] pasted from list, statefulset:app/db and db with -n app name the same pods", async () => {
  const list = await cli(["list", "-f", "-", "-q"], STATEFUL);
  assert.match(list.out, /app\/web\[Deployment\] => app\/db\[StatefulSet\] : All Connections/);
  const outs = [];
  for (const args of [["--to", "app/db[StatefulSet]"], ["--to", "statefulset:app/db"], ["--to", "sts:db", "-n", "app"], ["--to", "db", "-n", "app"]]) {
    const r = await cli(["explain", "-f", "-", "--from", "app/web", "--port", "pg", "-o", "json", ...args], STATEFUL);
    assert.equal(r.code, 0, `${args.join(" ")}: ${r.err}`);
    outs.push(JSON.parse(r.out).pairs.map((p: { to: unknown }) => p.to));
  }
  for (const o of outs) assert.deepEqual(o, outs[0]);
  const bare = await cli(["explain", "-f", "-", "--from", "web", "--to", "db", "--port", "80"], STATEFUL);
  assert.equal(bare.code, 2);
  assert.match(bare.err, /write endpoints as NAMESPACE\/NAME \(or NAME with -n NAMESPACE\)/);
});

test("errors name what exists: a missing port name lists the destination's ports; a Service typo gets a did-you-mean", async () => {
  const port = await cli(["explain", "-f", "-", "--from", "app/web", "--to", "app/db", "--port", "postgres"], STATEFUL);
  assert.equal(port.code, 2);
  assert.match(port.err, /the destination has no port named "postgres"; its ports: pg TCP\/5432/);
  const typo = await cli(["explain", "-f", "-", "--from", "app/web", "--to", "app/db", "--port", "pgg"], STATEFUL);
  assert.match(typo.err, /\(did you mean pg\?\)/);
  const svc = await cli(["explain", "-f", "-", "--from", "app/web", "--to", "svc:app/databse", "--port", "5432"], STATEFUL);
  assert.equal(svc.code, 2);
  assert.match(svc.err, /no Service named app\/databse \(did you mean svc:app\/database\?\)/);
  const svcPort = await cli(["explain", "-f", "-", "--from", "app/web", "--to", "svc:app/database", "--port", "pq"], STATEFUL);
  assert.match(svcPort.err, /Service app\/database has no port pq \(did you mean pg\?\) \(it has 5432\/TCP \(pg\)\)/);
  const pod = await cli(["explain", "-f", "-", "--from", "app/web", "--to", "app/dbb", "--port", "5432"], STATEFUL);
  assert.match(pod.err, /no pod, workload or Workload named app\/dbb \(did you mean app\/db\b/);
});

const REPLICASETS = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: nginx}]}
---
apiVersion: apps/v1
kind: ReplicaSet
metadata:
  name: web-5d8f7c
  namespace: shop
  ownerReferences: [{apiVersion: apps/v1, kind: Deployment, name: web, uid: d1, controller: true}]
spec:
  selector: {matchLabels: {app: web, pod-template-hash: 5d8f7c}}
  template:
    metadata: {labels: {app: web, pod-template-hash: 5d8f7c}}
    spec: {containers: [{name: web, image: nginx}]}
---
apiVersion: v1
kind: Pod
metadata:
  name: web-5d8f7c-a1
  namespace: shop
  labels: {app: web, pod-template-hash: 5d8f7c}
  ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: web-5d8f7c, uid: r1, controller: true}]
spec: {containers: [{name: web, image: nginx}]}
status: {phase: Running, podIP: 10.0.0.1}
---
apiVersion: v1
kind: Pod
metadata:
  name: web-77aa-b2
  namespace: shop
  labels: {app: web, pod-template-hash: 77aa}
  ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: web-77aa, uid: r2, controller: true}]
spec: {containers: [{name: web, image: nginx}]}
status: {phase: Running, podIP: 10.0.0.2}
---
apiVersion: v1
kind: Pod
metadata: {name: client, namespace: shop, labels: {app: client}}
spec: {containers: [{name: c, image: curl}]}
status: {phase: Running, podIP: 10.0.0.3}
---
apiVersion: v1
kind: Pod
metadata: {name: migrate-x, namespace: shop, labels: {app: client}}
spec: {containers: [{name: c, image: curl}]}
status: {phase: Succeeded, podIP: 10.0.0.4}
---
apiVersion: v1
kind: Pod
metadata: {name: crashed, namespace: shop, labels: {app: client}}
spec: {containers: [{name: c, image: curl}]}
status: {phase: Failed, podIP: 10.0.0.5}
`;

test("a Deployment's pods are listed under the Deployment (its ReplicaSets in the input or not); --group-by replicaset keeps np-guard's grouping", async () => {
  const byWorkload = await cli(["list", "-f", "-"], REPLICASETS);
  assert.equal(byWorkload.code, 0, byWorkload.err);
  assert.match(byWorkload.out, /^shop\/client\[Pod\] => shop\/web\[Deployment\] : All Connections$/m);
  assert.doesNotMatch(byWorkload.out, /ReplicaSet/);
  // np-guard groups a Deployment's pods under their ReplicaSet (ownerReferences' controller).
  const npGuard = await cli(["list", "-f", "-", "--group-by", "replicaset"], REPLICASETS);
  assert.match(npGuard.out, /^shop\/client\[Pod\] => shop\/web-5d8f7c\[ReplicaSet\] : All Connections$/m);
  assert.match(npGuard.out, /^shop\/client\[Pod\] => shop\/web-77aa\[ReplicaSet\] : All Connections$/m);
  // No pod is made from the Deployment's template: its real pods are in the input.
  const json = await cli(["explain", "-f", "-", "--from", "shop/client", "--to", "shop/web[Deployment]", "--port", "80", "-o", "json"], REPLICASETS);
  assert.equal(json.code, 0, json.err);
  assert.deepEqual(JSON.parse(json.out).pairs.map((p: { to: string }) => p.to).sort(), ["shop/web-5d8f7c-a1", "shop/web-77aa-b2"]);
  const rs = await cli(["explain", "-f", "-", "--from", "shop/client", "--to", "shop/web-77aa[ReplicaSet]", "--port", "80"], REPLICASETS);
  assert.equal(rs.code, 0, "a ReplicaSet np-guard lists is an endpoint even when it is not in the input");
});

test("pods in phase Succeeded or Failed take no part, with a note", async () => {
  const r = await cli(["list", "-f", "-"], REPLICASETS);
  assert.doesNotMatch(r.out, /migrate-x|crashed/);
  assert.match(r.err, /note: 2 pods are in phase Succeeded or Failed and take no part/);
  const gone = await cli(["explain", "-f", "-", "--from", "shop/migrate-x", "--to", "shop/client", "--port", "80"], REPLICASETS);
  assert.equal(gone.code, 2);
});

test("list files number their items from 1 with FILE:LINE: assertions (test) and requests (route)", async () => {
  const t = tempFiles({
    "expect.yaml": "- {from: app/web, to: app/db, port: 5432, expect: allow}\n- {from: app/web, to: app/db, port: 0, expect: allow}\n",
    "requests.yaml": "requests:\n- {host: shop.example.com, path: /}\n- {host: shop.example.com, path: /, port: 70000}\n",
    "unrouted.yaml": "- {host: shop.example.com, path: /}\n- {gateway: nope/none, host: shop.example.com, path: /}\n",
  });
  try {
    const x = await cli(["test", "-f", "-", "--expect", `${t.dir}/expect.yaml`], STATEFUL);
    assert.equal(x.code, 2);
    assert.match(x.err, /expect\.yaml:2: assertion 2, port: /);
    const r = await cli(["route", "-f", "examples/gateway", "--requests", `${t.dir}/requests.yaml`]);
    assert.equal(r.code, 2);
    assert.match(r.err, /requests\.yaml:3: request 2, port: /);
    const u = await cli(["route", "-f", "examples/gateway", "--requests", `${t.dir}/unrouted.yaml`]);
    assert.equal(u.code, 2);
    assert.match(u.err, /unrouted\.yaml:2: request 2: /);
  } finally { t.cleanup(); }
});

test("IPv6 ranges as list prints them are endpoints too", async () => {
  const yaml = `apiVersion: v1
kind: Pod
metadata: {name: a, namespace: x, labels: {app: a}}
spec: {containers: [{name: c, image: i}]}
status: {podIPs: [{ip: 10.0.0.1}, {ip: "fd00::1"}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: p, namespace: x}
spec:
  podSelector: {}
  ingress: [{from: [{ipBlock: {cidr: "2001:db8::/32"}}]}]
`;
  const list = await cli(["list", "-f", "-", "-o", "json", "-q"], yaml);
  const v6 = JSON.parse(list.out).find((e: { src: string }) => e.src.includes("::") && e.src.endsWith("[External]"));
  assert.ok(v6, list.out);
  const r = await cli(["explain", "-f", "-", "--from", v6.src, "--to", v6.dst, "--port", "80"], yaml);
  assert.equal(r.code, 0, r.err);
  const outside = await cli(["explain", "-f", "-", "--from", "fd00::-fd00::ffff", "--to", "x/a", "--port", "80"], yaml);
  assert.equal(outside.code, 1, outside.err);
});
