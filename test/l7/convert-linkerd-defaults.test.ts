// junction convert policy --to common with Linkerd's default inbound policy. Linkerd semantics
// pinned (linkerd.io "Authorization policy" reference, "Default policies"): a port of a meshed pod
// that no Server covers gets the pod's config.linkerd.io/default-inbound-policy, else its
// namespace's, else the cluster's (proxy.defaultInboundPolicy): "all-unauthenticated: allow all
// traffic", "all-authenticated: allow traffic from meshed clients in the same or from a different
// cluster (with multi-cluster)", "cluster-authenticated: allow traffic from meshed clients in the same
// cluster", "cluster-unauthenticated: allow traffic from both meshed and non-meshed clients in the
// same cluster", "deny: all traffic are denied", "audit: same as all-unauthenticated but requests get
// flagged in logs and metrics". "In the same cluster" is the clusterNetworks install value
// (10.0.0.0/8, 100.64.0.0/10, 172.16.0.0/12, 192.168.0.0/16, fd00::/8 by default).
// Each case converts with --verify and answers every request of a fixed set as before.

import { test } from "node:test";
import assert from "node:assert/strict";
import { cli, tempFiles } from "../helpers.js";

const LD = "apiVersion: policy.linkerd.io";
const proxy = "{name: linkerd-proxy, image: cr.l5d.io/linkerd/proxy}";
const pod = (ns: string, name: string, ip: string, extra = "", meta = "") =>
  `apiVersion: v1\nkind: Pod\nmetadata: {name: ${name}, namespace: ${ns}, labels: {app: ${name}}${meta}}\nspec: {serviceAccountName: ${name}, containers: [{name: ${name}, image: x${extra}}]}\nstatus: {podIP: ${ip}}\n---\n`;
const namespace = (name: string, annotations: string) => `apiVersion: v1\nkind: Namespace\nmetadata: {name: ${name}${annotations ? `, annotations: {${annotations}}` : ""}}\n---\n`;

/**
 * books/api (meshed: a Server on its HTTP port for web/front; admin and metrics ports under the default), clients in web (meshed, one outside the cluster networks) and plain (no proxy).
 * books/api runs the proxy, so it carries the namespace's default-inbound-policy as the proxy injector copied it (pkg/inject
 * AppendNamespaceAnnotations), unless `apiMeta` gives its annotations: the policy controller reads the pod's alone.
 */
function world(booksAnnotations: string, apiMeta = ""): string {
  const copied = /config\.linkerd\.io\/default-inbound-policy: [a-z-]+/.exec(booksAnnotations)?.[0];
  if (!apiMeta && copied) apiMeta = `, annotations: {${copied}}`;
  return namespace("books", `linkerd.io/inject: enabled${booksAnnotations}`) + namespace("web", "linkerd.io/inject: enabled") + namespace("plain", "")
    + `apiVersion: v1\nkind: Pod\nmetadata: {name: api, namespace: books, labels: {app: api}${apiMeta}}\nspec:\n  serviceAccountName: api\n  containers:\n  - {name: api, image: books/api, ports: [{name: http, containerPort: 8080}, {name: admin, containerPort: 9990}, {name: metrics, containerPort: 9090}]}\n  - ${proxy}\nstatus: {podIP: 10.0.0.1}\n---\n`
    + pod("web", "front", "10.0.1.1", `}, ${proxy.slice(0, -1)}`) + pod("web", "far", "203.0.113.5", `}, ${proxy.slice(0, -1)}`) + pod("plain", "tool", "192.168.5.1")
    + "apiVersion: v1\nkind: Service\nmetadata: {name: api, namespace: books}\nspec:\n  selector: {app: api}\n  ports: [{name: http, port: 80, targetPort: http}, {name: admin, port: 9990, targetPort: admin}, {name: metrics, port: 9090, targetPort: metrics}]\n---\n";
}

const SERVER = `${LD}/v1beta3\nkind: Server\nmetadata: {name: api-http, namespace: books}\nspec: {podSelector: {matchLabels: {app: api}}, port: http, proxyProtocol: HTTP/1}\n---\n`
  + `${LD}/v1alpha1\nkind: MeshTLSAuthentication\nmetadata: {name: front, namespace: books}\nspec: {identities: [front.web.serviceaccount.identity.linkerd.cluster.local]}\n---\n`
  + `${LD}/v1alpha1\nkind: AuthorizationPolicy\nmetadata: {name: api-front, namespace: books}\nspec:\n  targetRef: {group: policy.linkerd.io, kind: Server, name: api-http}\n  requiredAuthenticationRefs: [{group: policy.linkerd.io, kind: MeshTLSAuthentication, name: front}]\n---\n`;

const CLIENTS = ["web/front", "web/far", "plain/tool"];
const PORTS = [80, 9990, 9090];

/** "web/front :9990 allowed" for every client and port (GET /). */
async function answers(files: Record<string, string>, ...extra: string[]): Promise<string[]> {
  const asks = CLIENTS.flatMap((from) => PORTS.map((port) => ({ from, port })));
  const reqs = asks.map(({ from, port }) => `- ${JSON.stringify({ from, host: "api.books", port, method: "GET", path: "/" })}`).join("\n");
  const { dir, cleanup } = tempFiles({ ...files, "requests.yaml": reqs });
  try {
    const r = await cli(["route", ...Object.keys(files).flatMap((f) => ["-f", `${dir}/${f}`]), "--requests", `${dir}/requests.yaml`, "-o", "json", ...extra]);
    assert.ok(r.code === 0 || r.code === 1, r.err);
    return JSON.parse(r.out).results.map((x: { status: number | null }, i: number) => `${asks[i].from} :${asks[i].port} ${typeof x.status === "number" && x.status < 400 ? "allowed" : "denied"}`);
  } finally { cleanup(); }
}

async function convert(files: Record<string, string>, ...extra: string[]) {
  const { dir, cleanup } = tempFiles(files);
  try { return await cli(["convert", "policy", "-f", dir, "--to", "common", ...extra]); } finally { cleanup(); }
}

/** Converts with --verify, checks the answers before and after agree, and returns them. */
async function roundTrip(files: Record<string, string>, ...extra: string[]): Promise<{ out: string; err: string; answers: string[] }> {
  const r = await convert(files, "--verify", ...extra);
  assert.equal(r.code, 0, r.err);
  assert.match(r.err, /verify: equivalent per request/);
  const before = await answers(files, ...extra);
  // After: the Linkerd objects and default policies (annotations, --linkerd-default-policy) replaced by the converted policies.
  const rest = files["world.yaml"].split("\n---\n").filter((d) => !/kind: (Server|AuthorizationPolicy|MeshTLSAuthentication)\n/.test(d)).join("\n---\n");
  const after = await answers({ "world.yaml": rest.replace(/(, )?config\.linkerd\.io\/default-inbound-policy: [a-z-]+/g, ""), "converted.yaml": r.out });
  assert.deepEqual(after, before);
  return { out: r.out, err: r.err, answers: after };
}

const expectAll = (got: string[], want: string[]) => { for (const w of want) assert.ok(got.includes(w), `${w} (got ${got.join("; ")})`); };

test("default deny (namespace annotation): the ports no Server covers refuse every client; the Server's port still admits its client", async () => {
  const r = await roundTrip({ "world.yaml": world(", config.linkerd.io/default-inbound-policy: deny") + SERVER });
  assert.match(r.out, /name: linkerd-default-books\n[\s\S]*?priority: 500\n[\s\S]*?- name: not-admitted-by-linkerd-default\n\s+action: Deny\n\s+ports:\n\s+- protocol: TCP\n/);
  assert.match(r.out, /name: linkerd-books-api-http-deny-rest\n[\s\S]*?- name: other-connections-to-the-server\n\s+action: Pass/);
  expectAll(r.answers, ["web/front :80 allowed", "web/far :80 denied", "web/front :9990 denied", "web/front :9090 denied", "plain/tool :9990 denied"]);
});

test("default all-authenticated: meshed clients anywhere pass, a client without a proxy is refused (its namespace does not inject Linkerd)", async () => {
  const r = await roundTrip({ "world.yaml": world(", config.linkerd.io/default-inbound-policy: all-authenticated") + SERVER });
  assert.match(r.err, /warning: [^\n]*world\.yaml:\d+: Namespace books, rule 0: the default inbound policy all-authenticated \(namespace annotation config\.linkerd\.io\/default-inbound-policy\) admits clients with a Linkerd identity/);
  assert.match(r.out, /- name: admitted-by-linkerd-default\n\s+action: Pass\n\s+from:\n\s+- namespaces:\n\s+matchLabels:\n\s+kubernetes.io\/metadata.name: books\n[\s\S]*?kubernetes.io\/metadata.name: web\n/);
  expectAll(r.answers, ["web/front :9990 allowed", "web/far :9090 allowed", "plain/tool :9990 denied", "web/far :80 denied"]);
});

test("default cluster-authenticated: meshed clients from the cluster networks only (web/far at 203.0.113.5 is outside)", async () => {
  const r = await roundTrip({ "world.yaml": world(", config.linkerd.io/default-inbound-policy: cluster-authenticated") + SERVER });
  assert.match(r.out, /- name: outside-the-cluster-networks\n\s+action: Deny\n\s+from:\n\s+- cidrs:\n\s+- 0.0.0.0\/0\n\s+except:\n\s+- 10.0.0.0\/8/);
  expectAll(r.answers, ["web/front :9990 allowed", "web/far :9990 denied", "plain/tool :9090 denied"]);
});

test("default cluster-unauthenticated: any client from the cluster networks, meshed or not", async () => {
  const r = await roundTrip({ "world.yaml": world(", config.linkerd.io/default-inbound-policy: cluster-unauthenticated") + SERVER });
  assert.match(r.out, /- name: outside-the-cluster-networks\n\s+action: Deny\n[\s\S]*?- name: admitted-by-linkerd-default\n\s+action: Pass\n\s+ports:/);
  assert.doesNotMatch(r.err, /warning: [^\n]*Namespace books/, "addresses carry no identity caveat");
  expectAll(r.answers, ["web/front :9990 allowed", "plain/tool :9990 allowed", "web/far :9090 denied", "plain/tool :80 denied"]);
});

test("default audit (namespace annotation) only logs: a note, nothing written, every client passes", async () => {
  const r = await roundTrip({ "world.yaml": world(", config.linkerd.io/default-inbound-policy: audit") + SERVER });
  assert.match(r.err, /note: Namespace books: the default inbound policy audit only logs/);
  assert.doesNotMatch(r.out, /linkerd-default/);
  expectAll(r.answers, ["plain/tool :9990 allowed", "web/far :9090 allowed"]);
});

test("a pod annotation overrides its namespace's default: all-unauthenticated on books/api under a namespace deny becomes a Pass for its workload at priority 400", async () => {
  const r = await roundTrip({ "world.yaml": world(", config.linkerd.io/default-inbound-policy: deny", ", annotations: {config.linkerd.io/default-inbound-policy: all-unauthenticated}") + SERVER });
  assert.match(r.out, /name: linkerd-default-books-api\n[\s\S]*?priority: 400\n[\s\S]*?workloads:\n\s+matchLabels:\n\s+app: api\n[\s\S]*?action: Pass\n/);
  expectAll(r.answers, ["plain/tool :9990 allowed", "web/far :9090 allowed", "web/far :80 denied"]);
});

test("--linkerd-default-policy deny: the cluster's default, per namespace that injects Linkerd (books and web), nothing for plain (no proxy)", async () => {
  const r = await roundTrip({ "world.yaml": world("") + SERVER }, "--linkerd-default-policy", "deny");
  assert.match(r.out, /name: linkerd-default-books\n/);
  assert.match(r.out, /name: linkerd-default-web\n/);
  assert.doesNotMatch(r.out, /linkerd-default-plain/);
  assert.match(r.out, /junction.dev\/generated-from: Namespace books\n/);
  expectAll(r.answers, ["web/front :80 allowed", "web/front :9990 denied"]);
});

const REFUSALS: [string, string, RegExp][] = [
  ["a workload whose labels also select a pod with another default (no selector tells them apart)",
    world(", config.linkerd.io/default-inbound-policy: deny", ", annotations: {config.linkerd.io/default-inbound-policy: all-unauthenticated}") + SERVER
      + `apiVersion: v1\nkind: Pod\nmetadata: {name: api2, namespace: books, labels: {app: api, v: "2"}, annotations: {config.linkerd.io/default-inbound-policy: deny}}\nspec: {containers: [{name: api, image: x}, ${proxy}]}\nstatus: {podIP: 10.0.0.2}\n---\n`,
    /Pod books\/api: the default inbound policy all-unauthenticated \(pod annotation [^)]*\): its pods' labels also select pod books\/api2, where the default inbound policy deny \(pod annotation/],
  ["a default on a pod whose Server is not converted (the default's rules would decide its port)",
    world(", config.linkerd.io/default-inbound-policy: deny") + `${LD}/v1beta3\nkind: Server\nmetadata: {name: raw, namespace: books}\nspec: {podSelector: {matchLabels: {app: api}}, port: 9990, proxyProtocol: opaque}\n---\n`,
    /Namespace books: the default inbound policy deny [^\n]*: Server books\/raw \(port 9990\) of pod books\/api is not converted/],
  ["cluster-authenticated where a host-network pod's address is not in the input (its node's address, which the cluster networks need not include)",
    world(", config.linkerd.io/default-inbound-policy: cluster-authenticated") + "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: job, namespace: web}\nspec:\n  selector: {matchLabels: {app: job}}\n  template:\n    metadata: {labels: {app: job}}\n    spec: {hostNetwork: true, containers: [{name: job, image: x}]}\n---\n",
    /Namespace books: the default inbound policy cluster-authenticated [^\n]*: the default admits clients from the cluster networks only, and pod web\/job[^ ]* has no address in the input \(a host-network pod has its node's/],
  ["all-authenticated where meshed and unmeshed clients share their labels",
    world(", config.linkerd.io/default-inbound-policy: all-authenticated") + `apiVersion: v1\nkind: Pod\nmetadata: {name: tool2, namespace: plain, labels: {app: tool, v: "2"}}\nspec: {containers: [{name: tool, image: x}, ${proxy}]}\nstatus: {podIP: 192.168.5.3}\n---\n`.replace("labels: {app: tool, v: \"2\"}", "labels: {app: tool}"),
    /Namespace books: the default inbound policy all-authenticated [^\n]*: the labels of plain\/tool2, which runs a Linkerd proxy, also select pod plain\/tool, which runs none/],
  ["all-authenticated where a meshed client skips its proxy on some ports (config.linkerd.io/skip-outbound-ports: plaintext, no identity there)",
    world(", config.linkerd.io/default-inbound-policy: all-authenticated") + pod("web", "batch", "10.0.1.9", `}, ${proxy.slice(0, -1)}`, ", annotations: {config.linkerd.io/skip-outbound-ports: \"9990\"}"),
    /Namespace books: the default inbound policy all-authenticated [^\n]*: pod web\/batch runs a Linkerd proxy but config\.linkerd\.io\/skip-outbound-ports \("9990"\) sends those ports around it/],
  ["a default on pods another Admin-tier policy selects (its rules would interleave)",
    world(", config.linkerd.io/default-inbound-policy: deny") + "apiVersion: policy.networking.k8s.io/v1alpha1\nkind: AdminNetworkPolicy\nmetadata: {name: ops}\nspec:\n  priority: 10\n  subject: {namespaces: {matchLabels: {kubernetes.io/metadata.name: books}}}\n  ingress: [{name: ops, action: Allow, from: [{namespaces: {}}]}]\n---\n",
    /Namespace books: the default inbound policy deny [^\n]*: AdminNetworkPolicy ops \(Admin tier\) selects the same pods/],
];

for (const [what, text, message] of REFUSALS) {
  test(`convert --to common refuses ${what}: "not converted" with file, line and name (exit 1)`, async () => {
    const r = await convert({ "world.yaml": text });
    assert.equal(r.code, 1, r.err);
    assert.match(r.err, /convert: not converted: [^\n]*world\.yaml:\d+: /);
    assert.match(r.err, message);
  });
}

test("an injected pod's default inbound policy is its own annotation, else the cluster's: the namespace's reaches a pod only as the injector copies it (a wrong allow and a wrong deny before)", async () => {
  // linkerd2 policy-controller/k8s/index/src/inbound/workload.rs Settings::from_metadata reads the pod's annotations only;
  // controller/proxy-injector/webhook.go copies the namespace's config annotations into the pod at injection
  // (pkg/inject AppendNamespaceAnnotations). books/api runs the proxy and has no annotation: injected before its
  // namespace was annotated.
  const lax = { "world.yaml": world(", config.linkerd.io/default-inbound-policy: all-unauthenticated", ", annotations: {}") + SERVER };
  expectAll(await answers(lax, "--linkerd-default-policy", "deny"), ["web/front :9990 denied", "plain/tool :9090 denied", "web/front :80 allowed"]);
  const strict = { "world.yaml": world(", config.linkerd.io/default-inbound-policy: deny", ", annotations: {}") + SERVER };
  expectAll(await answers(strict), ["web/front :9990 allowed", "plain/tool :9090 allowed"]);
  const { dir, cleanup } = tempFiles(strict);
  try {
    const r = await cli(["explain", "-f", dir, "--from", "plain/tool", "--request", "GET http://api.books:9990/"]);
    assert.match(r.out, /the default policy all-unauthenticated \(the cluster default: the pod runs the proxy without the annotation config\.linkerd\.io\/default-inbound-policy, and the policy controller reads the pod's \(the namespace's deny is copied only into pods injected after it was set\)\)/);
  } finally { cleanup(); }
  // A Deployment's pods are still to be injected: they will carry the namespace's annotation.
  const template = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: store, namespace: books}\nspec:\n  selector: {matchLabels: {app: store}}\n  template:\n    metadata: {labels: {app: store}}\n    spec: {serviceAccountName: store, containers: [{name: store, image: x, ports: [{containerPort: 8080}]}]}\n---\n"
    + "apiVersion: v1\nkind: Service\nmetadata: {name: store, namespace: books}\nspec: {selector: {app: store}, ports: [{port: 80, targetPort: 8080}]}\n---\n";
  const t = tempFiles({ "world.yaml": strict["world.yaml"] + template });
  try {
    const r = await cli(["explain", "-f", t.dir, "--from", "plain/tool", "--request", "GET http://store.books/"]);
    assert.match(r.out, /answer    403\n[\s\S]*deny at Linkerd proxy of books\/store \(HTTP, port 8080\): unauthorized on the default route/, "the namespace's deny");
  } finally { t.cleanup(); }
});
