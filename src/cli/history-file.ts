// The CLI's access to history files: replaying one into a timeline, appending records, and the
// errors of both as one line (exit 2).

import { appendFileSync, existsSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { AddressTimeline, type HistoryRecord } from "../model/history.js";
import { formatHistoryHeader, formatHistoryRecord, HistoryError, parseTime, readHistory } from "../sources/history.js";
import { LineError } from "../sources/lines.js";
import { FlowLogError } from "../sources/flows/index.js";
import { InputError, UsageError } from "./command.js";
import { fsReason } from "./outputs.js";

/** Runs `f`, turning the readers' errors into InputError ("FLAG PATH: why" for file-system errors). */
export function reading<T>(flag: string, path: string, f: () => T): T {
  try { return f(); }
  catch (e) {
    if (e instanceof HistoryError || e instanceof FlowLogError) throw new InputError(e.message);
    if (e instanceof LineError) throw new InputError(`${flag} ${path}: ${e.message}`);
    if ((e as NodeJS.ErrnoException).code) throw new InputError(`${flag} ${path}: cannot read: ${(e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : fsReason(e)}`);
    throw e;
  }
}

/** The timeline of a history file (an empty one when `missingOk` and the file does not exist). */
export function replayHistory(path: string, cwd: string, missingOk = false): AddressTimeline {
  const full = resolve(cwd, path);
  const timeline = new AddressTimeline();
  if (missingOk && !existsSync(full)) return timeline;
  if (existsSync(full) && statSync(full).isDirectory()) throw new InputError(`--history ${path}: is a folder; name a history file`);
  reading("--history", path, () => { for (const r of readHistory(full)) timeline.apply(r); });
  return timeline;
}

/** Appends records (and, to a new file, the header first). */
export function appendHistory(path: string, cwd: string, records: readonly HistoryRecord[]): void {
  const full = resolve(cwd, path);
  const text = (existsSync(full) ? "" : formatHistoryHeader() + "\n") + records.map((r) => formatHistoryRecord(r) + "\n").join("");
  try { appendFileSync(full, text); }
  catch (e) { throw new InputError(`--history ${path}: cannot write: ${fsReason(e)}`); }
}

/** A time option: RFC 3339 with a zone, or Unix seconds. */
export function timeOption(flag: string, text: string): number {
  const t = parseTime(text);
  if (t === undefined) throw new UsageError(`${flag}: ${JSON.stringify(text)} is not a time (RFC 3339 with a zone, e.g. 2026-12-05T06:00:00Z, or Unix seconds)`);
  return t;
}
