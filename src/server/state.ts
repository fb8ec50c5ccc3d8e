// What `junction serve` serves: the current Analysis, its version, and the answers computed for it
// (kept until the next change). Changes come from the input watchers; each one bumps the version
// and is announced to the event stream's subscribers.

import { Analysis } from "../cli/analysis.js";
import { InputError, UsageError } from "../cli/command.js";
import type { EngineOptions } from "../engine/options.js";
import { capMessage, quote } from "../model/quote.js";
import type { Loaded } from "../sources/load.js";
import { ENDPOINTS, queryValues, RawJson, type Endpoint } from "./api.js";

export interface UpdateEvent {
  version: number;
  /** "reload": everything was read again; "incremental": the engine applied the changes in place. */
  mode: "reload" | "incremental";
  /** What changed, e.g. "MODIFIED NetworkPolicy shop/allow-web" or a file name. */
  changes: string[];
  /** Milliseconds from the change's arrival to this event. */
  ms: number;
  /** Set when the input now has errors: analysing answers are refused until they are fixed. */
  invalid?: string;
}

export interface Answer { status: number; body: string }

/** Answers kept until the next change: at most this many, and this many characters in all (the newest is always kept). */
export const CACHE_LIMITS = { entries: 1000, chars: 256 * 1024 * 1024 };

export class ServeState {
  analysis: Analysis;
  version = 1;
  invalid?: string;
  /** When the server started. */
  readonly startedAt = new Date();
  /**
   * When the served analysis last took in the input without errors: the first load, a reload, or an
   * incremental update; undefined while no load has succeeded. A reload that finds errors keeps the
   * time of the last good one (the answers are refused until the errors are fixed: `invalid`).
   */
  loadedAt?: Date;
  private cache = new Map<string, string>();
  private cachedChars = 0;
  private subscribers = new Set<(e: UpdateEvent) => void>();

  constructor(loaded: Loaded, readonly options: EngineOptions, readonly cacheLimits = CACHE_LIMITS) {
    this.analysis = new Analysis(loaded, options);
    this.invalid = invalidReason(loaded);
    if (!this.invalid) this.loadedAt = this.startedAt;
  }

  /** Everything was read again. */
  replace(loaded: Loaded, changes: string[], since: number): void {
    this.analysis = new Analysis(loaded, this.options);
    this.invalid = invalidReason(loaded);
    if (!this.invalid) void this.analysis.connectivity; // ready before the event goes out
    this.changed("reload", changes, since);
  }

  /** The analysis was updated in place. */
  changed(mode: UpdateEvent["mode"], changes: string[], since: number): void {
    this.version++;
    if (!this.invalid) this.loadedAt = new Date();
    this.cache.clear();
    this.cachedChars = 0;
    const event: UpdateEvent = { version: this.version, mode, changes, ms: Date.now() - since, ...(this.invalid ? { invalid: this.invalid } : {}) };
    for (const s of this.subscribers) s(event);
  }

  subscribe(s: (e: UpdateEvent) => void): () => void {
    this.subscribers.add(s);
    return () => this.subscribers.delete(s);
  }

  /** The answer of an API path for a query: 200 with the document, 400 for bad parameters, 404, or 503 on invalid input. */
  answer(path: string, query: URLSearchParams): Answer {
    const endpoint = ENDPOINTS.find((e) => e.path === path);
    if (!endpoint) return error(404, `no such path ${quote(path)}`);
    const key = `${path}?${query}`;
    const cached = this.cache.get(key);
    if (cached !== undefined) {
      // Least recently used first: a hit moves to the end.
      this.cache.delete(key); this.cache.set(key, cached);
      return { status: 200, body: cached };
    }
    if (endpoint.analysing && this.invalid) return error(503, this.invalid);
    const result = this.compute(endpoint, query);
    if (result.status === 200) this.remember(key, result.body);
    return result;
  }

  /** What the cache holds (for tests). */
  cacheSize(): { entries: number; chars: number } { return { entries: this.cache.size, chars: this.cachedChars }; }

  /** Keeps an answer; distinct queries (every port of every pair) would otherwise grow the cache without bound. */
  private remember(key: string, body: string): void {
    this.cache.set(key, body);
    this.cachedChars += body.length;
    for (const [k, v] of this.cache) {
      if (this.cache.size <= 1 || (this.cache.size <= this.cacheLimits.entries && this.cachedChars <= this.cacheLimits.chars)) break;
      this.cache.delete(k);
      this.cachedChars -= v.length;
    }
  }

  private compute(endpoint: Endpoint, query: URLSearchParams): Answer {
    try {
      const doc = endpoint.answer(this.analysis, queryValues(endpoint, query));
      return { status: 200, body: doc instanceof RawJson ? doc.text : JSON.stringify(doc, null, 2) + "\n" };
    } catch (e) {
      if (e instanceof UsageError || e instanceof InputError) return error(400, capMessage(e.message));
      throw e;
    }
  }
}

function error(status: number, message: string): Answer {
  return { status, body: JSON.stringify({ error: message }) + "\n" };
}

/** The CLI's refusal for an input with errors (the same words as loadInputs). */
function invalidReason(loaded: Loaded): string | undefined {
  const n = loaded.diagnostics.errors.length;
  return n ? `${n} error${n === 1 ? "" : "s"} in the input; nothing was analysed` : undefined;
}
