// Reading inputs: folders, multi-document YAML, List wrappers, templates becoming pods, implicit
// namespaces, duplicates, and files that are not manifests.

import { test } from "node:test";
import assert from "node:assert/strict";
import { cli, load, tempFiles } from "../helpers.js";
import { loadPaths, RELEASE_AT } from "../../src/sources/load.js";
import { resolveEndpoint } from "../../src/engine/endpoints.js";
import { InventoryIndex } from "../../src/model/inventory.js";
import { hasKind, hasObject, ObjectIndex } from "../../src/model/gateway.js";

test("typed lists (PodList) give their items the kind; kind: List items keep theirs", () => {
  const l = load({ "pods.yaml": `apiVersion: v1
kind: PodList
items:
- metadata: {name: p1, namespace: x, labels: {app: a}}
  spec: {containers: [{name: c}]}
  status: {podIP: 10.1.0.1}
---
apiVersion: v1
kind: List
items:
- {apiVersion: v1, kind: Namespace, metadata: {name: x, labels: {team: t}}}
` });
  assert.equal(l.diagnostics.errors.length, 0);
  assert.equal(l.inventory.endpoints[0].name, "p1");
  assert.equal(l.inventory.namespaces.get("x")?.labels.team, "t");
});

test("every controller kind's template becomes a pod with the template's labels and ports", () => {
  const tpl = "template:\n    metadata: {labels: {app: KIND}}\n    spec: {containers: [{name: c, ports: [{name: p, containerPort: 81, protocol: UDP}]}]}";
  // apps/v1 requires spec.selector, a label selector (the API server: "spec.selector: Required value");
  // a ReplicationController's is a label map; a Job's is generated.
  const apps = `spec:\n  selector: {matchLabels: {app: KIND}}\n  ${tpl}`;
  // A Job's template restarts OnFailure or Never (validateJobSpec: the default Always is refused).
  const job = tpl.replace("spec: {containers:", "spec: {restartPolicy: Never, containers:");
  const kinds: [string, string, string][] = [
    ["apps/v1", "Deployment", apps], ["apps/v1", "StatefulSet", apps], ["apps/v1", "DaemonSet", apps],
    ["apps/v1", "ReplicaSet", apps], ["v1", "ReplicationController", `spec:\n  selector: {app: KIND}\n  ${tpl}`], ["batch/v1", "Job", `spec:\n  ${job}`],
    ["batch/v1", "CronJob", `spec:\n  schedule: "@daily"\n  jobTemplate:\n    spec:\n      ${job.replace(/\n/g, "\n    ")}`],
  ];
  const yaml = kinds.map(([v, k, spec]) => `apiVersion: ${v}\nkind: ${k}\nmetadata: {name: w-${k.toLowerCase()}, namespace: x}\n${spec.replaceAll("KIND", k)}`).join("\n---\n");
  const l = load({ "w.yaml": yaml });
  assert.deepEqual(l.diagnostics.errors, []);
  for (const [, k] of kinds) {
    const pod = l.inventory.endpoints.find((e) => e.owner?.kind === k);
    assert.ok(pod, k);
    assert.equal(pod.labels.app, k);
    assert.deepEqual(pod.ports, [{ name: "p", port: 81, protocol: "UDP" }]);
    assert.equal(pod.fromTemplate, true);
  }
});

test("a template's stand-in pod carries what its template says, as a pod read from the same template does", () => {
  // Made only when the input holds none of the controller's pods (builder.ts addTemplatePods), from
  // what the template read into: its labels, ports, service account, mesh annotations, proxy,
  // token mount, probes, Secret files and secondary networks, and a report on a bad network annotation.
  const meta = `labels: {app: web}
      annotations: {sidecar.istio.io/inject: "true", k8s.v1.cni.cncf.io/networks: "net1", other: x}`;
  const spec = `serviceAccountName: sa
      automountServiceAccountToken: false
      volumes: [{name: tls, secret: {secretName: web-tls}}]
      containers:
      - name: c
        ports: [{name: http, containerPort: 8080}]
        readinessProbe: {httpGet: {port: http, path: "/ready?x=1"}}
        volumeMounts: [{name: tls, mountPath: /etc/tls}]
      - {name: istio-proxy}`;
  const l = load({ "w.yaml": `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: x}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata:
      ${meta}
    spec:
      ${spec}
---
apiVersion: v1
kind: Pod
metadata:
  name: web
  namespace: y
  ${meta.replace(/\n {6}/g, "\n  ")}
spec:
  ${spec.replace(/\n {6}/g, "\n  ")}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: bad, namespace: x}
spec:
  selector: {matchLabels: {app: bad}}
  template:
    metadata: {labels: {app: bad}, annotations: {k8s.v1.cni.cncf.io/networks: "[1]"}}
    spec: {containers: [{name: c}]}
---
${["x", "y"].map((ns) => `apiVersion: k8s.cni.cncf.io/v1
kind: NetworkAttachmentDefinition
metadata: {name: net1, namespace: ${ns}}
spec:
  config: '{"cniVersion": "0.3.1", "name": "net1", "type": "ovn-k8s-cni-overlay", "topology": "layer2"}'
`).join("---\n")}` });
  const stand = l.inventory.endpoints.find((e) => e.fromTemplate && e.name === "web")!;
  const pod = l.inventory.endpoints.find((e) => !e.fromTemplate && e.name === "web")!;
  assert.ok(stand && pod);
  const facts = (e: typeof pod) => ({ labels: e.labels, ports: e.ports, serviceAccount: e.serviceAccount, annotations: e.annotations, proxyContainer: e.proxyContainer, automountToken: e.automountToken, httpProbes: e.httpProbes, secretFiles: e.secretFiles, attachments: e.attachments?.map((a) => a.network) });
  assert.deepEqual(facts(stand), facts(pod));
  assert.deepEqual(facts(stand).annotations, { "sidecar.istio.io/inject": "true" });
  assert.deepEqual(facts(stand).attachments, ["nad:net1"]);
  assert.equal(stand.proxyContainer, "istio-proxy");
  assert.deepEqual(stand.owner, { kind: "Deployment", name: "web" });
  assert.equal(stand.namespace, "x");
  assert.deepEqual(stand.addresses, []);
  assert.equal(stand.src?.file, pod.src?.file);
  // The bad annotation is reported where it is, as the template is read.
  assert.ok(l.diagnostics.items.some((d) => d.ref?.doc === 2 && d.field?.join(".") === "spec.template.metadata.annotations.k8s.v1.cni.cncf.io/networks"), JSON.stringify(l.diagnostics.items));
});

test("pods are grouped under their controllers by id, also when a step removes endpoints before the load finishes (a virt-launcher pod)", () => {
  const rs = (name: string) => `apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: ${name}, namespace: x}
spec: {selector: {matchLabels: {app: ${name}}}, template: {metadata: {labels: {app: ${name}}}, spec: {containers: [{name: c, image: i}]}}}
---
`;
  const pod = (name: string, owner: string, ip: string) => `apiVersion: v1
kind: Pod
metadata:
  name: ${name}
  namespace: x
  labels: {app: ${owner}}
  ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: ${owner}, uid: u, controller: true}]
spec: {containers: [{name: c, image: i}]}
status: {phase: Running, podIP: ${ip}}
---
`;
  const node = "apiVersion: v1\nkind: Node\nmetadata: {name: n1}\nstatus: {addresses: [{type: InternalIP, address: 10.9.0.1}]}\n---\n";
  const vm = `apiVersion: kubevirt.io/v1
kind: VirtualMachine
metadata: {name: fedora, namespace: x}
spec: {template: {metadata: {labels: {vm: fedora}}, spec: {domain: {devices: {}}}}}
---
apiVersion: kubevirt.io/v1
kind: VirtualMachineInstance
metadata:
  name: fedora
  namespace: x
  ownerReferences: [{apiVersion: kubevirt.io/v1, kind: VirtualMachine, name: fedora, uid: u1, controller: true}]
spec: {domain: {devices: {}}}
status: {phase: Running, interfaces: [{name: default, ipAddress: 10.1.0.9}]}
---
apiVersion: v1
kind: Pod
metadata:
  name: virt-launcher-fedora-abcde
  namespace: x
  ownerReferences: [{apiVersion: kubevirt.io/v1, kind: VirtualMachineInstance, name: fedora, uid: u2, controller: true}]
spec: {containers: [{name: compute, image: virt-launcher}]}
status: {phase: Running, podIP: 10.1.0.9}
---
`;
  // Pods of one owner split by another endpoint (a node), an unowned controller's stand-in, and,
  // with the VM, a launcher removed at the end of the load (the last endpoint moves into its place).
  const rest = rs("a") + rs("b") + rs("lonely") + pod("a-1", "a", "10.1.0.1") + pod("a-2", "a", "10.1.0.2") + node + pod("a-3", "a", "10.1.0.3") + pod("b-1", "b", "10.1.0.4");
  for (const yaml of [rest, vm + rest, rest + vm]) {
    const l = load({ "x.yaml": yaml });
    assert.deepEqual(l.diagnostics.errors, []);
    const eps = l.inventory.endpoints;
    eps.forEach((e, i) => assert.equal(e.id, i));
    const podsOf = (name: string) => l.inventory.controllers.find((c) => c.name === name)!.pods.map((id) => eps[id].name);
    assert.deepEqual(podsOf("a").sort(), ["a-1", "a-2", "a-3"]);
    assert.deepEqual(podsOf("b"), ["b-1"]);
    assert.deepEqual(podsOf("lonely"), ["lonely"]);
    assert.equal(eps.find((e) => e.name === "lonely")?.fromTemplate, true);
    assert.ok(!eps.some((e) => e.name.startsWith("virt-launcher")));
  }
});

test("real pods owned by a controller replace its template (pods grouped under their owner)", () => {
  const l = load({ "dump.yaml": `apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: web-5d9, namespace: x, ownerReferences: [{kind: Deployment, name: web, controller: true}]}
spec: {template: {metadata: {labels: {app: web}}, spec: {containers: [{name: c}]}}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: x}
spec: {template: {metadata: {labels: {app: web}}, spec: {containers: [{name: c}]}}}
---
apiVersion: v1
kind: Pod
metadata: {name: web-5d9-abc, namespace: x, labels: {app: web}, ownerReferences: [{kind: ReplicaSet, name: web-5d9, controller: true}]}
spec: {containers: [{name: c}]}
status: {podIP: 10.1.0.7}
` });
  const pods = l.inventory.endpoints.filter((e) => e.kind === "pod");
  assert.deepEqual(pods.map((p) => p.name), ["web-5d9-abc"], "no template pods when real pods exist");
  assert.deepEqual(l.inventory.controllers.find((c) => c.kind === "ReplicaSet")?.pods, [pods[0].id]);
});

test("namespaces referenced but not defined are created with their default label, and said so", async () => {
  const l = load({ "p.yaml": "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: ghost}\nspec: {containers: [{name: c}]}\n" });
  assert.deepEqual(l.inventory.namespaces.get("ghost"), { name: "ghost", labels: { "kubernetes.io/metadata.name": "ghost" }, implicit: true });
  assert.ok(l.diagnostics.items.some((d) => d.code === "implicit-namespace" && d.severity === "info"));
  const r = await cli(["list", "-f", "-"], "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: ghost}\nspec: {containers: [{name: c}]}\n---\napiVersion: v1\nkind: LimitRange\nmetadata: {name: s}\n");
  assert.match(r.err, /note: namespace ghost is referenced but not defined/);
  assert.match(r.err, /note: ignored 1 object of kinds Junction does not read: LimitRange \(1\)/);
});

test("objects without a namespace are placed in default", () => {
  const l = load({ "p.yaml": "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c}]}\n" });
  assert.equal(l.inventory.endpoints[0].namespace, "default");
});

test("the same object twice: the cluster runs the last one applied (kubectl apply -f applies in order), with a warning", () => {
  const ns = (v: string) => `apiVersion: v1\nkind: Namespace\nmetadata: {name: a, labels: {v: "${v}"}}\n`;
  const l = load({ "one.yaml": ns("1"), "two.yaml": ns("2") });
  assert.equal(l.inventory.namespaces.get("a")?.labels.v, "2");
  const w = l.diagnostics.items.find((d) => d.code === "duplicate")!;
  assert.match(w.message, /Namespace a is defined again in two\.yaml; the last definition is used/);
  assert.equal(w.ref?.file, "one.yaml");
  const np = (port: number) => `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: a}\nspec:\n  podSelector: {}\n  ingress: [{ports: [{port: ${port}}]}]\n`;
  const twice = load({ "all.yaml": `${ns("1")}---\n${np(80)}---\n${np(443)}` });
  assert.deepEqual(twice.inventory.policies.map((p) => JSON.stringify(p).includes("443")), [true]);
});

test("reading diagnostics come before the model's, in file order, whether or not an object is defined twice", () => {
  // Each file's objects are read into the model right after it is parsed; an object defined twice
  // makes the load start again with every file parsed first. Both orders of work give one order of diagnostics.
  const files = {
    "a.yaml": "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: a, labels: {'bad key!': x}}\nspec: {containers: [{name: c, image: i}]}\n",
    "b.json": "[1]",
    "c.yaml": "apiVersion: v1\nkind: Namespace\nmetadata: {name: a, labels: {v: '1'}}\n",
    "d.yaml": "apiVersion: v1\nkind: Pod\nmetadata: {name: q, namespace: a}\nspec: {containers: [{name: c, image: i, ports: [{containerPort: 99999}]}]}\n",
  };
  const codes = (l: ReturnType<typeof load>) => l.diagnostics.items.map((d) => `${d.ref?.file}:${d.code}`);
  const once = load(files);
  assert.deepEqual(codes(once), ["b.json:not-a-manifest", "a.yaml:invalid-label", "d.yaml:range"]);
  assert.equal(once.objects, 3);
  const twice = load({ ...files, "e.yaml": "apiVersion: v1\nkind: Namespace\nmetadata: {name: a, labels: {v: '2'}}\n" });
  assert.deepEqual(codes(twice), ["b.json:not-a-manifest", "c.yaml:duplicate", "a.yaml:invalid-label", "d.yaml:range"]);
  assert.equal(twice.inventory.namespaces.get("a")?.labels.v, "2");
  assert.equal(twice.objects, 4);
  assert.deepEqual(twice.inputs.map((f) => f.objects), [1, 0, 1, 1, 1]);
});

test("an object defined again after a large file was read and its text released: the load starts again from the files on disk", () => {
  const items: unknown[] = [];
  for (let i = 0; JSON.stringify(items).length < RELEASE_AT * 1.5; i++) items.push({ apiVersion: "v1", kind: "Namespace", metadata: { name: `ns-${i}`, labels: { v: "1" } } });
  const text = JSON.stringify({ apiVersion: "v1", kind: "List", items }, null, 2);
  // The line of the first definition's item (its opening brace), in the text read again.
  const line = text.slice(0, text.lastIndexOf("{", text.indexOf('"apiVersion"', text.indexOf('"ns-2"')))).split("\n").length;
  const t = tempFiles({ "a.json": text, "b.yaml": "apiVersion: v1\nkind: Namespace\nmetadata: {name: ns-3, labels: {v: '2'}}\n" });
  try {
    const l = loadPaths([t.dir]);
    assert.equal(l.inventory.namespaces.get("ns-3")?.labels.v, "2");
    assert.equal(l.inventory.namespaces.get("ns-4")?.labels.v, "1");
    assert.deepEqual(l.diagnostics.items.map((d) => [d.code, d.line]), [["duplicate", line]]);
    assert.equal(l.inputs[0].objects, items.length);
  } finally { t.cleanup(); }
});

test("files that are not manifests are skipped with one warning, not fatal", () => {
  const l = load({ "values.json": JSON.stringify({ replicas: 2, image: "x" }), "ns.yaml": "apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n" });
  assert.equal(l.diagnostics.errors.length, 0);
  const w = l.diagnostics.items.filter((d) => d.severity === "warning");
  assert.equal(w.length, 1);
  assert.match(w[0].message, /not Kubernetes manifests/);
});

test("stdin is read with -f -, and several -f add up", async () => {
  const t = tempFiles({ "ns.yaml": "apiVersion: v1\nkind: Namespace\nmetadata: {name: b}\n" });
  try {
    const r = await cli(["validate", "-f", "-", "-f", t.dir], "apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n");
    assert.equal(r.code, 0);
    assert.match(r.out, /valid: 0 errors, 0 warnings \(2 files, 2 objects, 2 namespaces/);
  } finally { t.cleanup(); }
});

test("a missing path is an input error (exit 2)", async () => {
  const r = await cli(["list", "-f", "/nonexistent/junction"]);
  assert.equal(r.code, 2);
  assert.match(r.err, /\/nonexistent\/junction: no such file or directory/);
});

test("a Deployment's pods are those of its ReplicaSets, as in a cluster dump", () => {
  const dump = `apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop}
spec: {replicas: 1, selector: {matchLabels: {app: api}}, template: {metadata: {labels: {app: api}}, spec: {containers: [{name: c}]}}}
---
apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: api-5d8f, namespace: shop, ownerReferences: [{apiVersion: apps/v1, kind: Deployment, name: api, controller: true}]}
spec: {replicas: 1, selector: {matchLabels: {app: api}}, template: {metadata: {labels: {app: api}}, spec: {containers: [{name: c}]}}}
---
apiVersion: v1
kind: Pod
metadata: {name: api-5d8f-x2k9p, namespace: shop, labels: {app: api}, ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: api-5d8f, controller: true}]}
spec: {containers: [{name: c}]}
status: {podIP: 10.0.0.7}
`;
  const index = new InventoryIndex(load({ "dump.yaml": dump }).inventory);
  for (const ref of ["shop/api", "deployment:shop/api", "replicaset:shop/api-5d8f"]) {
    const r = resolveEndpoint(index, ref);
    assert.ok(r.ok && r.value.kind === "parties", `${ref}: ${!r.ok ? r.error : ""}`);
    if (r.ok && r.value.kind === "parties") assert.deepEqual(r.value.parties.map((p) => p.endpoint?.name), ["api-5d8f-x2k9p"], ref);
  }
});

test("an object's identity for second definitions: group, kind, namespace (default when a namespaced kind gives none; none for a cluster-scoped kind), name", () => {
  const dup = (files: Record<string, string>) => load(files).diagnostics.items.filter((d) => d.code === "duplicate").map((d) => d.message.split(" is defined")[0]);
  const cm = (ns: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c${ns}}\n`;
  assert.deepEqual(dup({ "a.yaml": cm(""), "b.yaml": cm(", namespace: default") }), ["ConfigMap default/c"]);
  assert.deepEqual(dup({ "a.yaml": cm(", namespace: x"), "b.yaml": cm(", namespace: y") }), []);
  assert.deepEqual(dup({ "a.yaml": cm(", namespace: ''"), "b.yaml": cm("") }), ["ConfigMap default/c"]);
  const node = (ns: string) => `apiVersion: v1\nkind: Node\nmetadata: {name: node-a${ns}}\n`;
  assert.deepEqual(dup({ "a.yaml": node(""), "b.yaml": node(", namespace: x") }), ["Node node-a"]);
  const np = (api: string) => `apiVersion: ${api}\nkind: NetworkPolicy\nmetadata: {name: p, namespace: a}\nspec: {podSelector: {}}\n`;
  assert.deepEqual(dup({ "a.yaml": np("networking.k8s.io/v1"), "b.yaml": np("crd.projectcalico.org/v1") }), []);
  assert.deepEqual(dup({ "a.yaml": np("networking.k8s.io/v1"), "b.yaml": np("networking.k8s.io/v1") }), ["NetworkPolicy a/p"]);
});

test("second definitions are found whether the identity is kept in the model's index of objects or apart (load.ts reads in order through lowering.ts Identities)", () => {
  const dup = (...docs: string[]) => load(Object.fromEntries(docs.map((d, i) => [`${i}.yaml`, d]))).diagnostics.items.filter((d) => d.code === "duplicate").map((d) => d.message.split(" is defined")[0]);
  // A kind Junction does not read: its identity namespace is default for none, its noted one "".
  const widget = (ns: string) => `apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w${ns}}\n`;
  assert.deepEqual(dup(widget(""), widget(", namespace: default")), ["Widget default/w"]);
  assert.deepEqual(dup(widget(", namespace: default"), widget("")), ["Widget default/w"]);
  assert.deepEqual(dup(widget(""), widget(", namespace: x")), []);
  // An apiVersion with two slashes: the identity's group is up to the first one, a reference's up to the last.
  const np = (api: string) => `apiVersion: ${api}\nkind: NetworkPolicy\nmetadata: {name: p, namespace: a}\nspec: {podSelector: {}}\n`;
  assert.deepEqual(dup(np("networking.k8s.io/v1"), np("networking.k8s.io/v1/x")), ["NetworkPolicy a/p"]);
  assert.deepEqual(dup(np("networking.k8s.io/v1/x"), np("networking.k8s.io/v1")), ["NetworkPolicy a/p"]);
  // A removed version is read as its replacement, whose identity it has.
  const ing = (api: string) => `apiVersion: ${api}\nkind: Ingress\nmetadata: {name: i, namespace: a}\nspec: {defaultBackend: {service: {name: s, port: {number: 80}}}}\n`;
  assert.deepEqual(dup(ing("extensions/v1beta1"), ing("networking.k8s.io/v1")), ["Ingress a/i"]);
  assert.deepEqual(dup(ing("networking.k8s.io/v1"), ing("extensions/v1beta1")), ["Ingress a/i"]);
  // The model's index holds what references name, and no identity that is not one.
  const g = load({ "a.yaml": np("networking.k8s.io/v1/x") + "---\n" + widget("") }).inventory.routing;
  assert.deepEqual([hasObject(g, "networking.k8s.io/v1", "NetworkPolicy", "a", "p"), hasObject(g, "networking.k8s.io", "NetworkPolicy", "a", "p")], [true, false]);
  assert.deepEqual([hasObject(g, "example.com", "Widget", undefined, "w"), hasObject(g, "example.com", "Widget", "default", "w")], [true, true]);
});

test("every object read is known by group, kind, namespace and name, for references to kinds Junction does not read", () => {
  const l = load({ "a.yaml": "apiVersion: example.com/v1\nkind: Params\nmetadata: {name: p, namespace: x}\n---\napiVersion: example.com/v1\nkind: Global\nmetadata: {name: g}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: x}\n"
    + "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: d}\n---\napiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata: {name: gc, namespace: x}\nspec: {controllerName: example.com/gc}\n" });
  const g = l.inventory.routing;
  assert.equal(hasObject(g, "example.com", "Params", "x", "p"), true);
  assert.equal(hasObject(g, "example.com", "Params", "y", "p"), false);
  assert.equal(hasObject(g, "example.com", "Params", undefined, "p"), false);
  // An object of a kind Junction does not read, written without a namespace, is cluster-scoped or
  // (kubectl applies it there) in default: found from a cluster-scoped reference and from default
  // only. It was found from any namespace, so a route's ExtensionRef resolved to an object of
  // another namespace.
  assert.equal(hasObject(g, "example.com", "Global", undefined, "g"), true);
  assert.equal(hasObject(g, "example.com", "Global", "default", "g"), true);
  assert.equal(hasObject(g, "example.com", "Global", "y", "g"), false);
  // A kind Junction reads is where its identity is: a ConfigMap without a namespace is in default;
  // a cluster-scoped kind has none, whatever the file says.
  assert.equal(hasObject(g, "", "ConfigMap", "default", "d"), true);
  assert.equal(hasObject(g, "", "ConfigMap", "y", "d"), false);
  assert.equal(hasObject(g, "", "ConfigMap", undefined, "d"), false);
  assert.equal(hasObject(g, "gateway.networking.k8s.io", "GatewayClass", undefined, "gc"), true);
  assert.equal(hasObject(g, "", "ConfigMap", "x", "c"), true);
  assert.equal(hasObject(g, "example.com", "ConfigMap", "x", "c"), false);
  assert.equal(hasKind(g, "example.com", "Global"), true);
  assert.equal(hasKind(g, "example.com", "Other"), false);
  const both = ObjectIndex.union(g.objectKeys, load({ "b.yaml": "apiVersion: example.com/v1\nkind: Other\nmetadata: {name: o}\n" }).inventory.routing.objectKeys);
  assert.deepEqual([both.has("example.com", "Params", "x", "p"), both.has("example.com", "Other", "", "o"), both.has("example.com", "Other", "", "p")], [true, true, false]);
});

test("template pods and owners: a Deployment's pods are its ReplicaSets' and, with a ReplicaSet missing, the pods named after it by their pod-template-hash; a controller without pods gets its template's", () => {
  const tpl = "spec: {template: {metadata: {labels: {app: web}}, spec: {containers: [{name: c}]}}}";
  const pod = (name: string, hash: string, rs: string) => `apiVersion: v1\nkind: Pod\nmetadata: {name: ${name}, namespace: x, labels: {app: web, pod-template-hash: ${hash}}, ownerReferences: [{kind: ReplicaSet, name: ${rs}, controller: true}]}\nspec: {containers: [{name: c}]}`;
  const rs = (name: string, deployment: string) => `apiVersion: apps/v1\nkind: ReplicaSet\nmetadata: {name: ${name}, namespace: x, ownerReferences: [{kind: Deployment, name: ${deployment}, controller: true}]}\n${tpl}`;
  const l = load({ "dump.yaml": [
    `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: x}\n${tpl}`, rs("web-aaa", "web"),
    pod("web-aaa-1", "aaa", "web-aaa"), pod("web-bbb-1", "bbb", "web-bbb"), pod("web-aaa-2", "aaa", "web-aaa"),
    `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: api, namespace: x}\n${tpl}`, rs("old-ccc", "old"),
    pod("lone", "ddd", "gone-ddd"), pod("other-ns", "eee", "web-eee").replace("namespace: x", "namespace: y"),
  ].join("\n---\n") });
  const name = (id: number) => l.inventory.endpoints[id].name;
  const pods = (kind: string, n: string) => l.inventory.controllers.find((c) => c.kind === kind && c.name === n)!.pods.map(name);
  assert.deepEqual(pods("Deployment", "web"), ["web-bbb-1", "web-aaa-1", "web-aaa-2"]);
  assert.deepEqual(pods("ReplicaSet", "web-aaa"), ["web-aaa-1", "web-aaa-2"]);
  assert.deepEqual(pods("Deployment", "api"), ["api"]);
  assert.deepEqual(pods("ReplicaSet", "old-ccc"), ["old-ccc"]);
  assert.deepEqual(l.inventory.endpoints.filter((e) => e.fromTemplate).map((e) => e.name), ["api", "old-ccc"]);
});

test("the namespaces every cluster has are created without a note", () => {
  const l = load({ "p.yaml": "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: kube-system}\nspec: {containers: [{name: c}]}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: q}\nspec: {containers: [{name: c}]}\n" });
  assert.deepEqual(l.inventory.namespaces.get("kube-system"), { name: "kube-system", labels: { "kubernetes.io/metadata.name": "kube-system" }, implicit: true });
  assert.ok(l.inventory.namespaces.get("default")?.implicit);
  assert.deepEqual(l.diagnostics.items.filter((d) => d.code === "implicit-namespace"), []);
});
