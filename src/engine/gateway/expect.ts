// Checking a routing answer against what a requests file expects: status, backend, connection,
// gRPC code, redirect, upstream request, response headers and mirrors. Fields not given are not
// checked; header names compare case-insensitively.

import type { RouteResult } from "./request.js";

export const EXPECT_KEYS = ["status", "backend", "connection", "grpcCode", "redirect", "upstream", "request", "responseHeaders", "mirroredTo"];

const lower = (h: Record<string, string> | undefined) => Object.fromEntries(Object.entries(h ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
const show = (v: unknown) => v === undefined ? "(none)" : JSON.stringify(v);

function fields(label: string, want: Record<string, unknown>, got: Record<string, unknown> | null | undefined, out: string[]): void {
  if (!got) { out.push(`${label}: expected ${show(want)}, got none`); return; }
  for (const [k, v] of Object.entries(want)) {
    if (k === "headers") headers(`${label} headers`, v as Record<string, string>, got.headers as Record<string, string>, out);
    else if (String(got[k]) !== String(v)) out.push(`${label}.${k}: expected ${show(v)}, got ${show(got[k])}`);
  }
}

function headers(label: string, want: Record<string, string | null>, got: Record<string, string> | undefined, out: string[]): void {
  const g = lower(got);
  for (const [k, v] of Object.entries(want ?? {})) {
    const have = g[k.toLowerCase()];
    if (v === null ? have !== undefined : have !== v) out.push(`${label} ${k}: expected ${v === null ? "absent" : show(v)}, got ${show(have)}`);
  }
}

/** The differences between the answer and the expectation (empty when it holds). */
export function checkExpectation(e: Record<string, unknown>, r: RouteResult): string[] {
  const out: string[] = [];
  if ("status" in e && e.status !== r.status) out.push(`status: expected ${show(e.status)}, got ${show(r.status)}`);
  if ("backend" in e && e.backend !== r.backend) out.push(`backend: expected ${show(e.backend)}, got ${show(r.backend)}`);
  if ("connection" in e && e.connection !== r.connection) out.push(`connection: expected ${show(e.connection)}, got ${show(r.connection)}`);
  if ("grpcCode" in e && String(e.grpcCode).toUpperCase() !== r.grpcCode) out.push(`grpcCode: expected ${show(e.grpcCode)}, got ${show(r.grpcCode)}`);
  if (e.redirect) fields("redirect", e.redirect as Record<string, unknown>, r.redirect as unknown as Record<string, unknown>, out);
  const up = (e.upstream ?? e.request) as Record<string, unknown> | undefined;
  if (up) fields("upstream", up, r.upstream as unknown as Record<string, unknown>, out);
  if (e.responseHeaders) headers("response header", e.responseHeaders as Record<string, string>, r.responseHeaders, out);
  if (Array.isArray(e.mirroredTo)) {
    const got = r.mirroredTo.map((m) => m.name);
    for (const m of e.mirroredTo) if (!got.includes(String(m))) out.push(`mirroredTo: expected ${m}, got ${show(got)}`);
  }
  return out;
}
