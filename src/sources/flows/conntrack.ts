// conntrack-tools output: `conntrack -L` (one connection per line) and `conntrack -E` (events,
// "[NEW]", "[UPDATE]", "[DESTROY]" first; with -o timestamp a "[SECONDS.MICROS]" before that);
// /proc/net/nf_conntrack and `-o extended` lines start with "ipv4 2". E.g.
//   tcp      6 431999 ESTABLISHED src=10.0.0.5 dst=10.96.0.10 sport=43210 dport=80 src=10.0.1.7 dst=10.0.0.5 sport=8080 dport=43210 [ASSURED] mark=0 use=1
// The first src/dst/sport/dport are the original direction (the client's view); the second the
// reply direction: its src is the server that answered, after DNAT (a Service IP → a pod).

import { address, fail, port, protocol, type FlowReader, type LineResult } from "./reader.js";
import { parseTime } from "../history.js";

const STATES = /^[A-Z_]+$/;

export const conntrackReader: FlowReader = {
  name: "conntrack",
  description: "conntrack -L and conntrack -E output (-o timestamp, -o extended, /proc/net/nf_conntrack)",
  detect: (line) => / src=\S+ dst=\S+ /.test(line) && !/ SRC=/.test(line),
  open(ctx) {
    return (line, n): LineResult => {
      if (/^conntrack v[\d.]+/.test(line)) return { skip: "summary" };
      let t = line.trim().split(/\s+/);
      let time: number | undefined, event: string | undefined;
      for (let m; t.length && (m = /^\[([^\]]*)\]$/.exec(t[0])); t = t.slice(1)) {
        if (/^\d+\.\d+$/.test(m[1])) time = parseTime(m[1]) ?? fail(ctx, n, "timestamp", `${JSON.stringify(m[1])} is not a time in Unix seconds`);
        else event = m[1];
      }
      if (t[0] === "ipv4" || t[0] === "ipv6") t = t.slice(2);
      if (t.length < 3 || !/^\d+$/.test(t[1] ?? "")) fail(ctx, n, "protocol", `expected a protocol name and number (e.g. "tcp 6"), found ${JSON.stringify(t.slice(0, 2).join(" "))}`);
      const kv: Record<string, string>[] = [{}, {}];
      let state: string | undefined;
      for (const tok of t.slice(2)) {
        const eq = tok.indexOf("=");
        if (eq < 0) { if (STATES.test(tok) && !state) state = tok; continue; }
        const k = tok.slice(0, eq), v = tok.slice(eq + 1);
        const dir = kv[0][k] === undefined ? kv[0] : kv[1];
        if (dir[k] === undefined) dir[k] = v;
      }
      const [orig, reply] = kv;
      const src = address(ctx, n, "src", orig.src), dialled = address(ctx, n, "dst", orig.dst);
      const dst = reply.src !== undefined ? address(ctx, n, "src (reply)", reply.src) : dialled;
      const dport = reply.sport !== undefined ? port(ctx, n, "sport (reply)", reply.sport) : port(ctx, n, "dport", orig.dport);
      return {
        line: n, ...(time !== undefined ? { start: time, end: time } : {}), src, dst,
        sport: port(ctx, n, "sport", orig.sport), dport, protocol: protocol(ctx, n, "protocol", t[1]),
        ...(event ?? state ? { action: event ?? state } : {}), ...(dst !== dialled ? { dialled } : {}), reply: false,
      };
    };
  },
};
