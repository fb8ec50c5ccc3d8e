// AWS VPC Flow Logs, version 2 default format (space-separated):
//   version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status
// e.g. "2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK".
// start and end are Unix seconds (the aggregation window); protocol is the IANA number. Records with
// log-status NODATA or SKIPDATA carry "-" fields and no flow. A header line of field names (as in
// logs delivered to S3) sets the field order, so custom formats with these fields read too.

import { parseTime } from "../history.js";
import { address, fail, port, protocol, window, type FlowReader, type LineResult, type ReadContext } from "./reader.js";

const DEFAULT_FIELDS = ["version", "account-id", "interface-id", "srcaddr", "dstaddr", "srcport", "dstport", "protocol", "packets", "bytes", "start", "end", "action", "log-status"];
const NEEDED = ["srcaddr", "dstaddr", "protocol"];

function seconds(ctx: ReadContext, n: number, field: string, text: string | undefined): number | undefined {
  if (text === undefined || text === "-") return undefined;
  const t = /^\d+$/.test(text) ? parseTime(text) : undefined;
  return t ?? fail(ctx, n, field, `${JSON.stringify(text)} is not a time in Unix seconds`);
}

export const awsReader: FlowReader = {
  name: "aws",
  description: "AWS VPC Flow Logs, version 2 default fields (a header line of field names sets another order)",
  detect: (line) => /^version account-id /.test(line) || /^\d+ \S+ eni-\S+ \S+ \S+ /.test(line),
  open(ctx) {
    let fields = DEFAULT_FIELDS;
    let at = new Map(fields.map((f, i) => [f, i]));
    return (line, n): LineResult => {
      const t = line.trim().split(/\s+/);
      if (t[0] === "version" || t.includes("srcaddr")) {
        const missing = NEEDED.filter((f) => !t.includes(f));
        if (missing.length) fail(ctx, n, "header", `lacks the field${missing.length > 1 ? "s" : ""} ${missing.join(", ")}`);
        fields = t; at = new Map(fields.map((f, i) => [f, i]));
        return { skip: "header" };
      }
      if (t.length !== fields.length) fail(ctx, n, "line", `${t.length} fields, expected ${fields.length} (${fields.join(" ")})`);
      const get = (f: string) => (at.has(f) ? t[at.get(f)!] : undefined);
      const status = get("log-status");
      if (status === "NODATA" || status === "SKIPDATA" || get("srcaddr") === "-") return { skip: `log-status ${status ?? "-"}` };
      const start = seconds(ctx, n, "start", get("start")), end = seconds(ctx, n, "end", get("end"));
      window(ctx, n, "end", start, end);
      const proto = get("protocol")!;
      if (!/^[0-9]{1,3}$/.test(proto) || Number(proto) > 255) fail(ctx, n, "protocol", `${JSON.stringify(proto)} is not an IANA protocol number (0-255)`);
      return {
        line: n, ...(start !== undefined ? { start } : {}), ...(end !== undefined ? { end } : {}),
        src: address(ctx, n, "srcaddr", get("srcaddr")), dst: address(ctx, n, "dstaddr", get("dstaddr")),
        sport: port(ctx, n, "srcport", get("srcport")), dport: port(ctx, n, "dstport", get("dstport")),
        protocol: protocol(ctx, n, "protocol", proto), ...(get("action") ? { action: get("action") } : {}),
      };
    };
  },
};
