// A plain CSV flow log: a header row names the columns (any order, any case; other columns are
// ignored): time (or start, timestamp), end, src (source, srcaddr, src_ip), dst (destination,
// dstaddr, dst_ip), sport (srcport, src_port), dport (dstport, dst_port), protocol (proto),
// action (verdict). Times are RFC 3339 or Unix seconds; fields may be "quoted" (RFC 4180).

import { address, fail, port, protocol, window, type FlowReader, type LineResult, type ReadContext } from "./reader.js";
import { parseTime } from "../history.js";

const COLUMNS: Record<string, string[]> = {
  start: ["time", "start", "timestamp", "start_time"], end: ["end", "end_time"],
  src: ["src", "source", "srcaddr", "src_ip", "source_ip"], dst: ["dst", "destination", "dstaddr", "dst_ip", "destination_ip"],
  sport: ["sport", "srcport", "src_port", "source_port"], dport: ["dport", "dstport", "dst_port", "destination_port"],
  protocol: ["protocol", "proto"], action: ["action", "verdict"],
};

/** The fields of one CSV row (quotes and doubled quotes, RFC 4180). */
export function csvFields(line: string): string[] {
  if (!line.includes('"')) return line.split(",");
  const out: string[] = [];
  let cur = "", quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) { if (c === '"' && line[i + 1] === '"') { cur += '"'; i++; } else if (c === '"') quoted = false; else cur += c; }
    else if (c === '"') quoted = true;
    else if (c === ",") { out.push(cur); cur = ""; }
    else cur += c;
  }
  out.push(cur);
  return out;
}

function time(ctx: ReadContext, n: number, column: string, text: string | undefined): number | undefined {
  if (text === undefined || text === "") return undefined;
  return parseTime(text) ?? fail(ctx, n, column, `${JSON.stringify(text)} is not a time (RFC 3339 or Unix seconds)`);
}

export const csvReader: FlowReader = {
  name: "csv",
  description: "CSV with a header row: time, src, sport, dst, dport, protocol (any order), action",
  detect: (line) => /(^|,)"?(src|source|srcaddr|src_ip)"?(,|$)/i.test(line),
  open(ctx) {
    let at: Map<string, number> | undefined;
    return (line, n): LineResult => {
      const f = csvFields(line);
      if (!at) {
        const names = f.map((x) => x.trim().toLowerCase());
        at = new Map(Object.entries(COLUMNS).flatMap(([k, aliases]) => { const i = names.findIndex((x) => aliases.includes(x)); return i >= 0 ? [[k, i] as const] : []; }));
        const missing = ["src", "dst", "protocol"].filter((k) => !at!.has(k));
        if (missing.length) fail(ctx, n, "header", `no column for ${missing.join(", ")} (a CSV flow log starts with a header row, e.g. time,src,sport,dst,dport,protocol)`);
        return { skip: "header" };
      }
      const get = (k: string) => (at!.has(k) ? f[at!.get(k)!]?.trim() : undefined);
      const start = time(ctx, n, "time", get("start")), end = time(ctx, n, "end", get("end")) ?? start;
      window(ctx, n, "end", start, end);
      return {
        line: n, ...(start !== undefined ? { start, end } : {}),
        src: address(ctx, n, "src", get("src")), dst: address(ctx, n, "dst", get("dst")),
        sport: port(ctx, n, "sport", get("sport")), dport: port(ctx, n, "dport", get("dport")),
        protocol: protocol(ctx, n, "protocol", get("protocol") || fail(ctx, n, "protocol", "empty")), ...(get("action") ? { action: get("action") } : {}),
      };
    };
  },
};
