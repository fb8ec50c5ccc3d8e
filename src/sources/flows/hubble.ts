// Hubble flows as `hubble observe -o json` prints them: one JSON object per line, the flow under
// "flow" (older versions print the flow itself), with the proto field names:
//   {"flow":{"time":"2026-12-05T06:00:01.5Z","verdict":"FORWARDED","IP":{"source":"10.0.0.5","destination":"10.0.1.7","ipVersion":"IPv4"},
//    "l4":{"TCP":{"source_port":43210,"destination_port":80,"flags":{"SYN":true}}},"is_reply":false,...},"node_name":"...","time":"..."}
// Lines without an IP layer (L7-only or agent events, lost-events notices) are skipped.

import { address, fail, type FlowReader, type LineResult, type ReadContext } from "./reader.js";
import { parseTime } from "../history.js";
import { isObject } from "../schema/structural.js";
import { quote } from "../../model/quote.js";

type Obj = Record<string, unknown>;
const JSON_NUMBER = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$/;
const L4 = ["TCP", "UDP", "SCTP", "ICMPv4", "ICMPv6"] as const;

/** A port field of the flow's L4 layer (a uint32 in flow.proto, written as a JSON number): a port number 0-65535 or an error. */
function portOf(ctx: ReadContext, n: number, field: string, l: Obj, snake: string, camel: string): number | undefined {
  const v = l[snake] ?? l[camel];
  if (v === undefined || v === null) return undefined;
  // (protojson also reads an integer written as a JSON number in a string: "80", "8e1"; not "080" or " 80".)
  const p = typeof v === "string" && JSON_NUMBER.test(v) ? Number(v) : v;
  if (typeof p !== "number" || !Number.isInteger(p) || p < 0 || Object.is(p, -0) || p > 65535) return fail(ctx, n, field, `${typeof v === "number" ? String(v) : quote(v)} is not a port (0-65535)`);
  return p;
}

export const hubbleReader: FlowReader = {
  name: "hubble",
  description: "Hubble flows, hubble observe -o json (one JSON object per line)",
  detect: (line) => line.trimStart().startsWith("{"),
  open(ctx) {
    return (line, n): LineResult => {
      let o: Obj;
      try { o = JSON.parse(line); } catch { return fail(ctx, n, "line", "not a JSON object"); }
      if (!isObject(o)) return fail(ctx, n, "line", "not a JSON object");
      const flow = o.flow ?? o;
      if (!isObject(flow)) return fail(ctx, n, "flow", `${quote(flow)} is not an object`);
      const ip = flow.IP ?? flow.ip;
      if (ip === undefined || ip === null) return { skip: "no IP layer" };
      if (!isObject(ip)) return fail(ctx, n, "flow.IP", `${quote(ip)} is not an object`);
      const l4 = flow.l4 ?? {};
      if (!isObject(l4)) return fail(ctx, n, "flow.l4", `${quote(l4)} is not an object`);
      const proto = L4.find((p) => l4[p] !== undefined);
      const layer = proto ? l4[proto] ?? {} : {};
      if (!isObject(layer)) return fail(ctx, n, `flow.l4.${proto}`, `${quote(layer)} is not an object`);
      const ports = layer;
      const t = typeof flow.time === "string" ? parseTime(flow.time) : undefined;
      if (flow.time !== undefined && t === undefined) fail(ctx, n, "flow.time", `${quote(flow.time)} is not an RFC 3339 time`);
      const reply = flow.is_reply ?? flow.isReply;
      return {
        line: n, ...(t !== undefined ? { start: t, end: t } : {}),
        src: address(ctx, n, "flow.IP.source", ip.source as string), dst: address(ctx, n, "flow.IP.destination", ip.destination as string),
        sport: portOf(ctx, n, `flow.l4.${proto}.source_port`, ports, "source_port", "sourcePort"), dport: portOf(ctx, n, `flow.l4.${proto}.destination_port`, ports, "destination_port", "destinationPort"),
        protocol: proto === "ICMPv4" ? "ICMP" : proto ?? "unknown",
        ...(typeof flow.verdict === "string" ? { action: flow.verdict } : flow.verdict !== undefined && flow.verdict !== null ? fail(ctx, n, "flow.verdict", `${quote(flow.verdict)} is not a verdict name (e.g. FORWARDED)`) : {}),
        ...(typeof reply === "boolean" ? { reply } : {}),
      };
    };
  },
};
