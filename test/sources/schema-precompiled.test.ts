// The precompiled validators (scripts/schemas/precompile.mjs, run by `npm run build`): one module per
// kind, or per group of kinds sharing a large definition (the workload kinds' PodSpec, one function
// in their module), loaded on the first use of one of its kinds only, and judging every object
// exactly as the validator ajv compiles from the same schema at run time.

import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createRequire } from "node:module";
import { Diagnostics, formatDiagnostic } from "../../src/model/source.js";
import { splitObjects } from "../../src/sources/documents.js";
import { PRECOMPILED, PRECOMPILED_INDEX, SCHEMA_ROOT, SchemaCatalog, precompiledFile, type PrecompiledIndex } from "../../src/sources/schema/catalog.js";
import { schemaCatalog, validateObject } from "../../src/sources/schema/validate.js";

const require = createRequire(import.meta.url);
/** The precompiled modules this process has loaded, by file name. */
const loadedModules = () => Object.keys(require.cache).filter((f) => f.startsWith(PRECOMPILED)).map((f) => f.slice(PRECOMPILED.length)).sort();

const objects = (text: string) => splitObjects({ name: "in.yaml", text }, new Diagnostics());

/** Valid and invalid objects of kinds with patterns, formats, list-map keys, CEL rules and defaults. */
const CASES = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: a, namespace: x}
spec: {podSelector: {}, ingress: [{ports: [{port: 80, protocol: TCP}]}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: b, namespace: x}
spec: {podSelectr: {}, ingress: [{ports: [{port: {n: 1}, protocol: TCP}], from: [{ipBlock: {cidr: 10.0.0.0/8, excpt: []}}]}]}
---
apiVersion: v1
kind: Pod
metadata: {name: p, namespace: x, labels: {app: a}}
spec:
  containers:
  - nginx
  - {name: c, image: nginx, tty: "yes", ports: [{containerPort: 80, name: http}, {containerPort: 80, name: http}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: d, namespace: x}
spec:
  selector: {matchLabels: {app: d}}
  template: {metadata: {labels: {app: d}}, spec: {containers: [{name: c, image: i, resources: {limits: {cpu: 1}}}]}}
---
apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: {name: anp}
spec:
  priority: 10
  subject: {namespaces: {}}
  egress:
  - {name: e, action: Allow, to: [{networks: [10.0.0.0/8, not-a-cidr]}], ports: [{portNumber: {port: 80, protocol: TCP}}]}
---
apiVersion: policy.networking.k8s.io/v1alpha1
kind: BaselineAdminNetworkPolicy
metadata: {name: not-default}
spec: {subject: {namespaces: {}}}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: r, namespace: x}
spec:
  parentRefs: [{name: gw}]
  rules: [{matches: [{path: {type: PathPrefix, value: "no-slash"}}], backendRefs: [{name: s, port: 80}]}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: ok, namespace: x}
spec: {parentRefs: [{name: gw}], rules: [{backendRefs: [{name: s, port: 80}]}]}
---
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: c, namespace: x}
spec: {endpointSelector: {}, ingress: [{fromCIDR: [10.0.0.0/33]}]}
`;

test("a load uses only the precompiled modules of the kinds it meets, each loaded once", () => {
  assert.deepEqual(loadedModules(), []);
  for (const raw of objects(CASES).slice(0, 2)) validateObject(raw, new Diagnostics());
  assert.deepEqual(loadedModules(), [precompiledFile("networking.k8s.io/v1/NetworkPolicy")]);
  for (const raw of objects(CASES)) validateObject(raw, new Diagnostics());
  // Pod and Deployment are in the module of the kinds with a PodSpec, named after the first of them.
  assert.deepEqual(loadedModules(), ["apps/v1/DaemonSet", "cilium.io/v2/CiliumNetworkPolicy", "gateway.networking.k8s.io/v1/HTTPRoute",
    "networking.k8s.io/v1/NetworkPolicy", "policy.networking.k8s.io/v1alpha1/AdminNetworkPolicy",
    "policy.networking.k8s.io/v1alpha1/BaselineAdminNetworkPolicy"].map(precompiledFile).sort());
});

test("npm run build precompiled every vendored kind, for these very schema files; the kinds with a PodSpec in one module", () => {
  const index = JSON.parse(readFileSync(PRECOMPILED_INDEX, "utf8")) as PrecompiledIndex;
  const keys = schemaCatalog().keys().sort();
  assert.equal(index.fingerprint, schemaCatalog().fingerprint());
  assert.deepEqual(Object.keys(index.files).sort(), keys);
  const workloads = ["apps/v1/DaemonSet", "apps/v1/Deployment", "apps/v1/ReplicaSet", "apps/v1/StatefulSet", "batch/v1/CronJob", "batch/v1/Job", "v1/Pod", "v1/ReplicationController"];
  for (const key of keys) assert.equal(index.files[key], precompiledFile(workloads.includes(key) ? workloads[0] : key), key);
  assert.deepEqual(readdirSync(PRECOMPILED).filter((f) => f.endsWith(".cjs")).sort(), keys.filter((k) => !workloads.includes(k) || k === workloads[0]).map(precompiledFile).sort());
});

test("the kinds of one module share the code of the definitions they share", () => {
  // Pod and Deployment both hold a PodSpec: one function in their module, not one per kind.
  const source = readFileSync(join(PRECOMPILED, precompiledFile("apps/v1/DaemonSet")), "utf8");
  const names = [...source.matchAll(/function (validate\d+)\(/g)].map((m) => m[1]);
  assert.equal(new Set(names).size, names.length, "each validator function is defined once");
  const pod = schemaCatalog().lookup("v1", "Pod")!.validate, deployment = schemaCatalog().lookup("apps/v1", "Deployment")!.validate;
  const bad = { apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, spec: { containers: [{ name: "c", tty: "yes" }] } };
  assert.equal(pod(bad), false);
  const podSpecError = pod.errors!.find((e) => e.instancePath === "/spec/containers/0/tty")!;
  assert.equal(deployment({ apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "d" }, spec: { selector: {}, template: { spec: bad.spec } } }), false);
  const templateError = deployment.errors!.find((e) => e.instancePath === "/spec/template/spec/containers/0/tty")!;
  assert.ok(podSpecError.parentSchema && podSpecError.parentSchema === templateError.parentSchema, "one compiled PodSpec container schema");
});

test("a precompiled validator reports exactly what ajv's run-time compiled one reports, errors and notes", () => {
  // Another spelling of the same folder: the catalog compiles its schemas at run time.
  const runtime = new SchemaCatalog(SCHEMA_ROOT.replace(/\/$/, ""));
  const counts: number[] = [];
  for (const raw of objects(CASES)) {
    const pre = new Diagnostics(), rt = new Diagnostics();
    assert.deepEqual(validateObject(raw, pre), validateObject(raw, rt, runtime));
    assert.deepEqual(pre.items.map(formatDiagnostic), rt.items.map(formatDiagnostic), `${raw.kind} ${JSON.stringify(raw.obj.metadata)}`);
    counts.push(pre.errors.length);
  }
  // The valid objects give none, each invalid one at least one.
  assert.deepEqual(counts.map((n) => n > 0), [false, true, true, false, true, true, true, false, true], counts.join(" "));
});
