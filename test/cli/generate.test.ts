// junction generate: deterministic, valid, realistic in shape, and careful with the user's files.

import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cli, tempFiles } from "../helpers.js";
import { loadPaths } from "../../src/sources/load.js";

function snapshot(dir: string): string {
  return readdirSync(dir, { recursive: true }).map(String).sort().filter((f) => f.includes(".")).map((f) => `${f}\n${readFileSync(join(dir, f), "utf8")}`).join("\n");
}

test("generate: the same options give the same files; they load without errors in YAML and JSON", async () => {
  const t = tempFiles({});
  try {
    for (const [name, format] of [["a", "yaml"], ["b", "yaml"], ["c", "json"]]) {
      const r = await cli(["generate", "--pods", "300", "--policies", "40", "--seed", "4", "--format", format, "-o", join(t.dir, name)]);
      assert.equal(r.code, 0, r.err);
      assert.match(r.err, /wrote \d+ objects \(300 pods, 40 policies/);
    }
    assert.equal(snapshot(join(t.dir, "a")), snapshot(join(t.dir, "b")));
    const yaml = loadPaths([join(t.dir, "a")], undefined, { recursive: true }), json = loadPaths([join(t.dir, "c")], undefined, { recursive: true });
    assert.equal(yaml.diagnostics.items.filter((d) => d.severity !== "info").length, 0, yaml.diagnostics.items.map((d) => d.message).join("\n"));
    assert.equal(JSON.stringify(yaml.inventory.endpoints.map((e) => [e.name, e.labels, e.addresses.map((a) => a.value.toString())])), JSON.stringify(json.inventory.endpoints.map((e) => [e.name, e.labels, e.addresses.map((a) => a.value.toString())])));
    const inv = yaml.inventory;
    assert.equal(inv.endpoints.filter((e) => e.kind === "pod").length, 300);
    assert.equal(inv.policies.length, 40);
    for (const kind of ["NetworkPolicy", "AdminNetworkPolicy", "BaselineAdminNetworkPolicy"]) assert.ok(inv.policies.some((p) => p.kind === kind), kind);
    assert.ok(inv.policies.some((p) => [...(p.ingress ?? []), ...(p.egress ?? [])].some((r) => r.peers?.some((x) => x.kind === "cidr" && x.except.length))), "an ipBlock with except");
    assert.ok(inv.policies.some((p) => [...(p.ingress ?? [])].some((r) => r.ports?.some((m) => m.kind === "named"))), "a named port");
    assert.ok(inv.endpoints.some((e) => e.hostNetwork), "host-network pods");
    assert.ok(inv.endpoints.every((e) => e.kind !== "pod" || e.addresses.length === 1), "every pod has an IP");
    assert.equal(new Set(inv.endpoints.map((e) => `${e.namespace}/${e.name}`)).size, inv.endpoints.length, "names are unique");
  } finally { t.cleanup(); }
});

test("generate: a non-empty folder is refused (exit 2) unless --force, which never deletes the user's files", async () => {
  const t = tempFiles({ "mine.txt": "keep me" });
  try {
    const refused = await cli(["generate", "--pods", "50", "-o", t.dir]);
    assert.equal(refused.code, 2);
    assert.match(refused.err, /is not empty; choose another folder or add --force/);
    assert.ok(!existsSync(join(t.dir, "cluster")));
    const forced = await cli(["generate", "--pods", "50", "-o", t.dir, "--force"]);
    assert.equal(forced.code, 0, forced.err);
    assert.equal(readFileSync(join(t.dir, "mine.txt"), "utf8"), "keep me");
    assert.ok(existsSync(join(t.dir, "cluster", "nodes.yaml")));
    writeFileSync(join(t.dir, "cluster", "extra.yaml"), "# mine\n");
    assert.equal((await cli(["generate", "--pods", "50", "-o", t.dir, "--force"])).code, 0);
    assert.ok(existsSync(join(t.dir, "cluster", "extra.yaml")));
  } finally { t.cleanup(); }
});

test("generate: invalid options exit 2 with usage; counts are bounded, so a mistyped one stops at once", async () => {
  for (const args of [["--pods", "0", "-o", "x"], ["--pods", "ten", "-o", "x"], ["--pods", "10"], ["--format", "xml", "-o", "x"],
    ["--pods", "99999999999", "-o", "x"], ["--pods", "1000001", "-o", "x"], ["--policies", "1e6", "-o", "x"], ["--namespaces", "100001", "-o", "x"], ["--seed", "4294967296", "-o", "x"]]) {
    const r = await cli(["generate", ...args]);
    assert.equal(r.code, 2, args.join(" "));
    assert.doesNotMatch(r.err, /\n.*\n.*at /, "no stack");
  }
  const r = await cli(["generate", "--pods", "1".repeat(5000), "-o", "x"]);
  assert.match(r.err, /--pods must be a whole number from 1 to 1,000,000, not "1{40}"\.\.\./);
});
