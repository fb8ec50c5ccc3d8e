// The enforcement commands' surface (help, usage errors, refusals) and the pure pieces beneath them:
// address classes and the dry-run diff. None of this needs root.

import { test } from "node:test";
import assert from "node:assert/strict";
import { parseCidr, parseAddress, type AddressRange } from "../src/model/ip.js";
import { classify } from "../src/targets/nftables/classes.js";
import { unifiedDiff } from "../src/targets/linediff.js";
import { cli } from "./helpers.js";
import { estateYaml } from "./fixtures/hosts.js";

const range = (text: string): AddressRange => {
  const c = parseCidr(text);
  if (c) return c;
  const a = parseAddress(text)!;
  return { family: a.family, first: a.value, last: a.value };
};

test("address classes: the space splits where the rules' ranges start and end; equal rule sets share a class", () => {
  const classes = classify([
    { id: 0, ranges: [range("10.0.0.0/8")] },
    { id: 1, ranges: [range("10.1.0.0/16"), range("192.0.2.1")] },
    { id: 2, ranges: [range("10.1.0.0/16")] },
  ]);
  const show = classes.map((c) => `${c.ids.join("+")}: ${c.ranges.map((r) => `${r.first}-${r.last}`).join(" ")}`);
  const [a, b] = [range("10.0.0.0/8"), range("10.1.0.0/16")];
  assert.deepEqual(show, [
    `0: ${a.first}-${b.first - 1n} ${b.last + 1n}-${a.last}`,
    `0+1+2: ${b.first}-${b.last}`,
    `1: ${range("192.0.2.1").first}-${range("192.0.2.1").first}`,
  ]);
});

test("address classes: tags (a destination's named ports) split classes too; IPv6 is its own space", () => {
  const classes = classify([{ id: 0, ranges: [range("::/0")] }], [{ range: range("2001:db8::1"), tag: "http=TCP/80" }]);
  assert.equal(classes.length, 2);
  assert.deepEqual(classes.map((c) => c.tag), [undefined, "http=TCP/80"]);
  assert.equal(classes[0].ranges.length, 2, "the tagged address cuts ::/0 in two");
});

test("dry-run diff: unified hunks with context, an empty side numbered from 0, nothing for equal texts", () => {
  assert.equal(unifiedDiff("a\nb\nc\n", "a\nb\nc\n", ["x", "y"]), "");
  assert.equal(unifiedDiff("", "a\nb", ["old", "new"]), "--- old\n+++ new\n@@ -0,0 +1,2 @@\n+a\n+b\n");
  const d = unifiedDiff("1\n2\n3\n4\n5\n6\n7\n8\n9", "1\n2\n3\n4\nfive\n6\n7\n8\n9", ["old", "new"]);
  assert.equal(d, "--- old\n+++ new\n@@ -3,5 +3,5 @@\n 3\n 4\n-5\n+five\n 6\n 7\n");
});

test("lab and agent: help for every subcommand; usage errors exit 2", async () => {
  for (const args of [["lab", "--help"], ["lab", "up", "--help"], ["lab", "probe", "--help"], ["lab", "status", "--help"], ["lab", "down", "--help"], ["agent", "--help"]]) {
    const r = await cli(args);
    assert.equal(r.code, 0, args.join(" "));
    assert.match(r.out, /Usage: junction (lab|agent)/);
  }
  assert.equal((await cli(["lab", "frobnicate"])).code, 2);
  const noHost = await cli(["agent", "-f", "-"]);
  assert.equal(noHost.code, 2);
  assert.match(noHost.err, /--host NAME is required/);
  const stdinWatch = await cli(["agent", "-f", "-", "--host", "x/a", "--watch"]);
  assert.equal(stdinWatch.code, 2);
  assert.match(stdinWatch.err, /--watch cannot watch stdin/);
  const badName = await cli(["lab", "down", "--name", "Bad-Name"]);
  assert.equal(badName.code, 2);
});

test("compile --target nftables refuses HTTP rules, naming the rule and what can express it", async () => {
  const yaml = estateYaml() + [
    "---", "apiVersion: junction.dev/v1alpha1", "kind: TrafficPolicy", "metadata: {name: api, namespace: legacy}",
    "spec:", "  tier: Namespace", "  subject: {workloads: {matchLabels: {app: billing-db}}}",
    "  ingress:", "  - {action: Allow, ports: [{port: 5432}], http: [{methods: [GET]}]}", ""].join("\n");
  const r = await cli(["compile", "--target", "nftables", "-f", "-", "--host", "legacy/billing-db"], yaml);
  assert.equal(r.code, 2, r.err);
  assert.match(r.err, /TrafficPolicy legacy\/api, ingress rule 0: nftables filters connections, not HTTP requests.*\(expressible by: Cilium/);
  assert.match(r.err, /nothing was compiled/);
  assert.equal(r.out, "");
});

test("the enforcement example's assertions hold in the engine", async () => {
  const r = await cli(["test", "-f", "examples/enforcement", "--expect", "examples/enforcement.expect.yaml"]);
  assert.equal(r.code, 0, r.out + r.err);
  assert.match(r.out, /9 passed, 0 failed/);
});
