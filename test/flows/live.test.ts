// history record from a cluster (the fake API server of test/fixtures): the cluster now, then, with
// --watch, each change as its watch events arrive: a pod dies, another takes its address, and the
// history records both inside the window before the events were seen.

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { FakeApiServer } from "../fixtures/fake-apiserver.js";
import { BIN } from "../server/helpers.js";
import { tempFiles } from "../helpers.js";

const pod = (name: string, app: string, ip: string) => ({
  apiVersion: "v1", kind: "Pod", metadata: { name, namespace: "shop", labels: { app } },
  spec: { nodeName: "node-1", containers: [{ name: "main", image: "app" }] }, status: { phase: "Running", podIP: ip, podIPs: [{ ip }] },
});

test("history record --kubeconfig --watch: the cluster's state, then a pod's address taken by another as it happens", async () => {
  const api = await new FakeApiServer().start();
  const t = tempFiles({});
  api.seed([{ apiVersion: "v1", kind: "Namespace", metadata: { name: "shop" } }, pod("api-1", "api", "10.0.1.20")]);
  const kubeconfig = api.writeKubeconfig(`${t.dir}/kubeconfig`);
  const child = spawn(process.execPath, [BIN, "history", "record", "--kubeconfig", kubeconfig, "--history", `${t.dir}/h.jsonl`, "--watch", "-q"], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "", err = "";
  child.stderr.on("data", (d) => { err += d; });
  const line = (re: RegExp) => new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${re}: ${out} ${err}`)), 30000);
    const check = () => { if (re.test(out)) { clearTimeout(timer); resolve(); } };
    child.stdout.on("data", (d) => { out += d; check(); });
    check();
  });
  try {
    await line(/1 up, 0 down/);
    await new Promise((r) => setTimeout(r, 300));
    const before = Date.now();
    api.apply("DELETED", pod("api-1", "api", "10.0.1.20"));
    api.apply("ADDED", pod("report-1", "report", "10.0.1.20"));
    await line(/watch .*: 1 up, 1 down/);
    const records = readFileSync(`${t.dir}/h.jsonl`, "utf8").trim().split("\n").map((l) => JSON.parse(l));
    const down = records.find((r) => r.op === "down"), up = records.findLast((r) => r.op === "up");
    assert.deepEqual([down.holder.name, down.addresses, up.holder.name, up.addresses], ["api-1", ["10.0.1.20"], "report-1", ["10.0.1.20"]]);
    assert.equal(Date.parse(up.at) - Date.parse(up.after), 2000, "the change is placed in the 2 s before it was seen");
    assert.ok(Date.parse(up.at) >= before - 1000);
  } finally {
    await new Promise<void>((r) => { if (child.exitCode !== null) r(); else { child.once("exit", () => r()); child.kill("SIGTERM"); } });
    await api.stop();
    t.cleanup();
  }
  assert.equal(child.exitCode, 0, err);
});
