// The flow-log readers' shared contract: each format is a FlowReader that recognises its lines
// and turns one line into a FlowRecord, a reason to skip it (a line that is not a flow: a summary,
// a NODATA record, another kernel message), or a FlowLogError naming the line and the field.

import type { FlowRecord } from "../../model/flowrecord.js";
import { parseAddress } from "../../model/ip.js";

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

/** The address, checked (as written when it is canonical). */
export function address(ctx: ReadContext, n: number, field: string, text: string | undefined): string {
  if (typeof text === "string" && parseAddress(text)) return text;
  return fail(ctx, n, field, `${JSON.stringify(text ?? "")} is not an IP address`);
}

export function port(ctx: ReadContext, n: number, field: string, text: string | undefined): number | undefined {
  if (text === undefined || text === "" || text === "-") return undefined;
  const p = Number(text);
  if (!Number.isInteger(p) || p < 0 || p > 65535 || !/^\d+$/.test(text)) fail(ctx, n, field, `${JSON.stringify(text)} is not a port (0-65535)`);
  return p;
}
