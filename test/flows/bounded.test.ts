// "It reads logs of any size in bounded memory" (issue 14): what `junction flows` keeps while it
// streams a log grows with the history and the workload pairs, never with the records. A log of a
// few hundred conversations repeated (the pairs are all seen early) is attributed and judged in a
// child process under `node --expose-gc`, whose progress lines then give the live heap after a full
// collection at 50k and 200k records (heapMark in cli/commands/flows.ts): it must not grow with the
// 150k records between. Retaining as little as 30 bytes per record (a record, a line, a Map entry
// keyed by record, a buffered output row) would show here as more than 4 MiB.

import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, openSync, writeSync, closeSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { writeCluster } from "../../src/cli/commands/generate.js";
import { loadPaths } from "../../src/sources/load.js";
import { generateFlowLog } from "../../src/generate/flowlog.js";
import { formatHistoryHeader, formatHistoryRecord } from "../../src/sources/history.js";

const BIN = fileURLToPath(new URL("../../../bin/junction.js", import.meta.url));

function lines(path: string): { write(l: string): void; close(): void } {
  const fd = openSync(path, "w");
  let buf = "";
  return { write(l) { buf += l + "\n"; if (buf.length > 1 << 20) { writeSync(fd, buf); buf = ""; } }, close() { writeSync(fd, buf); closeSync(fd); } };
}

/** The live heap (MiB) after a full collection, by records read, from the progress lines. */
function heapCurve(stderr: string): Map<number, number> {
  const out = new Map<number, number>();
  for (const m of stderr.matchAll(/^junction: (\d+) records \(\d+ ms\), live heap ([\d.]+) MiB/gm)) out.set(Number(m[1]), Number(m[2]));
  return out;
}

test("flows streams in bounded memory: the live heap after a full GC at 200k records is that at 50k (no growth with the records)", () => {
  const dir = mkdtempSync(join(tmpdir(), "junction-flows-bounded-"));
  try {
    writeCluster(join(dir, "cluster"), { pods: 400, namespaces: 4, policies: 40, seed: 1 }, "yaml");
    const inv = loadPaths([join(dir, "cluster")], undefined, { recursive: true }).inventory;
    const history = lines(join(dir, "history.jsonl")), log = lines(join(dir, "flows.log"));
    history.write(formatHistoryHeader());
    // Every pod replaced about once over the day; the history is read whole before the log, so it does not grow after.
    generateFlowLog(inv, { records: 200_000, churn: 400, conversations: 300, seed: 7, start: Date.UTC(2026, 11, 5) }, { history: (r) => history.write(formatHistoryRecord(r)), log: (l) => log.write(l) });
    history.close(); log.close();
    const r = spawnSync(process.execPath, ["--expose-gc", BIN, "flows", "--history", join(dir, "history.jsonl"), "--flows", join(dir, "flows.log"), "-f", join(dir, "cluster"), "-R", "-o", "json"], { stdio: ["ignore", "ignore", "pipe"], encoding: "utf8", maxBuffer: 1 << 24 });
    assert.ok(r.status === 0 || r.status === 1, `exit ${r.status}: ${r.stderr.slice(0, 2000)}`);
    const curve = heapCurve(r.stderr);
    assert.deepEqual([...curve.keys()], [10_000, 20_000, 50_000, 100_000, 200_000], r.stderr);
    const growth = curve.get(200_000)! - curve.get(50_000)!;
    assert.ok(growth < 4, `live heap grew by ${growth.toFixed(1)} MiB from 50k to 200k records (${[...curve].map(([n, h]) => `${n}: ${h} MiB`).join(", ")})`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
