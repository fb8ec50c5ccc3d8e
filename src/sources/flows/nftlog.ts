// nftables `log` statements as the kernel writes them (nf_log_syslog), read from the kernel log
// (journalctl -k, /var/log/kern.log, dmesg): the rule's `log prefix`, then key=value fields:
//   2026-12-05T06:00:01.123456+00:00 node-1 kernel: junction-drop: IN=eth0 OUT= MAC=... SRC=10.0.0.5 DST=10.0.1.7 LEN=60 ... PROTO=TCP SPT=43210 DPT=80 WINDOW=64240 RES=0x00 SYN URGP=0
// The time is the line's: ISO 8601 (journalctl -o short-iso, rsyslog's high-precision format) or
// the traditional syslog "Dec  5 06:00:01" (the year from --year). dmesg's seconds since boot are
// no time of day: such lines take --at. Kernel lines that are not a packet log are skipped.

import { address, fail, port, protocol, type FlowReader, type LineResult, type ReadContext } from "./reader.js";
import { parseTime } from "../history.js";

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const SYSLOG = /^([A-Z][a-z]{2}) +(\d{1,2}) (\d{2}):(\d{2}):(\d{2}) /;

function lineTime(line: string, ctx: ReadContext): number | undefined {
  const iso = /^(\d{4}-\d\d-\d\dT\S+)\s/.exec(line);
  if (iso) return parseTime(iso[1]);
  const s = SYSLOG.exec(line);
  if (!s || !MONTHS.includes(s[1])) return undefined;
  return Date.UTC(ctx.year, MONTHS.indexOf(s[1]), Number(s[2]), Number(s[3]), Number(s[4]), Number(s[5]));
}

/** The value of KEY= in the line (the empty string for "OUT= "). */
function field(line: string, key: string): string | undefined {
  const i = line.indexOf(` ${key}=`);
  if (i < 0) return undefined;
  const from = i + key.length + 2, to = line.indexOf(" ", from);
  return line.slice(from, to < 0 ? undefined : to);
}

/** The log prefix: the text before IN= after the "kernel:" tag and dmesg's "[seconds]". */
function prefix(line: string): string | undefined {
  const head = line.slice(0, line.indexOf(" IN=") + 1);
  const k = head.lastIndexOf("kernel:");
  const p = (k >= 0 ? head.slice(k + 7) : head.replace(/^\S+\s+/, "")).replace(/^\s*\[\s*\d+\.\d+\]\s*/, "").trim();
  return p || undefined;
}

export const nftlogReader: FlowReader = {
  name: "nftables",
  description: "nftables log statements in the kernel log (IN= OUT= SRC= DST= PROTO= SPT= DPT=)",
  detect: (line) => / SRC=\S+ DST=\S+ /.test(line),
  open(ctx) {
    return (line, n): LineResult => {
      if (!line.includes(" IN=") || !line.includes(" SRC=")) return { skip: "not a packet log" };
      const time = lineTime(line, ctx);
      const proto = field(line, "PROTO");
      if (!proto) fail(ctx, n, "PROTO", "missing");
      const action = prefix(line);
      return {
        line: n, ...(time !== undefined ? { start: time, end: time } : {}),
        src: address(ctx, n, "SRC", field(line, "SRC")), dst: address(ctx, n, "DST", field(line, "DST")),
        sport: port(ctx, n, "SPT", field(line, "SPT")), dport: port(ctx, n, "DPT", field(line, "DPT")),
        protocol: protocol(ctx, n, "PROTO", proto!), ...(action ? { action } : {}),
      };
    };
  },
};
