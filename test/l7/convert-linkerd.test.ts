// junction convert policy --to common with Linkerd authorization: each Server becomes an Admin-tier
// policy of Pass rules on its port (one per client its authorizations admit) and a Deny of every
// other request on that port, so a NetworkPolicy on the same pods still decides (the intersection).
// Linkerd semantics pinned (linkerd.io authorization-policy reference): "a Server ... denies all
// traffic that is not explicitly authorized"; MeshTLSAuthentication "identities" are those of meshed
// clients over mTLS; NetworkAuthentication "networks" admit clients by address "regardless of
// identity"; a ServerAuthorization without networks admits the cluster networks only; requests to a
// Server with routes that no route matches get 404, not 403.

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { cli, load, tempFiles } from "../helpers.js";
import { verifyRequests } from "../../src/cli/verify.js";
import { DEFAULT_OPTIONS } from "../../src/engine/options.js";

const EXAMPLE = readFileSync("examples/mesh-linkerd/books.yaml", "utf8");
const [WORLD] = EXAMPLE.split("\n---\napiVersion: policy.linkerd.io/v1beta3\nkind: Server");
const POLICY = EXAMPLE.slice(WORLD.length + 5);
const LD = "apiVersion: policy.linkerd.io";

async function convert(files: Record<string, string>, ...extra: string[]) {
  const { dir, cleanup } = tempFiles(files);
  try { return await cli(["convert", "policy", "-f", dir, "--to", "common", ...extra]); } finally { cleanup(); }
}

const CLIENTS = ["web/front", "web/other", "plain/tool"];
const PORTS = [80, 9990, 9090];
async function answers(files: Record<string, string>): Promise<string[]> {
  const asks = CLIENTS.flatMap((from) => PORTS.flatMap((port) => ["GET /books", "POST /x"].map((r) => ({ from, port, r }))));
  const reqs = asks.map(({ from, port, r }) => `- ${JSON.stringify({ from, host: "api.books", port, method: r.split(" ")[0], path: r.split(" ")[1] })}`).join("\n");
  const { dir, cleanup } = tempFiles({ ...files, "requests.yaml": reqs });
  try {
    const r = await cli(["route", ...Object.keys(files).flatMap((f) => ["-f", `${dir}/${f}`]), "--requests", `${dir}/requests.yaml`, "-o", "json"]);
    assert.ok(r.code === 0 || r.code === 1, r.err);
    return JSON.parse(r.out).results.map((x: { status: number | null }, i: number) => `${asks[i].from} :${asks[i].port} ${asks[i].r}: ${typeof x.status === "number" && x.status < 400 ? "allowed" : "denied"}`);
  } finally { cleanup(); }
}

test("convert --to common: Linkerd Servers as Admin-tier Pass rules and a Deny of other requests, ANDed with a NetworkPolicy; --verify and route --requests agree", async () => {
  const r = await convert({ "world.yaml": WORLD, "policy.yaml": POLICY }, "--verify");
  assert.equal(r.code, 0, r.err);
  assert.match(r.err, /read 1 NetworkPolicy, 3 Server \(Linkerd\), 2 AuthorizationPolicy \(Linkerd\), 1 ServerAuthorization \(Linkerd\)/);
  assert.match(r.err, /verify: equivalent \(/);
  assert.match(r.err, /verify: equivalent per request/);
  assert.match(r.out, /name: linkerd-books-api-http\n[\s\S]*?action: Pass\n\s+from:\n\s+- namespaces:\n\s+matchLabels:\n\s+kubernetes.io\/metadata.name: web\n\s+serviceAccounts:\n\s+- front/);
  assert.match(r.out, /name: linkerd-books-api-admin\n[\s\S]*?cidrs:\n\s+- 192.168.0.0\/16\n\s+except:\n\s+- 192.168.9.0\/24/);
  assert.match(r.out, /name: linkerd-books-api-http-deny-rest\n[\s\S]*?action: Deny\n\s+ports:\n\s+- protocol: TCP\n\s+port: http\n\s+http:\n\s+- \{\}/);
  const before = await answers({ "world.yaml": WORLD, "policy.yaml": POLICY });
  const after = await answers({ "world.yaml": WORLD, "converted.yaml": r.out });
  assert.deepEqual(after, before);
  for (const line of ["web/front :80 GET /books: allowed", "web/other :80 GET /books: denied", "web/other :9990 POST /x: allowed", "web/front :9990 GET /books: denied", "web/other :9090 GET /books: allowed", "plain/tool :9990 GET /books: denied"]) {
    assert.ok(after.includes(line), `${line} (got ${after.join("; ")})`);
  }
});

test("--verify finds a Linkerd conversion that answers a request differently (the Deny of unauthorized requests left out)", async () => {
  const r = await convert({ "world.yaml": WORLD, "policy.yaml": POLICY });
  const broken = r.out.split("---\n").filter((d) => !d.includes("linkerd-books-api-http-deny-rest")).join("---\n");
  const loaded = load({ "world.yaml": WORLD, "policy.yaml": POLICY });
  let err = "";
  const replaced = (raw: { kind: string }) => ["NetworkPolicy", "Server", "AuthorizationPolicy", "ServerAuthorization", "MeshTLSAuthentication", "NetworkAuthentication"].includes(raw.kind);
  const code = verifyRequests(loaded, DEFAULT_OPTIONS, replaced as never, broken, { out: () => {}, err: (s: string) => { err += s; } } as never, () => {}, undefined, true);
  assert.equal(code, 1, err);
  assert.match(err, /verify: differs: web\/other → GET http:\/\/api\.books:80\/: 403 before, 200 after/);
});

test("MeshTLSAuthentication identities: converted with a warning (stderr and the annotation junction.dev/warning): an unmeshed client of that account has no Linkerd identity", async () => {
  const r = await convert({ "world.yaml": WORLD, "policy.yaml": POLICY }, "-o", "json");
  assert.equal(r.code, 0, r.err);
  assert.match(r.err, /convert: warning: [^\n]*policy\.yaml:\d+: Server books\/api-http, rule 0: AuthorizationPolicy books\/api-front names identities, which Linkerd accepts only from meshed clients over mutual TLS/);
  const items = JSON.parse(r.out).items as { metadata: { name: string; annotations: Record<string, string> } }[];
  assert.match(items.find((o) => o.metadata.name === "linkerd-books-api-http")!.metadata.annotations["junction.dev/warning"], /allowed by the conversion, refused by Linkerd/);
  assert.equal(items.find((o) => o.metadata.name === "linkerd-books-api-admin")!.metadata.annotations["junction.dev/warning"], undefined, "networks alone carry no identity caveat");
});

const server = (name: string, spec: string) => `${LD}/v1beta3\nkind: Server\nmetadata: {name: ${name}, namespace: books}\nspec: {podSelector: {matchLabels: {app: api}}, ${spec}}\n---\n`;
const REFUSALS: [string, string, RegExp][] = [
  ["an opaque Server (Linkerd refuses the connection; the Deny decides requests)", server("raw", "port: 9990, proxyProtocol: opaque"), /Server books\/raw: proxyProtocol opaque: Linkerd refuses unauthorized connections/],
  ["a Server with proxyProtocol unknown (the default: a non-HTTP client's connection is refused by Linkerd, passed by the Deny of requests)", server("detect", "port: 9990"), /Server books\/detect: proxyProtocol unknown \(the default\)/],
  ["a Server another (older) Server overrides on a pod", server("a-first", "port: 9990, proxyProtocol: HTTP/1") + server("b-second", "port: admin, proxyProtocol: HTTP/1"), /Server books\/b-second: Server a-first takes port 9990 of pod books\/api/],
  ["a ServerAuthorization with meshTLS and no networks (identity and cluster networks at once)", server("s", "port: 9990, proxyProtocol: HTTP/1") + `${LD}/v1beta1\nkind: ServerAuthorization\nmetadata: {name: sa, namespace: books}\nspec:\n  server: {name: s}\n  client: {meshTLS: {serviceAccounts: [{name: front, namespace: web}]}}\n---\n`, /Server books\/s: ServerAuthorization books\/sa: clients need an identity and an address in given networks at once/],
  ["an identity outside the mesh's form", server("s", "port: 9990, proxyProtocol: HTTP/1") + `${LD}/v1alpha1\nkind: MeshTLSAuthentication\nmetadata: {name: ext, namespace: books}\nspec: {identities: ["*.example.org"]}\n---\n${LD}/v1alpha1\nkind: AuthorizationPolicy\nmetadata: {name: ext, namespace: books}\nspec:\n  targetRef: {group: policy.linkerd.io, kind: Server, name: s}\n  requiredAuthenticationRefs: [{group: policy.linkerd.io, kind: MeshTLSAuthentication, name: ext}]\n---\n`, /the identity "\*\.example\.org" is not SA\.NS\.serviceaccount\.identity\.linkerd\.cluster\.local/],
];

for (const [what, extra, message] of REFUSALS) {
  test(`convert --to common refuses ${what}: "not converted" with file, line and name (exit 1)`, async () => {
    const r = await convert({ "world.yaml": WORLD, "policy.yaml": extra });
    assert.equal(r.code, 1, r.err);
    assert.match(r.err, /convert: not converted: [^\n]*\.yaml:\d+: /);
    assert.match(r.err, message);
  });
}

test("convert --to common refuses a Server selecting a pod without a Linkerd proxy (Linkerd enforces nothing there)", async () => {
  const r = await convert({ "world.yaml": WORLD, "policy.yaml": `${LD}/v1beta3\nkind: Server\nmetadata: {name: s, namespace: plain}\nspec: {podSelector: {}, port: 80, proxyProtocol: HTTP/1}\n---\n` });
  assert.equal(r.code, 1);
  assert.match(r.err, /Server plain\/s: it selects pod plain\/tool, which runs no Linkerd proxy/);
});

test("examples/mesh: the Server with routes, its route-level AuthorizationPolicies and the all-authenticated default are converted, and --verify passes request by request", async () => {
  const r = await cli(["convert", "policy", "-f", "examples/mesh", "--to", "common", "--verify"]);
  assert.equal(r.code, 0, r.err);
  assert.doesNotMatch(r.err, /not converted/);
  assert.match(r.err, /verify: equivalent per request \(\d+ requests/);
  for (const name of ["linkerd-books-api-http", "linkerd-books-api-http-deny-rest", "linkerd-default-books", "istio-shop-catalog-readers"]) assert.match(r.out, new RegExp(`name: ${name}\n`));
  assert.match(r.err, /warning: examples\/mesh\/linkerd\.yaml:\d+: Server books\/api-http: Linkerd answers a request no route of the Server matches with 404/);
});

test("the audit default inbound policy only logs: a note, nothing to convert (exit 0)", async () => {
  const r = await convert({ "world.yaml": WORLD.replace("{name: web, annotations: {linkerd.io/inject: enabled}}", "{name: web, annotations: {linkerd.io/inject: enabled, config.linkerd.io/default-inbound-policy: audit}}"), "policy.yaml": POLICY });
  assert.equal(r.code, 0, r.err);
  assert.match(r.err, /note: Namespace web: the default inbound policy audit only logs/);
});

for (const input of ["examples/mesh-linkerd", "examples/mesh/linkerd.yaml"]) {
  test(`docs/mesh.md: convert --to common --verify on ${input} prints what the docs say (stdout and stderr)`, async () => {
    const r = await cli(["convert", "policy", "-f", input, "--to", "common", "--verify"]);
    const doc = readFileSync("docs/mesh.md", "utf8");
    const block = new RegExp(`\\$ junction convert policy -f ${input.replace(/[./]/g, "\\$&")} --to common --verify\\n([\\s\\S]*?)\`\`\`\\nand on stderr:\\n\`\`\`\\n([\\s\\S]*?)\`\`\``).exec(doc);
    assert.ok(block, "docs/mesh.md shows the command, its output and its stderr");
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out, block![1]);
    assert.equal(r.err, block![2]);
  });
}
