// The facts the authorizers are given: each end's identity and mesh membership, the request as routed.

import type { AuthorizationRequest, Identity, Peer } from "../authorizer.js";
import type { Serving } from "../serving.js";
import type { Verdict } from "../verdict.js";
import type { Party } from "../match.js";
import type { ForwardedFor, Walk, WalkContext } from "./answer.js";
import { protocolOf } from "./serve.js";
import { formatAddress } from "../../model/ip.js";

/** Who an end is to the authorizers: its identity (a principal when it is in the mesh) and its mesh membership. */
export function peerOf(ctx: WalkContext, p: Party): Peer {
  const e = p.endpoint;
  const mesh = ctx.membership.of(e);
  const identity: Identity = { namespace: e?.namespace, serviceAccount: e?.kind === "pod" ? e.serviceAccount ?? "default" : e?.serviceAccount };
  if (mesh.inMesh && identity.namespace) identity.principal = `${ctx.trustDomain}/ns/${identity.namespace}/sa/${identity.serviceAccount ?? "default"}`;
  return { endpoint: e, address: p.address ?? e?.addresses[0], identity, mesh };
}

/** The request as `to` receives it; `network`: the L3/L4 verdict of the hop (undefined: the address is not known). */
export function authorizationRequest(w: Walk, from: Party, to: Serving, network: Verdict | undefined): AuthorizationRequest {
  const client = peerOf(w.ctx, from), server = peerOf(w.ctx, { endpoint: to.endpoint, address: to.address });
  const u = w.res.upstream;
  const grpc = w.req.protocol === "grpc" && u?.path ? /^\/([^/]+)\/([^/?]+)/.exec(u.path) : null;
  const entry = w.res.entry;
  return {
    client, server, port: to.port, protocol: protocolOf(w.req),
    mutualTls: client.mesh.inMesh && server.mesh.inMesh && client.mesh.mesh === server.mesh.mesh,
    http: u?.path !== undefined ? {
      method: u.method ?? "GET", host: u.host ?? "", path: u.path, headers: forwardedHeaders(u.headerList ?? Object.entries(u.headers ?? {}), w.forwarded),
      ...(grpc ? { grpc: { service: grpc[1], method: grpc[2] } } : {}), ...(w.forwarded?.unknown ? { forwardedUnknown: w.forwarded.unknown } : {}),
    } : undefined,
    service: entry.kind === "service" ? { name: entry.service, port: entry.port } : undefined,
    ...(w.istioCluster ? { cluster: { name: w.istioCluster.service, port: w.istioCluster.port, ...(w.istioCluster.subset ? { subset: w.istioCluster.subset } : {}) } } : {}),
    ...(w.via ? { gateway: w.via } : {}),
    ...(w.serviceEntry ? { serviceEntry: { name: `${w.serviceEntry.namespace}/${w.serviceEntry.name}` } } : {}),
    ...(network ? { network } : {}),
  };
}

/**
 * The headers the backend receives when the Gateway writes X-Forwarded-For (`f`). Envoy's codec folds
 * repeated X-Forwarded-For headers into one (an inline header, joined with ","), and appendXff adds
 * the address after a "," (HeaderMap appendForwardedFor(address, ",")), or sets it when there was none;
 * nginx's $full_x_forwarded_for is "$http_x_forwarded_for, $realip_remote_addr" (its variable joins
 * repeated headers with ", "). `set`: the address alone. An address Junction cannot know is left out
 * of the text (the request then says so: HttpFacts forwardedUnknown), the client's entries before it kept.
 */
function forwardedHeaders(headers: readonly (readonly [string, string])[], f: ForwardedFor | undefined): [string, string][] {
  if (!f) return headers.map(([k, v]) => [k, v]);
  const isXff = (k: string) => k.toLowerCase() === "x-forwarded-for";
  const sent = f.how === "set" ? "" : headers.filter(([k]) => isXff(k)).map(([, v]) => v).join(",");
  const value = f.address ? (sent ? `${sent},${formatAddress(f.address)}` : formatAddress(f.address)) : sent;
  return [...headers.filter(([k]) => !isXff(k)).map(([k, v]): [string, string] => [k, v]), ...(value ? [["x-forwarded-for", value] as [string, string]] : [])];
}
