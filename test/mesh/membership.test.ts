// Which pods take part in the mesh: all of them when no injection is visible (GAMMA has no
// injection concept); otherwise as Istio's webhook (namespaceSelector/objectSelector of
// istio-discovery's mutatingwebhook.yaml, then pkg/kube/inject injectRequired) and Linkerd's
// (pkg/inject/report.go disabledByAnnotation truth table) decide at pod creation.

import { test } from "node:test";
import assert from "node:assert/strict";
import { MeshMembership } from "../../src/engine/mesh/membership.js";
import { load } from "../helpers.js";
import { CLUSTER, meshRoute, one, tagged } from "./fixture.js";

function membership(yaml: string): (ns: string, name: string) => boolean {
  const inv = load({ "m.yaml": yaml }).inventory;
  const m = new MeshMembership(inv);
  return (ns, name) => m.of(inv.endpoints.find((e) => e.namespace === ns && e.name === name)).inMesh;
}

const ns = (name: string, labels = "", annotations = "") => `---
apiVersion: v1
kind: Namespace
metadata: {name: ${name}, labels: {${labels}}, annotations: {${annotations}}}
`;
const template = (ns: string, name: string, labels = "", annotations = "", spec = "") => `---
apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}, namespace: ${ns}}
spec:
  selector: {matchLabels: {app: ${name}}}
  template:
    metadata: {labels: {app: ${name}${labels ? `, ${labels}` : ""}}, annotations: {${annotations}}}
    spec: {containers: [{name: app, image: app}]${spec}}
`;

test("no injection visible: every pod is in the mesh", () => {
  const inMesh = membership(ns("a") + template("a", "x"));
  assert.equal(inMesh("a", "x"), true);
});

test("Istio: namespace istio-injection=enabled injects; the pod label or annotation sidecar.istio.io/inject=false opts out", () => {
  const yaml = ns("inj", "istio-injection: enabled") + ns("bare")
    + template("inj", "plain") + template("inj", "optout", "sidecar.istio.io/inject: 'false'") + template("inj", "annotated", "", "sidecar.istio.io/inject: 'false'")
    + template("inj", "host", "", "", ", hostNetwork: true") + template("bare", "plain");
  const inMesh = membership(yaml);
  assert.equal(inMesh("inj", "plain"), true);
  assert.equal(inMesh("inj", "optout"), false);
  assert.equal(inMesh("inj", "annotated"), false);
  assert.equal(inMesh("inj", "host"), false, "host-network pods are never injected");
  assert.equal(inMesh("bare", "plain"), false, "a namespace without a label: not injected");
});

test("Istio: istio.io/rev on the namespace injects unless istio-injection is also set; a pod label opts in where the namespace says nothing", () => {
  const yaml = ns("rev", "istio.io/rev: canary") + ns("both", "istio.io/rev: canary, istio-injection: disabled") + ns("none") + ns("kube-system")
    + template("rev", "x") + template("both", "x") + template("none", "in", "sidecar.istio.io/inject: 'true'")
    + template("none", "revpod", "istio.io/rev: canary") + template("none", "annotated", "", "sidecar.istio.io/inject: 'true'")
    + template("kube-system", "in", "sidecar.istio.io/inject: 'true'");
  const inMesh = membership(yaml);
  assert.equal(inMesh("rev", "x"), true);
  assert.equal(inMesh("both", "x"), false, "istio-injection=disabled takes precedence over istio.io/rev");
  assert.equal(inMesh("none", "in"), true, "pod label sidecar.istio.io/inject=true");
  assert.equal(inMesh("none", "revpod"), true, "pod label istio.io/rev");
  assert.equal(inMesh("none", "annotated"), false, "the webhook's objectSelector reads labels only: an annotation alone does not call it");
  assert.equal(inMesh("kube-system", "in"), false, "kube-system is never injected");
});

test("Linkerd: the namespace annotation linkerd.io/inject=enabled injects; the pod annotation overrides it", () => {
  const yaml = ns("l", "", "linkerd.io/inject: enabled") + ns("plain")
    + template("l", "x") + template("l", "optout", "", "linkerd.io/inject: disabled") + template("plain", "optin", "", "linkerd.io/inject: enabled")
    + template("plain", "x") + template("l", "notoken", "", "", ", automountServiceAccountToken: false");
  const inMesh = membership(yaml);
  assert.equal(inMesh("l", "x"), true);
  assert.equal(inMesh("l", "optout"), false);
  assert.equal(inMesh("plain", "optin"), true);
  assert.equal(inMesh("plain", "x"), false);
  assert.equal(inMesh("l", "notoken"), false, "Linkerd does not inject pods that do not mount their token");
});

test("an admitted pod's containers are authoritative: istio-proxy present means in the mesh, absent means not", () => {
  const pod = (name: string, containers: string) => `---
apiVersion: v1
kind: Pod
metadata: {name: ${name}, namespace: inj}
spec: {containers: [${containers}]}
status: {podIP: 10.0.0.${name.length}}
`;
  const yaml = ns("inj", "istio-injection: enabled") + ns("bare") + pod("old", "{name: app, image: a}") + pod("proxied", "{name: app, image: a}, {name: istio-proxy, image: p}");
  const inMesh = membership(yaml);
  assert.equal(inMesh("inj", "old"), false, "created before the namespace was labelled");
  assert.equal(inMesh("inj", "proxied"), true);
});

test("a client without a proxy bypasses mesh routing, and the explanation says why", () => {
  const yaml = CLUSTER.replace("metadata: {name: web}", "metadata: {name: web, labels: {istio-injection: disabled}}")
    .replace("metadata: {name: ops}", "metadata: {name: ops, labels: {istio-injection: enabled}}")
    + meshRoute("shop", "r", "{kind: Service, group: '', name: api}", tagged("api-v2", "routed"));
  const web = one(yaml, "web/client", "http://api.shop/");
  assert.equal(web.clientMesh?.inMesh, false);
  assert.equal(web.responseHeaders["x-route"], undefined);
  assert.equal(web.backend, "shop/api");
  assert.match(web.layers.find((l) => l.layer === "routing")!.summary, /no mesh proxy.*mesh routes do not apply/);
  // ops/client has an address and no istio-proxy container: admitted without a proxy.
  assert.equal(one(yaml, "ops/client", "http://api.shop/").clientMesh?.inMesh, false);
});

test("Istio ambient: the namespace label istio.io/dataplane-mode=ambient enrols pods (no container), none opts out, a sidecar wins", () => {
  const pod = (ns: string, name: string, labels: string, containers = "{name: app, image: a}") => `---
apiVersion: v1
kind: Pod
metadata: {name: ${name}, namespace: ${ns}, labels: {${labels}}}
spec: {containers: [${containers}]}
status: {podIP: 10.0.1.${name.length}}
`;
  const yaml = ns("amb", "istio.io/dataplane-mode: ambient") + ns("bare")
    + pod("amb", "enrolled", "app: a") + pod("amb", "excluded", "istio.io/dataplane-mode: none")
    + pod("amb", "withsidecar", "app: s", "{name: app, image: a}, {name: istio-proxy, image: p}") + pod("bare", "podlabel", "istio.io/dataplane-mode: ambient");
  const inv = load({ "m.yaml": yaml }).inventory;
  const m = new MeshMembership(inv);
  const of = (ns: string, name: string) => m.of(inv.endpoints.find((e) => e.namespace === ns && e.name === name));
  assert.deepEqual([of("amb", "enrolled").inMesh, of("amb", "enrolled").dataplane], [true, "ambient"]);
  assert.equal(of("amb", "excluded").inMesh, false);
  assert.equal(of("amb", "withsidecar").dataplane, "sidecar");
  assert.equal(of("bare", "podlabel").dataplane, "ambient");
});
