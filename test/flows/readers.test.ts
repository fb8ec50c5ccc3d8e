// Each flow-log reader on lines written as its format's documentation shows them.

import { test } from "node:test";
import assert from "node:assert/strict";
import { awsReader } from "../../src/sources/flows/aws.js";
import { conntrackReader } from "../../src/sources/flows/conntrack.js";
import { csvReader } from "../../src/sources/flows/csv.js";
import { hubbleReader } from "../../src/sources/flows/hubble.js";
import { nftlogReader } from "../../src/sources/flows/nftlog.js";
import { FLOW_READERS } from "../../src/sources/flows/index.js";
import type { FlowReader, LineResult } from "../../src/sources/flows/reader.js";

const ctx = { file: "log", year: 2026 };
function parse(reader: FlowReader, lines: string[]): LineResult[] {
  const p = reader.open(ctx);
  return lines.map((l, i) => p(l, i + 1));
}
const detected = (line: string) => FLOW_READERS.find((r) => r.detect(line))?.name;

test("AWS VPC flow logs v2 default format: the documentation's accepted SSH record, NODATA skipped, a header sets the field order", () => {
  // docs.aws.amazon.com, flow log records: "2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK"
  const [r, nodata] = parse(awsReader, [
    "2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK",
    "2 123456789010 eni-1235b8ca123456789 - - - - - - - 1431280876 1431280934 - NODATA",
  ]);
  assert.deepEqual(r, { line: 1, start: 1418530010000, end: 1418530070000, src: "172.31.16.139", dst: "172.31.16.21", sport: 20641, dport: 22, protocol: "TCP", action: "ACCEPT" });
  assert.deepEqual(nodata, { skip: "log-status NODATA" });
  const custom = parse(awsReader, ["srcaddr dstaddr protocol start end action", "10.0.0.1 10.0.0.2 17 1418530010 1418530070 REJECT"]);
  assert.deepEqual(custom[1], { line: 2, start: 1418530010000, end: 1418530070000, src: "10.0.0.1", dst: "10.0.0.2", sport: undefined, dport: undefined, protocol: "UDP", action: "REJECT" });
  assert.throws(() => parse(awsReader, ["2 123456789010 eni-1 172.31.16.139 172.31.16.999 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK"]), /^Error: log:1: dstaddr: "172.31.16.999" is not an IP address$/);
  assert.throws(() => parse(awsReader, ["2 123456789010 eni-1 172.31.16.139"]), /log:1: line: 4 fields, expected 14/);
  assert.equal(detected("2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK"), "aws");
});

test("conntrack -L: the original tuple is the client's; after DNAT the reply tuple's source is the server that answered", () => {
  const [r, icmp, summary] = parse(conntrackReader, [
    "tcp      6 431999 ESTABLISHED src=10.0.0.5 dst=10.96.0.10 sport=43210 dport=80 src=10.0.1.7 dst=10.0.0.5 sport=8080 dport=43210 [ASSURED] mark=0 use=1",
    "icmp     1 29 src=10.0.0.5 dst=10.0.1.7 type=8 code=0 id=7 src=10.0.1.7 dst=10.0.0.5 type=0 code=0 id=7 mark=0 use=1",
    "conntrack v1.4.7 (conntrack-tools): 2 flow entries have been shown.",
  ]);
  assert.deepEqual(r, { line: 1, src: "10.0.0.5", dst: "10.0.1.7", sport: 43210, dport: 8080, protocol: "TCP", action: "ESTABLISHED", dialled: "10.96.0.10", reply: false });
  assert.deepEqual(icmp, { line: 2, src: "10.0.0.5", dst: "10.0.1.7", sport: undefined, dport: undefined, protocol: "ICMP", reply: false });
  assert.deepEqual(summary, { skip: "summary" });
  assert.equal(detected("tcp      6 431999 ESTABLISHED src=10.0.0.5 dst=10.96.0.10 sport=43210 dport=80 src=10.0.1.7 dst=10.0.0.5 sport=8080 dport=43210"), "conntrack");
});

test("conntrack -E -o timestamp events and /proc/net/nf_conntrack lines (ipv4 2 first), IPv6", () => {
  const [ev, ext] = parse(conntrackReader, [
    "[1733378400.123456]\t    [NEW] udp      17 30 src=fd00::5 dst=fd00::a sport=5353 dport=53 [UNREPLIED] src=fd00::a dst=fd00::5 sport=53 dport=5353",
    "ipv4     2 tcp      6 117 TIME_WAIT src=10.0.0.5 dst=10.0.1.7 sport=43210 dport=80 src=10.0.1.7 dst=10.0.0.5 sport=80 dport=43210 [ASSURED] mark=0 zone=0 use=2",
  ]);
  assert.deepEqual(ev, { line: 1, start: 1733378400123, end: 1733378400123, src: "fd00::5", dst: "fd00::a", sport: 5353, dport: 53, protocol: "UDP", action: "NEW", reply: false });
  assert.deepEqual(ext, { line: 2, src: "10.0.0.5", dst: "10.0.1.7", sport: 43210, dport: 80, protocol: "TCP", action: "TIME_WAIT", reply: false });
  assert.throws(() => parse(conntrackReader, ["tcp 6 1 src=10.0.0.5 dst=nothere sport=1 dport=2"]), /log:1: dst: "nothere" is not an IP address/);
});

test("nftables log lines (nf_log_syslog fields) in journalctl's ISO format, classic syslog with --year, dmesg; other kernel lines skipped", () => {
  const lines = [
    "2026-12-05T06:03:00+0000 node-1 kernel: shop-in: IN=eth0 OUT= MAC=0a:58:0a:00:01:1e:0a:58:0a:00:01:01:08:00 SRC=10.0.1.10 DST=10.0.1.20 LEN=60 TOS=0x00 PREC=0x00 TTL=63 ID=4711 DF PROTO=TCP SPT=41000 DPT=8080 WINDOW=64240 RES=0x00 SYN URGP=0 ",
    "Dec  5 06:03:00 node-1 kernel: [12345.678901] drop: IN=eth0 OUT= MAC=00:00:00:00:00:00:00:00:00:00:00:00:86:dd SRC=fd00::1 DST=fd00::2 LEN=80 TC=0 HOPLIMIT=64 FLOWLBL=0 PROTO=UDP SPT=5000 DPT=53 LEN=40 ",
    "[12345.678901] IN=eth0 OUT= SRC=10.0.0.1 DST=10.0.0.2 LEN=84 TOS=0x00 PREC=0x00 TTL=64 ID=0 DF PROTO=ICMP TYPE=8 CODE=0 ID=1 SEQ=1 ",
    "2026-12-05T06:03:01+0000 node-1 kernel: eth0: renamed from veth1a2b3c",
  ];
  const [iso, syslog, dmesg, other] = parse(nftlogReader, lines);
  assert.deepEqual(iso, { line: 1, start: Date.UTC(2026, 11, 5, 6, 3), end: Date.UTC(2026, 11, 5, 6, 3), src: "10.0.1.10", dst: "10.0.1.20", sport: 41000, dport: 8080, protocol: "TCP", action: "shop-in:" });
  assert.deepEqual(syslog, { line: 2, start: Date.UTC(2026, 11, 5, 6, 3), end: Date.UTC(2026, 11, 5, 6, 3), src: "fd00::1", dst: "fd00::2", sport: 5000, dport: 53, protocol: "UDP", action: "drop:" });
  assert.deepEqual(dmesg, { line: 3, src: "10.0.0.1", dst: "10.0.0.2", sport: undefined, dport: undefined, protocol: "ICMP" });
  assert.deepEqual(other, { skip: "not a packet log" });
  assert.equal(detected(lines[0]), "nftables");
});

test("Hubble JSON (hubble observe -o json): the flow under \"flow\" or alone, proto names or camelCase, non-IP events skipped", () => {
  const wrapped = JSON.stringify({ flow: { time: "2026-12-05T06:03:00.123456789Z", verdict: "DROPPED", IP: { source: "10.0.1.20", destination: "10.0.1.30", ipVersion: "IPv4" }, l4: { TCP: { source_port: 52000, destination_port: 5432, flags: { SYN: true } } }, is_reply: false, drop_reason_desc: "POLICY_DENIED" }, node_name: "node-1", time: "2026-12-05T06:03:00.123456789Z" });
  const bare = JSON.stringify({ time: "2026-12-05T06:03:00Z", verdict: "FORWARDED", IP: { source: "10.0.1.30", destination: "10.0.1.20" }, l4: { UDP: { sourcePort: 53, destinationPort: 40000 } }, isReply: true });
  const [a, b, lost] = parse(hubbleReader, [wrapped, bare, JSON.stringify({ lost_events: { source: "HUBBLE_RING_BUFFER", num_events_lost: 3 } })]);
  assert.deepEqual(a, { line: 1, start: Date.UTC(2026, 11, 5, 6, 3, 0, 123), end: Date.UTC(2026, 11, 5, 6, 3, 0, 123), src: "10.0.1.20", dst: "10.0.1.30", sport: 52000, dport: 5432, protocol: "TCP", action: "DROPPED", reply: false });
  assert.deepEqual(b, { line: 2, start: Date.UTC(2026, 11, 5, 6, 3), end: Date.UTC(2026, 11, 5, 6, 3), src: "10.0.1.30", dst: "10.0.1.20", sport: 53, dport: 40000, protocol: "UDP", action: "FORWARDED", reply: true });
  assert.deepEqual(lost, { skip: "no IP layer" });
  assert.throws(() => parse(hubbleReader, ["{not json"]), /log:1: line: not a JSON object/);
  assert.equal(detected(wrapped), "hubble");
});

test("Hubble JSON read as flow.proto holds it: a port is a uint16 in a uint32 field (a number, or a decimal string as protojson reads it), an address a string; anything else is an error naming the line, not a crash", () => {
  const flow = (ip: unknown, l4: unknown) => JSON.stringify({ flow: { IP: ip, l4 } });
  const ip = { source: "10.0.0.2", destination: "10.0.0.1" };
  assert.deepEqual(parse(hubbleReader, [flow(ip, { TCP: { source_port: "5000", destination_port: 80 } })])[0], { line: 1, src: "10.0.0.2", dst: "10.0.0.1", sport: 5000, dport: 80, protocol: "TCP" });
  // A port beyond 65535 (or not an integer) was kept as written: a flow on port 70000.
  for (const port of [70000, -1, 80.5, "http", true]) {
    assert.throws(() => parse(hubbleReader, [flow(ip, { TCP: { destination_port: port } })]), new RegExp(`log:1: flow\\.l4\\.TCP\\.destination_port: ${JSON.stringify(JSON.stringify(port)).slice(1, -1).replace(/[.]/g, "\\.")} is not a port`), String(port));
  }
  // A null layer or a non-string address was a TypeError (exit 70).
  assert.deepEqual(parse(hubbleReader, [flow(ip, { TCP: null })])[0], { line: 1, src: "10.0.0.2", dst: "10.0.0.1", sport: undefined, dport: undefined, protocol: "TCP" });
  assert.throws(() => parse(hubbleReader, [flow({ source: 5, destination: "10.0.0.1" }, {})]), /log:1: flow\.IP\.source: 5 is not an IP address/);
});

test("CSV: a header names the columns in any order and case; quoted fields; a missing column is an error naming it", () => {
  const [, r] = parse(csvReader, ['Protocol,Destination,"Source",DPort,SPort,Time,note', 'tcp,10.0.1.30,10.0.1.20,5432,52000,2026-12-05T06:03:00Z,"a, b"']);
  assert.deepEqual(r, { line: 2, start: Date.UTC(2026, 11, 5, 6, 3), end: Date.UTC(2026, 11, 5, 6, 3), src: "10.0.1.20", dst: "10.0.1.30", sport: 52000, dport: 5432, protocol: "TCP" });
  const [, epoch] = parse(csvReader, ["time,src,dst,proto", "1733378400,10.0.0.1,10.0.0.2,17"]);
  assert.equal((epoch as { start: number; protocol: string }).start, 1733378400000);
  assert.throws(() => parse(csvReader, ["time,src,proto"]), /log:1: header: no column for dst/);
  assert.throws(() => parse(csvReader, ["time,src,dst,proto", "yesterday,10.0.0.1,10.0.0.2,tcp"]), /log:2: time: "yesterday" is not a time/);
});

test("a value nested thousands of levels deep (JSON.parse reads it) is an error naming the line, never a stack overflow (exit 70): Hubble flows, history files", async () => {
  const { parseHistoryLine } = await import("../../src/sources/history.js");
  const deep = "[".repeat(20000) + "]".repeat(20000);
  assert.throws(() => parse(hubbleReader, [`{"flow":${deep}}`]), /^Error: log:1: flow: a list nested too deeply to show is not an object$|log:1: flow: a list nested too deeply to show is not an object/);
  assert.throws(() => parse(hubbleReader, [`{"flow":{"IP":{"source":${deep},"destination":"10.0.0.1"}}}`]), /log:1: flow\.IP\.source: a list nested too deeply to show is not an IP address/);
  assert.throws(() => parse(hubbleReader, [`{"flow":{"IP":{"source":"10.0.0.2","destination":"10.0.0.1"},"l4":{"TCP":{"destination_port":${deep}}}}}`]), /log:1: flow\.l4\.TCP\.destination_port: a list nested too deeply to show is not a port/);
  assert.throws(() => parseHistoryLine(`{"at":${deep}}`, "h.jsonl:2"), /h\.jsonl:2: at: a list nested too deeply to show is not a time/);
});
