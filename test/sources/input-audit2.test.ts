// Hostile-input and kubectl-fidelity audit, third round: line numbers after a file changes, tabs in
// the fast YAML reader, addresses in ipBlock, and the serve/reader edges listed in docs/input.md.

import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { writeFileSync } from "node:fs";
import { connect, type AddressInfo } from "node:net";
import { createServer } from "node:http";
import { ApiClient } from "../../src/sources/live/client.js";
import { Locator } from "../../src/sources/locate.js";
import { parseKubeYaml, splitKubectlDocuments } from "../../src/sources/kubeyaml.js";
import { cli, load, tempFiles } from "../helpers.js";
import { formatDiagnostic } from "../../src/model/source.js";
import { events, getJson, serve } from "../server/helpers.js";

const NS = (name: string, extra = "") => `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${name}\n${extra}`;

test("a file read again (Locator.add) has its lines counted in the new text, also for documents after the first", () => {
  const file = (text: string) => ({ name: "m.yaml", text, docs: splitKubectlDocuments(text) });
  const before = NS("a") + "---\n" + NS("b", "  labels:\n    x: y\n");
  const locator = new Locator([file(before)]);
  const ref = { file: "m.yaml", doc: 1, path: [] };
  assert.equal(locator.lineOf(ref, ["metadata", "labels", "x"]), 11);
  // Two lines inserted above the field: it moves to line 13.
  locator.add(file(NS("a") + "---\n# one\n# two\n" + NS("b", "  labels:\n    x: y\n")));
  assert.equal(locator.lineOf(ref, ["metadata", "labels", "x"]), 13);
});

test("serve -f: after a changed file is reloaded, a diagnostic names its new line", async () => {
  const dup = (pad: string) => `${pad}${NS("a")}---\n${NS("a", "  labels:\n    x: \"1\"\n")}`;
  const t = tempFiles({ "ns.yaml": dup("") });
  const s = await serve(["-f", join(t.dir, "ns.yaml")]);
  const stream = await events(s.url + "api/v1/events");
  try {
    const line = async () => (await getJson(s.url + "api/v1/diagnostics")).body.diagnostics.find((d: { code: string }) => d.code === "duplicate").line;
    assert.equal(await line(), 1);
    await stream.next("hello");
    writeFileSync(join(t.dir, "ns.yaml"), dup("# one\n# two\n# three\n"));
    await stream.next("update");
    assert.equal(await line(), 4);
    // A request target that is no URL is a 400 naming it, not an internal error (500).
    const port = Number(new URL(s.url).port);
    const reply = await new Promise<string>((resolve, reject) => {
      let got = "";
      const c = connect(port, "127.0.0.1", () => c.end("GET http://[::1 HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"));
      c.on("data", (d) => { got += d; }).on("end", () => resolve(got)).on("error", reject);
    });
    assert.match(reply, /^HTTP\/1\.1 400 /);
    assert.match(reply, /the request target is not a valid URL/);
  } finally { stream.close(); await s.stop(); t.cleanup(); }
});

test("-o yaml reads back as -o json does when a value holds a character the terminal escapes (kubectl reads \\u202e as the character only in a double-quoted scalar; in a plain one it is text)", async () => {
  const odd = ["x\u202ey", "a\u001bb", "c\u0085d", "e\u2066f", "g\u007fh"];
  const escaped = (k: string) => k.replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
  const spec = odd.map((k) => `  "${escaped(k)}": 1\n`).join("");
  const t = tempFiles({ "np.yaml": `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: p\nspec:\n  podSelector: {}\n${spec}` });
  try {
    const json = await cli(["validate", "-f", join(t.dir, "np.yaml"), "--lenient", "-o", "json"]);
    const yaml = await cli(["validate", "-f", join(t.dir, "np.yaml"), "--lenient", "-o", "yaml"]);
    const fields = (d: { diagnostics: { field?: string }[] }) => d.diagnostics.map((x) => x.field).filter((f) => f !== undefined);
    const fromJson = fields(JSON.parse(json.out));
    assert.deepEqual(fromJson, odd.map((k) => `spec.${k}`));
    assert.deepEqual(fields(parseKubeYaml(yaml.out) as never), fromJson);
  } finally { t.cleanup(); }
});

test("validate keeps the API server's verdict under --lenient: an invalid object is an error and exit 1 (other commands read it with a warning); its help says so", async () => {
  const t = tempFiles({ "np.yaml": "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: p\nspec:\n  podSelector: {}\n  bogus: 1\n" });
  try {
    for (const extra of [[], ["--lenient"]]) {
      const r = await cli(["validate", "-f", join(t.dir, "np.yaml"), ...extra]);
      assert.equal(r.code, 1, `validate ${extra.join(" ")}: ${r.out}${r.err}`);
      assert.match(r.out, /^error: .*np\.yaml:7.*spec\.bogus/m);
    }
    const list = await cli(["list", "-f", join(t.dir, "np.yaml"), "--lenient"]);
    assert.equal(list.code, 0, list.err);
    assert.match(list.err, /warning: .*spec\.bogus/);
    assert.match((await cli(["validate", "--help"])).out, /--lenient does not change the verdict/);
  } finally { t.cleanup(); }
});

test("ipBlock CIDRs as the API server reads them today (ValidateIPBlock: IsValidCIDRForLegacyField, strict only under the StrictIPCIDRValidation gate, alpha and off): leading zeros and IPv4-mapped IPv6 are errors (read as its warning's form under --lenient), host bits a warning", async () => {
  const policy = (cidr: string, except = "") => `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: p\n  namespace: a\nspec:\n  podSelector: {}\n  policyTypes: [Egress]\n  egress:\n  - to:\n    - ipBlock:\n        cidr: "${cidr}"\n${except}`;
  const read = (cidr: string, except = "") => {
    const l = load({ "np.yaml": NS("a") + "---\n" + policy(cidr, except) });
    const peer = l.inventory.policies[0]?.egress?.[0]?.peers?.[0];
    const c = peer?.kind === "cidr" ? peer.cidr : undefined;
    const shown = l.diagnostics.items.filter((d) => d.severity !== "info");
    return { range: c && `${c.family} ${c.first.toString(16)}-${c.last.toString(16)} ${c.text}`, diags: shown.map((d) => `${d.severity} ${d.code}`), messages: shown.map((d) => d.message) };
  };
  // GetWarningsForCIDR: "non-standard CIDR value %q is invalid: use %q" (ipnet.String() of ParseCIDRSloppy).
  assert.deepEqual(read("::ffff:10.0.0.0/104").range, "4 a000000-affffff 10.0.0.0/8");
  assert.deepEqual(read("::ffff:10.0.0.0/104").diags, ["error non-standard-cidr"]);
  assert.match(read("::ffff:a00:0/104").messages[0], /IPv4-mapped IPv6 address.*use "10\.0\.0\.0\/8"/);
  assert.equal(read("010.000.0.0/08").range, "4 a000000-affffff 10.0.0.0/8");
  assert.deepEqual(read("010.000.0.0/08").diags, ["error non-standard-cidr"]);
  assert.match(read("10.0.0.0/08").messages[0], /leading zeros/);
  // Below /96 the mapped address stays IPv6 (net.IPNet masks the ffff away): "use ::/80".
  assert.deepEqual(read("::ffff:0:0/80").range, "6 0-ffffffffffff ::/80");
  // "CIDR value %q is ambiguous in this context (should be %q or %q?)": a warning; the network is read.
  assert.deepEqual(read("10.0.0.1/8").diags, ["warning ambiguous-cidr"]);
  assert.match(read("10.0.0.1/8").messages[0], /should be "10\.0\.0\.0\/8" or "10\.0\.0\.1\/32"/);
  assert.deepEqual(read("10.0.0.1/8").range, "4 a000000-affffff 10.0.0.1/8");
  // ParseCIDRSloppy takes no white space; standard CIDRs say nothing.
  assert.deepEqual(read(" 10.0.0.0/8").diags, ["error invalid-cidr"]);
  assert.deepEqual(read("10.0.0.0/8", "        except: [\"::ffff:10.1.0.0/112\"]\n").diags, ["error non-standard-cidr"]);
  assert.deepEqual(read("fd00::/8").diags, []);
  const t = tempFiles({ "np.yaml": NS("a") + "---\n" + policy("::ffff:10.0.0.0/104") });
  try {
    const strict = await cli(["list", "-f", join(t.dir, "np.yaml")]);
    assert.equal(strict.code, 2);
    assert.match(strict.out + strict.err, /np\.yaml:17 spec\.egress\[0\]\.to\[0\]\.ipBlock\.cidr: "::ffff:10\.0\.0\.0\/104" has an IPv4-mapped IPv6 address/);
    const lenient = await cli(["list", "-f", join(t.dir, "np.yaml"), "--lenient"]);
    assert.equal(lenient.code, 0, lenient.out + lenient.err);
  } finally { t.cleanup(); }
});

test("-f URL is refused by name (kubectl -f fetches http(s) URLs; Junction reads files and stdin only), in list, validate and serve alike", async () => {
  for (const command of ["list", "validate", "serve"]) {
    const r = await cli([command, "-f", "https://example.com/policies.yaml"]);
    assert.equal(r.code, 2, command);
    assert.match(r.err, /https:\/\/example\.com\/policies\.yaml: Junction does not fetch URLs \(kubectl -f does\)/, command);
  }
});

test("flows --format auto stops looking after 4 MiB of lines it does not recognise, instead of holding up to 1,000 lines of 1 MiB", async () => {
  const junk = ("x".repeat(300_000) + "\n").repeat(30);
  const t = tempFiles({ "junk.log": junk });
  try {
    const r = await cli(["flows", "--history", "examples/flows/history.jsonl", "--flows", join(t.dir, "junk.log")]);
    assert.equal(r.code, 2);
    // 14 lines of 300,000 characters pass 4 MiB: detection ends there, not at the file's 30th line.
    assert.match(r.err, /junk\.log:1: no line of the first 14 is of a format Junction reads/);
  } finally { t.cleanup(); }
});

test("odd API server answers are one-line errors (exit 2), not internal errors; a silent API server times out; a plain-HTTP server without insecure-skip-tls-verify is named", { timeout: 120_000 }, async () => {
  let mode = "";
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    res.setHeader("Content-Type", "application/json");
    if (mode === "hang") return;
    const answer: Record<string, unknown> = {
      "/api": { versions: mode === "versions" ? "v1" : ["v1"] },
      "/apis": { groups: mode === "groups" ? {} : [] },
      "/api/v1": { resources: [{ name: "namespaces", namespaced: false, kind: "Namespace", verbs: ["list"] }, { name: 7 }] },
    };
    res.end(JSON.stringify(answer[path] ?? { items: mode === "items" ? 5 : [null], metadata: {} }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  const t = tempFiles({});
  const kubeconfig = (skip: boolean) => {
    const path = join(t.dir, `kc-${skip}`);
    writeFileSync(path, `apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster: {server: "http://127.0.0.1:${port}"${skip ? ", insecure-skip-tls-verify: true" : ""}}\ncontexts:\n- name: x\n  context: {cluster: c, user: u}\nusers:\n- name: u\n  user: {token: t}\ncurrent-context: x\n`);
    return path;
  };
  try {
    for (const [m, says] of [["items", /"items" that is not a list/], ["null", /an item of the API server's answer is not an object/], ["groups", /"groups" that is not a list/], ["versions", /"versions" that is not a list/]] as const) {
      mode = m;
      const r = await cli(["list", "--kubeconfig", kubeconfig(true)]);
      assert.equal(r.code, 2, `${m}: ${r.err}`);
      assert.match(r.err, says, m);
      assert.doesNotMatch(r.err, /internal error/, m);
    }
    mode = "";
    const plain = await cli(["list", "--kubeconfig", kubeconfig(false)]);
    assert.equal(plain.code, 2, plain.err);
    assert.match(plain.err, /set insecure-skip-tls-verify: true/);
    mode = "hang";
    const client = await ApiClient.connect({ kubeconfig: kubeconfig(true), namespaces: [] });
    client.idleTimeoutMs = 300;
    await assert.rejects(client.get("/api"), /no answer from the API server in 0\.3 s/);
  } finally { server.closeAllConnections(); server.close(); t.cleanup(); }
});

test("a label or selector value that is not a string is named as the other readers name it (a list, an object, number 1), with file, line and field", () => {
  for (const [value, named] of [["[1]", "a list"], ["{a: b}", "an object"], ["1", "number 1"]]) {
    const l = load({ "np.yaml": `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p, namespace: default}\nspec:\n  podSelector: {matchLabels: {app: ${value}}}\n` });
    assert.ok(l.diagnostics.errors.some((d) => /must be a string, not /.test(d.message) && d.message.endsWith(`not ${named}`)), `${value}: ${l.diagnostics.errors.map((d) => d.message).join("; ")}`);
    assert.match(l.diagnostics.errors.map(formatDiagnostic).join("\n"), /np\.yaml:5 spec\.podSelector\.matchLabels\.app: must be a string/);
  }
});
