// The address-reuse scenario (examples/flows): shop/api-5c8f6-k2m9z holds 10.0.1.20 at the
// snapshots of 06:00 and 06:05; by 06:10 it is gone and jobs/report-29081-x4vbn has 10.0.1.20.
// The database admits the API only. A flow from 10.0.1.20 to the database is the API's before
// 06:05 (allowed), the report job's after 06:10 (denied: a finding), and in between ambiguous:
// both candidates are named and the verdict "depends", never a guess.

import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { cli, tempFiles } from "../helpers.js";

const EX = "examples/flows";
const SNAPSHOTS = ["2026-12-05T06:00:00Z=t0", "2026-12-05T06:05:00Z=t1", "2026-12-05T06:10:00Z=t2"].map((s) => ["--snapshot", s.replace(/=(t\d)$/, `=${EX}/snapshots/$1.json`)]).flat();

interface Rec { line: number; src: { name: string; workload: string; match: string; candidates?: string[] }; dst: { name: string; match: string }; verdict?: string; by?: string; dialled?: string }

async function records(log: string, ...extra: string[]): Promise<{ code: number; recs: Rec[] }> {
  const r = await cli(["flows", "--history", `${EX}/history.jsonl`, "--flows", `${EX}/${log}`, "-f", `${EX}/policies.yaml`, "--view", "records", "-o", "json", "-q", ...extra]);
  assert.equal(r.err, "");
  return { code: r.code, recs: JSON.parse(r.out) };
}

test("the example history is what history record writes from the three snapshots", async () => {
  const t = tempFiles({});
  try {
    const r = await cli(["history", "record", "--history", `${t.dir}/h.jsonl`, "-q", ...SNAPSHOTS]);
    assert.equal(r.code, 0, r.err);
    assert.equal(readFileSync(`${t.dir}/h.jsonl`, "utf8"), readFileSync(`${EX}/history.jsonl`, "utf8"));
  } finally { t.cleanup(); }
});

for (const log of ["conntrack.txt", "hubble.jsonl", "nft.log", "flows.csv", "vpc-flow.log"]) {
  test(`address reuse, ${log}: before the change the API, after it the report job (denied), in the change window ambiguous`, async () => {
    const { code, recs } = await records(log);
    assert.equal(code, 1, "a flow denied by policy is a finding: exit 1");
    const toDb = recs.filter((r) => r.dst.name === "shop/db-0" && r.src.name !== "shop/db-0");
    const [before, during, after] = toDb;
    assert.equal(toDb.length, 3);
    assert.deepEqual([before.src.name, before.src.match, before.verdict], ["shop/api-5c8f6-k2m9z", "exact", "allowed"]);
    assert.match(before.by!, /ingress NetworkPolicy shop\/db-from-api rule 1/);
    assert.deepEqual([during.src.match, during.src.candidates, during.verdict], ["ambiguous", ["shop/api-5c8f6-k2m9z", "jobs/report-29081-x4vbn"], "depends"]);
    assert.deepEqual([after.src.name, after.src.workload, after.src.match, after.verdict], ["jobs/report-29081-x4vbn", "jobs/report-29081[Job]", "exact", "denied"]);
    assert.match(after.by!, /ingress isolated by NetworkPolicy shop\/db-from-api/);
    const outside = recs.find((r) => r.src.name === "partners[Network]");
    assert.deepEqual([outside?.dst.name, outside?.src.match], ["node-1[Node]", "static"]);
  });
}

test("conntrack: a connection to a Service address is attributed to the pod that answered, the Service kept as dialled", async () => {
  const { recs } = await records("conntrack.txt");
  assert.deepEqual([recs[0].src.name, recs[0].dst.name, recs[0].dialled, recs[0].verdict], ["shop/web-7d4b9-q8x2p", "shop/api-5c8f6-k2m9z", "10.96.0.20", "allowed"]);
  assert.equal(recs[4].dst.name, "shop/api-5c8f6-w7r4t", "after the restart, the new API pod");
});

test("AWS records of the reply direction: the database's answer from its declared port is a reply; the report job's ephemeral-port flow is not", async () => {
  const { recs } = await records("vpc-flow.log");
  const reply = recs.find((r) => r.src.name === "shop/db-0");
  assert.equal(reply?.verdict, "reply");
  assert.equal(recs.find((r) => r.src.name === "jobs/report-29081-x4vbn")?.verdict, "denied");
});

test("without -f nothing is judged and the exit is 0; the summary counts by workload pair", async () => {
  const r = await cli(["flows", "--history", `${EX}/history.jsonl`, "--flows", `${EX}/hubble.jsonl`, "-o", "json", "-q"]);
  assert.equal(r.code, 0);
  const s = JSON.parse(r.out);
  assert.deepEqual(s.totals.src, { exact: 4, possible: 0, ambiguous: 1, static: 0, nat: 0, none: 1 }, "without -f the partners Network is not known");
  const web = s.pairs.find((p: { src: string }) => p.src === "shop/web[Deployment]");
  assert.deepEqual([web.dst, web.records, web.first, web.last, web.ports], ["shop/api[Deployment]", 2, "2026-12-05T06:03:00.123Z", "2026-12-05T06:12:05.123Z", ["TCP/8080"]]);
});

test("bad inputs are one line naming the file, line and field (exit 2)", async () => {
  const t = tempFiles({ "bad.log": "time,src,dst,proto\n2026-12-05T06:00:00Z,10.0.0.1,10.0.0.300,tcp\n", "h.jsonl": '{"junction":"history","version":1}\n{"at":"noon","op":"up"}\n', "nothist": "hello\n" });
  try {
    let r = await cli(["flows", "--history", `${EX}/history.jsonl`, "--flows", `${t.dir}/bad.log`, "-q"]);
    assert.deepEqual([r.code, r.err.trim().split("\n").length], [2, 1]);
    assert.match(r.err, /bad\.log:2: dst: "10\.0\.0\.300" is not an IP address/);
    r = await cli(["flows", "--history", `${t.dir}/h.jsonl`, "--flows", `${EX}/flows.csv`]);
    assert.equal(r.code, 2);
    assert.match(r.err, /h\.jsonl:2: at: "noon" is not a time/);
    r = await cli(["flows", "--history", `${t.dir}/nothist`, "--flows", `${EX}/flows.csv`]);
    assert.match(r.err, /nothist:1: not a Junction history file/);
    r = await cli(["flows", "--history", `${EX}/history.jsonl`, "--flows", `${t.dir}/missing.log`]);
    assert.match(r.err, /--flows .*missing\.log: cannot read: no such file/);
    r = await cli(["history", "record", "--history", `${EX}/history.jsonl`, "-f", `${EX}/snapshots/t0.json`, "--at", "2026-12-05T05:00:00Z"]);
    assert.equal(r.code, 2);
    assert.match(r.err, /is not after the last snapshot .* a history is append-only/);
  } finally { t.cleanup(); }
});
