// A controller's template and a Pod are read by one path (sources/core.ts readPodSpec, then specPod):
// the template's stand-in pod (made when the input holds none of its pods) carries everything the
// pod front end reads from the spec, metadata annotations and networks. The template copied the
// spec's fields by hand, so a field added to the pod's reading was dropped for templates unless
// copied too; its stand-in left spec.nodeName out (every replica of a template naming a node runs
// there: the scheduler is bypassed).

import { test } from "node:test";
import assert from "node:assert/strict";
import { parse } from "yaml";
import { load } from "../helpers.js";
import { readPodSpec } from "../../src/sources/core.js";
import { Field, ObjectContext } from "../../src/sources/fields.js";
import { Diagnostics } from "../../src/model/source.js";
import type { Endpoint } from "../../src/model/endpoint.js";

/** A pod spec with every field readPodSpec reads (asserted below), as YAML under `indent`. */
const SPEC = `nodeName: n1
hostNetwork: true
serviceAccountName: api
automountServiceAccountToken: false
volumes: [{name: certs, secret: {secretName: api-tls, items: [{key: tls.crt, path: cert.pem}]}}]
initContainers: [{name: init, image: x, ports: [{name: init-port, containerPort: 9000}]}]
containers:
- name: app
  image: x
  ports: [{name: http, containerPort: 8080}, {containerPort: 5353, protocol: UDP, hostPort: 5353}]
  env: [{name: CERT, value: /etc/certs/cert.pem}]
  volumeMounts: [{name: certs, mountPath: /etc/certs}]
  readinessProbe: {httpGet: {port: 8080, path: /ready}}
- {name: istio-proxy, image: proxy}`;
const METADATA = `labels: {app: api}
annotations: {sidecar.istio.io/inject: "true", k8s.v1.cni.cncf.io/networks: "macvlan-conf", unrelated: x}`;
const indent = (text: string, n: number) => text.split("\n").map((l) => " ".repeat(n) + l).join("\n");
const NETWORK = `apiVersion: k8s.cni.cncf.io/v1
kind: NetworkAttachmentDefinition
metadata: {name: macvlan-conf, namespace: shop}
spec: {config: '{"cniVersion": "0.3.1", "type": "macvlan", "master": "eth0", "ipam": {"type": "static"}}'}`;
const POD = `apiVersion: v1
kind: Pod
metadata:
  name: api-0
  namespace: shop
${indent(METADATA, 2)}
spec:
${indent(SPEC, 2)}
status: {phase: Running, podIP: 172.18.0.2}`;
const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: shop}
spec:
  selector: {matchLabels: {app: api}}
  template:
    metadata:
${indent(METADATA, 6)}
    spec:
${indent(SPEC, 6)}`;

/** What is not the spec's, metadata's or networks': the pod's own name, owner, addresses, status, source and place. */
const HEAD = ["name", "owner", "addresses", "ready", "fromTemplate", "src", "id"];
const body = (e: Endpoint) => Object.fromEntries(Object.entries(e).filter(([k]) => !HEAD.includes(k)));

test("a template's stand-in pod is the pod the same spec makes: every field the pod front end reads", () => {
  // The fixture carries every field readPodSpec reads (a field added to it and not here fails this).
  const spec = readPodSpec(Field.root(new ObjectContext({ file: "p.yaml" } as never, new Diagnostics(), "Pod"), parse(SPEC)));
  for (const [k, v] of Object.entries(spec)) assert.ok(v !== undefined && !(Array.isArray(v) && v.length === 0), `the fixture sets nothing read into ${k}`);
  const pod = load({ "p.yaml": [POD, NETWORK].join("\n---\n") });
  const tpl = load({ "d.yaml": [DEPLOYMENT, NETWORK].join("\n---\n") });
  assert.deepEqual([pod.diagnostics.errors, tpl.diagnostics.errors], [[], []]);
  const a = pod.inventory.endpoints.find((e) => e.kind === "pod")!, b = tpl.inventory.endpoints.find((e) => e.kind === "pod")!;
  assert.equal(b.fromTemplate, true);
  assert.deepEqual(body(b), body(a));
  // Every part of it is there: the spec's (nodeName was left out of the stand-in), the annotations kept, the networks asked for.
  for (const k of ["ports", "nodeName", "hostNetwork", "serviceAccount", "secretFiles", "proxyContainer", "automountToken", "httpProbes", "annotations", "attachments"]) assert.ok(k in b, `${k} missing from the stand-in`);
  assert.equal(b.nodeName, "n1");
});
