// How a backend answers, for retries and timeouts. Junction cannot know it; by default a
// backend answers 200 at once. A request may describe the answer with the query parameters of
// the Gateway API conformance echo server: delay (of the answer), responseCode with succeedAfter
// (the first N attempts fail with that code, or with a connection reset when no code is given)
// and delayRetry (delay of the failing attempts).

import { goDuration } from "../../model/duration.js";
import type { RouteRule } from "../../model/route.js";

export interface BackendBehaviour { delayMs: number; responseCode?: number; succeedAfter?: number; delayRetryMs?: number }

export interface Outcome {
  /** Final status: the backend's, 504 for a timeout, 503 for connection errors. */
  status: number;
  attempts: number;
  elapsedMs: number;
  notes: string[];
}

export function behaviourFromQuery(q: Map<string, string>): BackendBehaviour | undefined {
  const delayMs = goDuration(q.get("delay")) ?? 0;
  const code = Number(q.get("responseCode"));
  const after = Number(q.get("succeedAfter"));
  const b: BackendBehaviour = {
    delayMs,
    responseCode: Number.isInteger(code) && code >= 100 && code <= 599 ? code : undefined,
    succeedAfter: Number.isInteger(after) && after >= 0 && q.has("succeedAfter") ? after : undefined,
    delayRetryMs: goDuration(q.get("delayRetry")),
  };
  return b.delayMs || b.responseCode !== undefined || b.succeedAfter !== undefined ? b : undefined;
}

type Attempt = { kind: "ok" | "status" | "reset"; status: number; ms: number };

function attempt(b: BackendBehaviour, n: number): Attempt {
  const failing = b.succeedAfter !== undefined ? n <= b.succeedAfter : b.responseCode !== undefined;
  if (!failing) return { kind: "ok", status: 200, ms: b.delayMs };
  const ms = b.delayRetryMs ?? b.delayMs;
  return b.responseCode !== undefined ? { kind: "status", status: b.responseCode, ms } : { kind: "reset", status: 503, ms };
}

/** Tries the backend as the rule's retry policy and timeouts allow. */
export function simulateBackend(rule: RouteRule, b: BackendBehaviour): Outcome {
  const tries = 1 + (rule.retry?.attempts ?? 0);
  const perTry = rule.timeouts?.backendRequest || Infinity;
  const total = rule.timeouts?.request || Infinity;
  const notes: string[] = [];
  let elapsed = 0;
  for (let n = 1; ; n++) {
    const a = attempt(b, n);
    const timedOut = a.ms >= perTry;
    elapsed += timedOut ? perTry : a.ms;
    if (elapsed >= total && (timedOut || a.ms > 0)) { notes.push(`attempt ${n}: the request timeout (${total}ms) expired`); return { status: 504, attempts: n, elapsedMs: total, notes }; }
    const status = timedOut ? 504 : a.status;
    notes.push(`attempt ${n}: ${timedOut ? `timed out after ${perTry}ms` : a.kind === "reset" ? "connection reset" : `${a.status} after ${a.ms}ms`}`);
    if (!timedOut && a.kind === "ok") return { status, attempts: n, elapsedMs: elapsed, notes };
    const retriable = rule.retry !== undefined && (timedOut || a.kind === "reset" || rule.retry.codes.includes(a.status));
    if (!retriable || n >= tries) return { status, attempts: n, elapsedMs: elapsed, notes };
    elapsed += rule.retry?.backoffMs ?? 0;
  }
}
