// How a backend answers, for retries and timeouts. Junction cannot know it; by default a
// backend answers 200 at once. A request may describe the answer with the query parameters of
// the Gateway API conformance echo server: delay (of the answer), responseCode with succeedAfter
// (the first N attempts fail with that code, or with a connection reset when no code is given)
// and delayRetry (delay of the failing attempts); and Junction's own grpcStatus, the grpc-status a gRPC
// backend's failing attempts carry in their (trailers-only) response headers: a code (14) or its name
// (UNAVAILABLE), with the HTTP status responseCode (200 unless given), or "none" for an answer without one.

import { goDuration } from "../../model/duration.js";
import { GRPC_STATUS_NAMES, grpcStatusName } from "../../model/request.js";
import type { RouteRule } from "../../model/route.js";

export interface BackendBehaviour { delayMs: number; responseCode?: number; succeedAfter?: number; delayRetryMs?: number; grpcStatus?: number | "none" }

/**
 * How the client's proxy answers a backend that resets the connection before answering: `status`
 * (default 503, Envoy's "upstream connect error or disconnect/reset before headers"); `serverProxy`:
 * the backend's own proxy (every endpoint of the picked backend runs one), which answers the reset
 * with `status` itself, so that the client's proxy sees an answer, whose status its retry codes decide.
 */
export interface ResetReading { status?: number; serverProxy?: string }

/** What a proxy's conversion of a rule gives the backend model: its timeouts, retries and reading of a reset. */
export type BackendTiming = Pick<RouteRule, "timeouts" | "retry"> & { reset?: ResetReading };

export interface Outcome {
  /** Final status: the backend's, 504 for a timeout, ResetReading.status (503) for a reset. */
  status: number;
  attempts: number;
  elapsedMs: number;
  notes: string[];
  /**
   * The final status is the client's proxy's own reply, not the backend's: a timeout's 504 (Envoy's router
   * "upstream request timeout") or a reset the proxy answers itself (503 "upstream connect error or
   * disconnect/reset before headers"); what Envoy's HttpResponseLocalReplyMatchInput reads as "true".
   */
  local?: boolean;
  /** What the final status depends on that the model does not give (a gRPC call's grpc-status, gRPC retry triggers). */
  unknown?: string;
  /** The grpc-status of the final answer, where the backend's failing attempt gave one (BackendBehaviour.grpcStatus). */
  grpcStatus?: number;
}

/** Envoy's gRPC retryOn triggers and the grpc-status each retries (RetryStateImpl::wouldRetryFromHeaders). */
const GRPC_TRIGGERS: Readonly<Record<string, number>> = { cancelled: 1, "deadline-exceeded": 4, "resource-exhausted": 8, internal: 13, unavailable: 14 };

/** The grpcStatus query parameter: a code 0-16, its name (any case), or "none". */
function grpcStatusParameter(v: string | undefined): number | "none" | undefined {
  if (v === undefined) return undefined;
  if (v.toLowerCase() === "none") return "none";
  const n = /^\d+$/.test(v) ? Number(v) : GRPC_STATUS_NAMES.indexOf(v.toUpperCase());
  return n >= 0 && n < GRPC_STATUS_NAMES.length ? n : undefined;
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
    grpcStatus: grpcStatusParameter(q.get("grpcStatus")),
  };
  return b.delayMs || b.responseCode !== undefined || b.succeedAfter !== undefined || b.grpcStatus !== undefined ? b : undefined;
}

type Attempt = { kind: "ok" | "status" | "reset"; status: number; ms: number; grpc?: number };

function attempt(b: BackendBehaviour, n: number, reset: ResetReading): Attempt {
  const grpc = typeof b.grpcStatus === "number" ? b.grpcStatus : undefined;
  const failing = b.succeedAfter !== undefined ? n <= b.succeedAfter : b.responseCode !== undefined || grpc !== undefined;
  if (!failing) return { kind: "ok", status: 200, ms: b.delayMs };
  const ms = b.delayRetryMs ?? b.delayMs;
  if (b.responseCode !== undefined || grpc !== undefined) return { kind: "status", status: b.responseCode ?? 200, ms, ...(grpc !== undefined ? { grpc } : {}) };
  return { kind: reset.serverProxy ? "status" : "reset", status: reset.status ?? 503, ms };
}

/**
 * Tries the backend as the rule's retry policy and timeouts allow. Each attempt is bounded by the
 * per-try timeout (timeouts.backendRequest; none on the last attempt where retry.lastTryUnbounded) and
 * by timeouts.response (not retried); the whole request by timeouts.request. A retry follows a status
 * of retry.codes, a reset (unless retry.retryReset is false) or a timed-out attempt (unless
 * retry.retryTimeout is false), while attempts remain (retry.attempts, default 1).
 */
export function simulateBackend(rule: Pick<RouteRule, "timeouts" | "retry">, b: BackendBehaviour, reset: ResetReading = {}): Outcome {
  const retry = rule.retry;
  const tries = 1 + (retry ? retry.attempts ?? 1 : 0);
  const total = rule.timeouts?.request || Infinity;
  const response = rule.timeouts?.response || Infinity;
  const notes: string[] = [];
  let elapsed = 0;
  for (let n = 1; ; n++) {
    const a = attempt(b, n, reset);
    const last = n >= tries;
    const perTry = (last && retry?.lastTryUnbounded ? 0 : rule.timeouts?.backendRequest) || Infinity;
    // Linkerd's stream-timeouts: a per-try (response headers) timeout replaces the response timeout while the headers are awaited.
    const limit = perTry !== Infinity ? perTry : response;
    const timedOut = a.ms >= limit;
    elapsed += timedOut ? limit : a.ms;
    if (elapsed >= total && (timedOut || a.ms > 0)) { notes.push(`attempt ${n}: the request timeout (${total}ms) expired`); return { status: 504, attempts: n, elapsedMs: total, notes, local: true }; }
    const status = timedOut ? 504 : a.status;
    const which = timedOut ? (perTry !== Infinity ? `timed out after ${perTry}ms` : `timed out after ${response}ms (the response timeout)`) : a.kind === "reset" ? `connection reset (answered ${a.status})` : b.responseCode === undefined && a.status !== 200 ? `connection reset, which ${reset.serverProxy} answers ${a.status}` : `${a.status}${a.grpc !== undefined ? ` with grpc-status ${a.grpc} (${grpcStatusName(a.grpc)})` : ""} after ${a.ms}ms`;
    const lateBody = !timedOut && a.ms >= response ? ` (after the response timeout, ${response}ms: the body is cut at once)` : "";
    notes.push(`attempt ${n}: ${which}${last && retry?.lastTryUnbounded && rule.timeouts?.backendRequest && n > 1 ? " (the last attempt has no per-try timeout)" : ""}${lateBody}`);
    if (!timedOut && a.kind === "ok") return { status, attempts: n, elapsedMs: elapsed, notes };
    const byResponse = timedOut && perTry === Infinity;
    // A grpc-status the retry policy's gRPC triggers name is retried (Grpc::Common::getGrpcStatus of the response headers).
    const byGrpc = !timedOut && a.grpc !== undefined && (retry?.grpcTriggers ?? []).some((t) => GRPC_TRIGGERS[t] === a.grpc);
    const retriable = retry !== undefined && (timedOut ? !byResponse && retry.retryTimeout !== false : a.kind === "reset" ? retry.retryReset !== false : retry.codes.includes(a.status) || byGrpc);
    if (!retriable && retry && !last && (timedOut || a.kind === "reset")) notes.push(`not retried: ${byResponse ? "the response timeout is not retried" : retry.conditions ?? "not a retry condition"}`);
    if (!retriable || last) return { status, attempts: n, elapsedMs: elapsed, notes, ...(timedOut || a.kind === "reset" ? { local: true } : {}), ...(!timedOut && a.grpc !== undefined ? { grpcStatus: a.grpc } : {}) };
    elapsed += retry?.backoffMs ?? 0;
  }
}

/**
 * A gRPC call's attempts: where the retry policy has gRPC triggers (RetryPolicy.grpcTriggers), Envoy
 * retries a failed attempt whose grpc-status is one of them (RetryStateImpl::wouldRetryFromHeaders reads
 * it from the response headers). With the backend's grpcStatus given (or "none") that decides; without
 * it the call is simulated both ways, and where the answers differ, `unknown` says why. A reset or a
 * timed-out attempt is retried as for HTTP (the gRPC triggers read no reset).
 */
export function simulateGrpcBackend(rule: Pick<RouteRule, "timeouts" | "retry">, b: BackendBehaviour, reset: ResetReading = {}): Outcome {
  const plain = simulateBackend(rule, b, reset);
  const triggers = rule.retry?.grpcTriggers;
  if (!triggers?.length || b.responseCode === undefined || b.grpcStatus !== undefined || rule.retry!.codes.includes(b.responseCode)) return plain;
  const retried = simulateBackend({ ...rule, retry: { ...rule.retry!, codes: [...rule.retry!.codes, b.responseCode] } }, b, reset);
  if (retried.status === plain.status) return plain;
  return { ...plain, unknown: `whether Envoy retries the backend's ${b.responseCode}: its retryOn's gRPC triggers (${triggers.join(", ")}) retry it when its grpc-status is one of them, which the backend model does not say (the request's grpcStatus query parameter would: a code, its name or none; retried: ${retried.status} after ${retried.attempts} attempts; not: ${plain.status})` };
}
