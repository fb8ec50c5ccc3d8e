// The lab and the agent with the real kernel: network namespaces, nftables, real connections.
// They run where root, ip netns, nftables and perl are available, and skip with the reason elsewhere.
// Everything they create is named with a prefix of their own and removed at the end.

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { run } from "../src/lab/exec.js";
import { namespacesWithPrefix } from "../src/lab/netns.js";
import { cli, engineFor, tempFiles, verdict } from "./helpers.js";
import { labFixture } from "./lab-fixture.js";
import { E2E_PODS, e2eModel, withPolicies } from "./fixtures/e2e-model.js";

const { skip, name: LAB, runDir, lab } = labFixture("t");
const POLICIES = readFileSync(fileURLToPath(new URL("../../test/golden/inputs/x-a-policies.yaml", import.meta.url)), "utf8");
const BIN = fileURLToPath(new URL("../../bin/junction.js", import.meta.url));

/** Assertions for every pod pair on a few ports, expecting what the engine says for `yaml`. */
function allPairs(yaml: string, filter: (from: string, to: string) => boolean = () => true) {
  const engine = engineFor(yaml);
  const out = [];
  for (const from of E2E_PODS) {
    for (const to of E2E_PODS) {
      if (from === to || !filter(from, to)) continue;
      for (const [port, protocol] of [[80, "TCP"], [81, "TCP"], [81, "UDP"], [80, "SCTP"]] as const) {
        out.push({ from, to, port, protocol, expect: verdict(engine, from, to, port, protocol) });
      }
    }
  }
  return out;
}

test("lab: up, probe with real packets (TCP, UDP, SCTP, an external source), status, down", { skip }, async () => {
  const expectations = [
    ...allPairs(withPolicies(POLICIES)),
    { from: "ip:10.0.9.9", to: "x/a", port: 81, protocol: "TCP", expect: "allow" },
    { from: "ip:10.0.3.9", to: "x/a", port: 81, protocol: "TCP", expect: "deny" },
    { from: "x/b", to: "x/a", port: "serve-81-udp", expect: "deny" },
  ];
  const files = tempFiles({ "cluster.yaml": withPolicies(POLICIES), "expect.json": JSON.stringify(expectations) });
  run("ip", ["netns", "add", `jl-${LAB}x-decoy`]);
  try {
    const up = await lab(["up", "-f", `${files.dir}/cluster.yaml`]);
    assert.equal(up.code, 0, up.err);
    assert.match(up.out, new RegExp(`jl-${LAB}-1 +x/a +10\\.0\\.1\\.1 +SCTP/80,81 TCP/80,81 UDP/80,81`));
    assert.equal(namespacesWithPrefix(`jl-${LAB}-`).length, 10, "nine pods and the hub");

    const probe = await lab(["probe", "--expect", `${files.dir}/expect.json`, "-o", "json"]);
    assert.equal(probe.code, 0, probe.out.slice(0, 2000) + probe.err);
    const results = JSON.parse(probe.out).results;
    assert.equal(results.length, expectations.length);
    for (const r of results) {
      assert.equal(r.real, r.expect, `${r.from} -> ${r.to} ${r.protocol}/${r.port}: real ${r.real}`);
      assert.ok(r.pairs[0].probe.netns.startsWith(`jl-${LAB}-`));
    }
    assert.ok(results.some((r: { real: string }) => r.real === "deny") && results.some((r: { real: string }) => r.real === "allow"));

    writeFileSync(`${files.dir}/wrong.json`, JSON.stringify([{ from: "z/a", to: "x/a", port: 80, expect: "allow" }]));
    const wrong = await lab(["probe", "--expect", `${files.dir}/wrong.json`]);
    assert.equal(wrong.code, 1);
    assert.match(wrong.out, /z\/a +x\/a +TCP\/80 +allow +deny +deny +FAIL engine≠expected/);

    const status = await lab(["status"]);
    assert.equal(status.code, 0, status.err);
    assert.match(status.out, /jl-\w+-x1 +present +\(external address\) +10\.0\.9\.9/);
  } finally {
    const down = await lab(["down"]);
    files.cleanup();
    assert.equal(down.code, 0, down.err);
    assert.equal((await lab(["status"])).code, 1, "lab status exits 1 when the lab is down");
    assert.deepEqual(namespacesWithPrefix(`jl-${LAB}-`), []);
    assert.deepEqual(namespacesWithPrefix(`jl-${LAB}x-`), [`jl-${LAB}x-decoy`], "another lab's namespace is left alone");
    run("ip", ["netns", "del", `jl-${LAB}x-decoy`]);
  }
});

test("lab: a crashed lab is cleaned by running it again; probing a lab that is down is an error", { skip }, async () => {
  const files = tempFiles({ "cluster.yaml": e2eModel(), "expect.yaml": "- {from: x/a, to: x/b, port: 80, expect: allow}\n" });
  const name = `${LAB}c`;
  try {
    assert.equal((await lab(["up", "-f", `${files.dir}/cluster.yaml`], name)).code, 0);
    const state = JSON.parse(readFileSync(`${runDir}/${name}/state.json`, "utf8"));
    process.kill(state.helperPid, "SIGKILL");
    const probe = await lab(["probe", "--expect", `${files.dir}/expect.yaml`], name);
    assert.equal(probe.code, 2);
    assert.match(probe.err, /is not running/);
    const again = await lab(["up", "-f", `${files.dir}/cluster.yaml`], name);
    assert.equal(again.code, 0, again.err);
    assert.match(again.err, /removed 10 namespaces a previous run of lab/);
  } finally {
    await lab(["down"], name);
    files.cleanup();
    assert.deepEqual(namespacesWithPrefix(`jl-${name}-`), []);
  }
});

test("agent: loads a host's ruleset atomically, beside other tables; enforces it; dry-run diffs; invalid input keeps it; --watch reloads", { skip }, async () => {
  const name = `${LAB}a`;
  const files = tempFiles({ "model.yaml": e2eModel(), "policies/cluster.yaml": withPolicies(POLICIES) });
  const host = `jl-${name}-1`; // pod x/a's namespace in a lab without policies
  const agent = (extra: string[]) => cli(["agent", "--host", "pod:x/a", "-f", `${files.dir}/policies`, "--netns", host, ...extra]);
  let child: ReturnType<typeof spawn> | undefined; // killed in finally, so a failed step cannot leave the test file hanging
  try {
    assert.equal((await lab(["up", "-f", `${files.dir}/model.yaml`], name)).code, 0);
    run("ip", ["netns", "exec", host, "nft", "add table inet other; add chain inet other c { type filter hook input priority 100; policy accept; }"]);
    const dry = await agent(["--dry-run"]);
    assert.equal(dry.code, 1, `a pending change is exit 1, as kubectl diff: ${dry.err}`);
    assert.match(dry.out, /^--- loaded \(no table inet junction\)/);
    assert.match(dry.out, /^\+\s+chain host_in \{/m);
    const applied = await agent([]);
    assert.equal(applied.code, 0, applied.err);
    assert.match(applied.err, /loaded table inet junction for pod:x\/a in jl-/);
    assert.match(run("ip", ["netns", "exec", host, "nft", "list", "tables"]).stdout, /table inet other/);
    assert.match((await agent(["--dry-run"])).out, /^no change/);

    // The host firewall in x/a's namespace decides its traffic as the engine does.
    const expectations = allPairs(withPolicies(POLICIES), (from, to) => from === "x/a" || to === "x/a");
    writeFileSync(`${files.dir}/expect.json`, JSON.stringify(expectations));
    const probe = await lab(["probe", "--expect", `${files.dir}/expect.json`, "-o", "json"], name);
    for (const r of JSON.parse(probe.out).results) assert.equal(r.real, r.expect, `${r.from} -> ${r.to} ${r.protocol}/${r.port}`);

    writeFileSync(`${files.dir}/policies/cluster.yaml`, withPolicies(POLICIES) + "\n---\nkind: NetworkPolicy\nmetadata: {name: broken, namespace: x}\nspec: {podSelector: 7}\n");
    const bad = await agent([]);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /invalid input; nothing was loaded:\n  error: .*cluster\.yaml:\d+/);
    assert.match(run("ip", ["netns", "exec", host, "nft", "list", "table", "inet", "junction"]).stdout, /chain host_in/);

    child = spawn("node", [BIN, "agent", "--watch", "--host", "pod:x/a", "-f", `${files.dir}/policies`, "--netns", host], { stdio: ["ignore", "ignore", "pipe"] });
    let log = "";
    child.stderr!.on("data", (d) => { log += d; });
    // Up to 30 s: on a loaded machine the agent's start (node, the schemas, the first load) is slow.
    const until = async (re: RegExp) => { for (let i = 0; i < 300 && !re.test(log); i++) await new Promise((r) => setTimeout(r, 100)); assert.match(log, re); };
    await until(/watching/);
    assert.match(log, /invalid input; nothing was loaded/);
    writeFileSync(`${files.dir}/policies/cluster.yaml`, withPolicies(POLICIES.replace("ports: [{port: 81}]", "ports: [{port: 8081}]")));
    await until(/loaded table inet junction/);
    assert.match(run("ip", ["netns", "exec", host, "nft", "list", "table", "inet", "junction"]).stdout, /tcp \. 8081/);
    const exited = new Promise((r) => child!.on("exit", r));
    child.kill("SIGTERM");
    const code = await exited;
    child = undefined;
    assert.equal(code, 0, log);
    assert.match(log, /the ruleset stays loaded/);
  } finally {
    child?.kill("SIGKILL");
    await lab(["down"], name);
    files.cleanup();
    assert.deepEqual(namespacesWithPrefix(`jl-${name}-`), []);
  }
});

test("lab: dual-stack and IPv6-only pods, IPv6 peers and an IPv6 external address", { skip }, async () => {
  const name = `${LAB}6`;
  const yaml = readFileSync(fileURLToPath(new URL("../../test/golden/inputs/dual-stack.yaml", import.meta.url)), "utf8");
  const expectations = [
    { from: "ip:fd00::2", to: "ip:fd00::1", port: 80, expect: "allow" },
    { from: "ip:10.0.1.2", to: "ip:10.0.1.1", port: 80, expect: "deny" },
    { from: "x/c", to: "x/a", port: 80, expect: "deny" },
    { from: "ip:fd00::2", to: "ip:fd00::1", port: 53, protocol: "UDP", expect: "deny" },
    { from: "x/a", to: "x/c", port: 80, expect: "allow" },
    { from: "ip:fd00::99", to: "ip:fd00::1", port: 80, expect: "allow" },
  ];
  const files = tempFiles({ "cluster.yaml": yaml, "expect.json": JSON.stringify(expectations) });
  try {
    assert.equal((await lab(["up", "-f", `${files.dir}/cluster.yaml`], name)).code, 0);
    const probe = await lab(["probe", "--expect", `${files.dir}/expect.json`], name);
    assert.equal(probe.code, 0, probe.out + probe.err);
    assert.match(probe.out, /6 agree, 0 disagree/);
  } finally {
    await lab(["down"], name);
    files.cleanup();
    assert.deepEqual(namespacesWithPrefix(`jl-${name}-`), []);
  }
});
