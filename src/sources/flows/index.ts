// Every flow-log format `junction flows --format` reads, and the reading loop: lines streamed from
// the file, each parsed by the format's reader (--format auto: the first line that is not blank
// decides), records handed on one at a time so that memory stays bounded whatever the log's size.

import type { FlowRecord } from "../../model/flowrecord.js";
import { readLines } from "../lines.js";
import { awsReader } from "./aws.js";
import { conntrackReader } from "./conntrack.js";
import { csvReader } from "./csv.js";
import { hubbleReader } from "./hubble.js";
import { nftlogReader } from "./nftlog.js";
import { FlowLogError, type FlowReader, type LineParser, type ReadContext } from "./reader.js";

export { FlowLogError } from "./reader.js";

/** In the order auto-detection tries them. */
export const FLOW_READERS: FlowReader[] = [awsReader, hubbleReader, nftlogReader, conntrackReader, csvReader];
export const FLOW_FORMATS = ["auto", ...FLOW_READERS.map((r) => r.name)];

export interface ReadStats {
  lines: number;
  records: number;
  /** Lines that are not flows, by reason. */
  skipped: Map<string, number>;
  format?: string;
}

/** Lines --format auto looks at for one a reader recognises (a kernel log has other messages first). */
const DETECT_LINES = 1000;

/**
 * Text --format auto holds while it looks: lines of up to 1 MiB each would otherwise make 1,000 of
 * them 1 GiB (2 GiB as JavaScript strings) before the log is refused.
 */
const DETECT_CHARS = 4 * 1024 * 1024;

function undetected(ctx: ReadContext, lines: number): FlowLogError {
  return new FlowLogError(`${ctx.file}:1: no line of the first ${lines} is of a format Junction reads (${FLOW_READERS.map((x) => x.name).join(", ")}); name it with --format`);
}

/** The records of a flow log, streamed. */
export function* readFlowLog(path: string, format: string, ctx: ReadContext, stats: ReadStats): Generator<FlowRecord> {
  let parse: LineParser | undefined = format === "auto" ? undefined : open(FLOW_READERS.find((r) => r.name === format)!, ctx, stats);
  const pending: [string, number][] = [];
  let n = 0, held = 0;
  for (const line of readLines(path)) {
    n++;
    stats.lines = n;
    if (line.trim() === "" || line.startsWith("#")) continue;
    if (!parse) {
      pending.push([line, n]);
      held += line.length;
      const reader = FLOW_READERS.find((x) => x.detect(line));
      if (!reader) { if (n >= DETECT_LINES || held >= DETECT_CHARS) throw undetected(ctx, n); continue; }
      parse = open(reader, ctx, stats);
    }
    for (const [l, i] of pending.length ? pending.splice(0) : [[line, n] as [string, number]]) {
      const r = parse(l, i);
      if ("skip" in r) { stats.skipped.set(r.skip, (stats.skipped.get(r.skip) ?? 0) + 1); continue; }
      stats.records++;
      yield r;
    }
  }
  if (!parse && pending.length) throw undetected(ctx, n);
}

function open(reader: FlowReader, ctx: ReadContext, stats: ReadStats): LineParser {
  stats.format = reader.name;
  return reader.open(ctx);
}
