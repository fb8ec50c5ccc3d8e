// The flow-log readers' shared contract: each format is a FlowReader that recognises its lines
// and turns one line into a FlowRecord, a reason to skip it (a line that is not a flow: a summary,
// a NODATA record, another kernel message), or a FlowLogError naming the line and the field.

import type { FlowRecord } from "../../model/flowrecord.js";
import { quote } from "../../model/quote.js";
import { formatAddress, parseAddress } from "../../model/ip.js";
import { protocolName } from "../../model/flowrecord.js";

export class FlowLogError extends Error {}

export interface ReadContext {
  /** The log's name in messages. */
  file: string;
  /** The year of syslog time stamps, which have none. */
  year: number;
}

/** A line's result: a record, or why it is not one. */
export type LineResult = FlowRecord | { skip: string };

export interface LineParser {
  (line: string, n: number): LineResult;
}

export interface FlowReader {
  name: string;
  description: string;
  /** Whether a first line looks like this format (for --format auto). */
  detect(line: string): boolean;
  /** A parser for one log (readers with a header keep it here). */
  open(ctx: ReadContext): LineParser;
}

export function fail(ctx: ReadContext, n: number, field: string, why: string): never {
  throw new FlowLogError(`${ctx.file}:${n}: ${field}: ${why}`);
}

/**
 * The address, checked (as written when it is canonical; an IPv4-mapped IPv6 address is the IPv4
 * address the packets carried, model/ip.ts parseAddress).
 */
export function address(ctx: ReadContext, n: number, field: string, text: string | undefined): string {
  const a = typeof text === "string" ? parseAddress(text) : undefined;
  if (a) return a.family === 4 && text!.includes(":") ? formatAddress(a) : text!;
  const zone = typeof text === "string" ? /^([0-9a-fA-F:.]+)(%.*)$/.exec(text) : null;
  if (zone && parseAddress(zone[1])) return fail(ctx, n, field, `${quote(text)} has a zone (${zone[2]}): an address scoped to one host's interface names no endpoint; write it without the zone`);
  return fail(ctx, n, field, `${quote(text ?? "")} is not an IP address`);
}

/** An IP protocol: a name (tcp, UDP, ipv6-icmp) or a number 0-255 (as the IP header holds it); its name as FlowRecord gives it. */
export function protocol(ctx: ReadContext, n: number, field: string, text: string): string {
  if (/^[0-9]{1,3}$/.test(text) && Number(text) <= 255) return protocolName(String(Number(text)));
  if (/^[A-Za-z][A-Za-z0-9._-]*$/.test(text)) return protocolName(text);
  return fail(ctx, n, field, `${JSON.stringify(text)} is not an IP protocol (a name such as TCP, or a number 0-255)`);
}

/** A record's window: an end before its start is an error naming both. */
export function window(ctx: ReadContext, n: number, field: string, start: number | undefined, end: number | undefined): void {
  if (start !== undefined && end !== undefined && end < start) fail(ctx, n, field, `${new Date(end).toISOString()} is before the start ${new Date(start).toISOString()}`);
}

export function port(ctx: ReadContext, n: number, field: string, text: string | undefined): number | undefined {
  if (text === undefined || text === "" || text === "-") return undefined;
  const p = Number(text);
  if (!Number.isInteger(p) || p < 0 || p > 65535 || !/^\d+$/.test(text)) fail(ctx, n, field, `${JSON.stringify(text)} is not a port (0-65535)`);
  return p;
}
