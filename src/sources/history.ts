// Reads and writes history files (docs/flows.md): JSON Lines, the header first, then snapshot,
// up and down records in the order they were appended. Every malformed line is an error naming
// the file, the line and the field.

import { HISTORY_HEADER, type Holder, type HolderId, type HolderKind, type HistoryRecord } from "../model/history.js";
import { quote } from "../model/quote.js";
import { parseAddress, formatAddress } from "../model/ip.js";
import { isProtocol, type NamedPort } from "../model/ports.js";
import { readLines } from "./lines.js";
import { MAX_TIME, parseRfc3339 } from "../model/time.js";

export class HistoryError extends Error {}

const KINDS: readonly HolderKind[] = ["pod", "workload", "node", "service"];

/** ISO 8601 with a zone (model/time.ts, loosely) or epoch seconds → ms; undefined when it is neither, or beyond what a Date holds. */
export function parseTime(text: string): number | undefined {
  if (/^\d+(\.\d+)?$/.test(text)) { const t = Math.round(Number(text) * 1000); return t <= MAX_TIME ? t : undefined; }
  return parseRfc3339(text, true);
}

export function formatTime(ms: number): string {
  return new Date(ms).toISOString().replace(".000Z", "Z");
}

class LineReader {
  constructor(readonly where: string) {}
  fail(field: string, why: string): never { throw new HistoryError(`${this.where}: ${field}: ${why}`); }

  time(o: Record<string, unknown>, field: string, nullable = false): number | null | undefined {
    const v = o[field];
    if (v === undefined || (v === null && nullable)) return v as undefined | null;
    const t = typeof v === "string" ? parseTime(v) : undefined;
    return t ?? this.fail(field, `${quote(v)} is not a time (ISO 8601 with a zone, e.g. 2026-12-05T06:00:00Z)`);
  }

  string(o: Record<string, unknown>, field: string, required: boolean): string | undefined {
    const v = o[field];
    if (v === undefined && !required) return undefined;
    return typeof v === "string" && v !== "" ? v : this.fail(field, "must be a non-empty string");
  }

  addresses(o: Record<string, unknown>): string[] {
    const v = o.addresses;
    if (!Array.isArray(v) || v.length === 0) this.fail("addresses", "must be a non-empty list of IP addresses");
    return v.map((a, i) => {
      const addr = typeof a === "string" ? parseAddress(a) : undefined;
      return addr ? formatAddress(addr) : this.fail(`addresses[${i}]`, `${quote(a)} is not an IP address`);
    });
  }

  labels(o: Record<string, unknown>, field: string): Record<string, string> {
    const v = o[field] ?? {};
    if (typeof v !== "object" || v === null || Array.isArray(v) || Object.values(v).some((x) => typeof x !== "string")) this.fail(field, "must be a map of strings");
    return v as Record<string, string>;
  }

  holderId(o: unknown): HolderId {
    if (typeof o !== "object" || o === null || Array.isArray(o)) this.fail("holder", "must be an object");
    const h = o as Record<string, unknown>;
    const kind = h.kind as HolderKind;
    if (!KINDS.includes(kind)) this.fail("holder.kind", `must be one of ${KINDS.join(", ")}`);
    const cluster = this.string(h, "cluster", false), namespace = this.string(h, "namespace", false);
    return { kind, ...(cluster ? { cluster } : {}), ...(namespace !== undefined ? { namespace } : {}), name: this.string(h, "name", true)! };
  }

  holder(o: Record<string, unknown>): Holder {
    const h = o as Record<string, unknown>;
    const out: Holder = { ...this.holderId(o), labels: this.labels(h, "labels") };
    if (h.owner !== undefined) {
      const ow = h.owner as Record<string, unknown>;
      out.owner = { kind: this.string(ow ?? {}, "kind", true)!, name: this.string(ow ?? {}, "name", true)! };
    }
    const node = this.string(h, "node", false), sa = this.string(h, "serviceAccount", false);
    if (node) out.node = node;
    if (sa) out.serviceAccount = sa;
    if (h.hostNetwork === true) out.hostNetwork = true;
    if (h.ports !== undefined) out.ports = this.ports(h.ports);
    return out;
  }

  ports(v: unknown): NamedPort[] {
    if (!Array.isArray(v)) this.fail("holder.ports", "must be a list");
    return v.map((p: Record<string, unknown>, i) => {
      const port = p?.port;
      if (typeof port !== "number" || !Number.isInteger(port) || port < 1 || port > 65535) this.fail(`holder.ports[${i}].port`, `${quote(port ?? null)} is not a port (an integer 1-65535)`);
      if (!isProtocol(p.protocol)) this.fail(`holder.ports[${i}].protocol`, `${quote(p.protocol ?? null)} is not TCP, UDP or SCTP`);
      return { ...(typeof p.name === "string" ? { name: p.name } : {}), port: p.port as number, protocol: p.protocol as NamedPort["protocol"] };
    });
  }
}

/** One record of a history line (the header is checked by readHistory). */
export function parseHistoryLine(text: string, where: string): HistoryRecord {
  const r = new LineReader(where);
  let o: Record<string, unknown>;
  try { o = JSON.parse(text); } catch { return r.fail("line", "not a JSON object"); }
  if (typeof o !== "object" || o === null || Array.isArray(o)) r.fail("line", "not a JSON object");
  const at = r.time(o, "at") ?? r.fail("at", "is required");
  if (o.op === "snapshot") {
    const cluster = r.string(o, "cluster", false);
    return { op: "snapshot", at, source: r.string(o, "source", false) ?? "", ...(cluster ? { cluster } : {}), holders: typeof o.holders === "number" ? o.holders : 0 };
  }
  if (o.op !== "up" && o.op !== "down") r.fail("op", o.op === undefined ? "missing (snapshot, up or down)" : `${quote(o.op)} is not snapshot, up or down`);
  const after = r.time(o, "after", true);
  const base = { at, ...(after !== undefined ? { after } : {}), addresses: r.addresses(o) };
  return o.op === "up" ? { op: "up", ...base, holder: r.holder(o.holder as Record<string, unknown>) } : { op: "down", ...base, holder: r.holderId(o.holder) };
}

/** The records of a history file, streamed; a file without the header line is refused. */
export function* readHistory(path: string): Generator<HistoryRecord> {
  let n = 0;
  for (const line of readLines(path)) {
    n++;
    if (line.trim() === "") continue;
    if (n === 1) { checkHeader(line, `${path}:1`); continue; }
    yield parseHistoryLine(line, `${path}:${n}`);
  }
  if (n === 0) throw new HistoryError(`${path}: empty; a history file starts with ${JSON.stringify(HISTORY_HEADER)}`);
}

function checkHeader(line: string, where: string): void {
  let o: Record<string, unknown> | undefined;
  try { o = JSON.parse(line); } catch { /* reported below */ }
  if (o?.junction !== HISTORY_HEADER.junction) throw new HistoryError(`${where}: not a Junction history file (its first line is ${JSON.stringify(HISTORY_HEADER)})`);
  if (o.version !== HISTORY_HEADER.version) throw new HistoryError(`${where}: version: history format version ${o.version === undefined ? "missing" : `${quote(o.version)} is not supported`} (this Junction reads version ${HISTORY_HEADER.version})`);
}

/** One line of a history file (no newline). */
export function formatHistoryRecord(r: HistoryRecord): string {
  const { at, ...rest } = r;
  const after = "after" in rest ? rest.after : undefined;
  const out: Record<string, unknown> = { at: formatTime(at), op: r.op };
  if (after !== undefined) out.after = after === null ? null : formatTime(after);
  if (r.op === "snapshot") return JSON.stringify({ ...out, source: r.source, ...(r.cluster ? { cluster: r.cluster } : {}), holders: r.holders });
  return JSON.stringify({ ...out, holder: r.holder, addresses: r.addresses });
}

export function formatHistoryHeader(): string {
  return JSON.stringify(HISTORY_HEADER);
}
