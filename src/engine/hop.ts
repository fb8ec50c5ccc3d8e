// The L3/L4 hop of a request: from the client (or the proxy that forwards for it) to one endpoint
// of the chosen backend, decided by the network policies of every tier. The answer follows the
// first endpoint (pods of the input first, then by name) the policies allow; the endpoints they deny are reported, because a
// load balancer that picks one of them fails the request.

import type { Protocol } from "../model/ports.js";
import type { Party } from "./match.js";
import type { Serving } from "./serving.js";
import type { PolicyEngine, Verdict } from "./verdict.js";

export interface HopOutcome {
  /** The hop the answer follows: to the first allowed endpoint, else to the first endpoint (denied). */
  verdict: Verdict;
  to: Serving;
  /** Every endpoint considered. */
  endpoints: number;
  /** Hops to other endpoints of the backend that the policies deny. */
  denied: { to: Serving; verdict: Verdict }[];
}

export function checkHop(policy: PolicyEngine, from: Party, endpoints: readonly Serving[], protocol: Protocol): HopOutcome | undefined {
  const all = endpoints.map((to) => ({ to, verdict: policy.evaluate({ src: from, dst: { endpoint: to.endpoint, address: to.address }, protocol, port: to.port }) }));
  if (!all.length) return undefined;
  const chosen = all.find((h) => h.verdict.allowed) ?? all[0];
  return { verdict: chosen.verdict, to: chosen.to, endpoints: all.length, denied: all.filter((h) => h !== chosen && !h.verdict.allowed) };
}
