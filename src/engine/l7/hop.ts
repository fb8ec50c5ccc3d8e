// What the L7 layer is asked about: one hop of a request (client → server endpoint, after routing and
// after the L3/L4 verdict allowed the connection), and what it answers, layer by layer, as data.

import type { Endpoint, Service, ServicePort } from "../../model/endpoint.js";
import type { Address } from "../../model/ip.js";
import type { PolicyRef } from "../authorizer.js";
import type { Verdict } from "../verdict.js";

/**
 * The proxy an endpoint runs, i.e. its enforcement point for L7 policy:
 *   none            nothing enforces L7 policy (and the endpoint sends plaintext)
 *   istio-sidecar   Envoy next to the app: HTTP ports get the HTTP filters, other ports TCP filters
 *   istio-ambient   ztunnel on the node: L4 only (identities, addresses, ports); HTTP rules need a
 *                   waypoint (Hop.waypoint), an Envoy in front of the workload that enforces the
 *                   policies attached to it or to the Service with targetRefs
 *   linkerd         the Linkerd proxy: Servers, routes and authorizations
 */
export type ProxyKind = "none" | "istio-sidecar" | "istio-ambient" | "linkerd";

export interface HopEnd {
  endpoint?: Endpoint;
  address?: Address;
  proxy: ProxyKind;
}

/** An HTTP request as the server's proxy receives it. */
export interface HttpFacts {
  method: string;
  /** Host header / :authority as sent. */
  host: string;
  /** Path with query string, as sent. */
  path: string;
  headers: readonly (readonly [string, string])[];
  /** gRPC: a denial is a grpc-status, not an HTTP status. */
  grpc?: boolean;
  /**
   * The last X-Forwarded-For entry is an address Junction cannot know (a gateway appended or set the
   * address its PROXY protocol header gave, or a node's): why. Undefined: the header says it all.
   */
  forwardedUnknown?: string;
}

export interface Hop {
  client: HopEnd;
  /** The endpoint that receives the request (a pod or Workload chosen by routing), and its address. */
  server: HopEnd & { endpoint: Endpoint };
  /** The port the server receives on (after Service targetPort resolution). */
  port: number;
  /** The Service the client dialled, and the port of it, when it dialled one. */
  service?: { service: Service; port: ServicePort };
  /** The cluster the client's proxy connects to when a route picked it (another Service, a DestinationRule subset): the DestinationRule that sets its TLS is this one's. */
  cluster?: { service: Service; port: ServicePort; subset?: string };
  /** The request; undefined: a TCP connection. */
  http?: HttpFacts;
  /** The L3/L4 verdict of the hop (it allowed the connection): its rules may carry HTTP conditions. */
  network?: Verdict;
  /** The waypoint the request goes through (ambient), when the destination uses one. */
  waypoint?: { name: string; namespace: string };
  /**
   * The client's address as the server sees it is one Junction cannot know (`client.address` is then
   * unset): why, e.g. kube-proxy masqueraded it to a node the input does not hold.
   */
  clientUnknown?: string;
  /** The ServiceEntry the request is addressed to (its waypoint's policies attached to it apply). */
  serviceEntry?: { name: string; namespace: string };
}

/** The object that decided: one type for the walk and its L7 layers. */
export type { PolicyRef };

export type Denial = { status: number; grpcCode?: string } | { connection: "failed" | "rejected" };

/** One layer's answer. */
export interface LayerDecision {
  layer: "transport" | "network" | "istio" | "linkerd";
  /** What enforced it, e.g. "Istio sidecar of shop/api-0 (HTTP, port 8080)". */
  enforcer: string;
  verdict: "allow" | "deny" | "undecided";
  policy?: PolicyRef;
  /** One line: why. */
  summary: string;
  /** How a denial looks to the client. */
  denial?: Denial;
  /** What was considered, in order (one line each). */
  trace: string[];
  warnings: string[];
  /** Set with verdict "undecided" when the answer turns on what Junction cannot know (the client address a proxy reads): why. */
  unknown?: string;
}

export interface L7Result {
  /** Every layer allowed (an undecided layer — an external authorizer — is taken to allow, with a warning). */
  allowed: boolean;
  /** The first denial, as the client sees it. */
  denial?: Denial;
  /** The mutual-TLS identity the server saw, when the hop was mutual TLS. */
  principal?: string;
  layers: LayerDecision[];
}

/** How a denial looks to the client: a closed connection for TCP (or L4 enforcement), else 403 (gRPC: PERMISSION_DENIED). */
export function denialOf(hop: Hop, connectionLevel = false): Denial {
  if (connectionLevel || !hop.http) return { connection: "failed" };
  return hop.http.grpc ? { status: 200, grpcCode: "PERMISSION_DENIED" } : { status: 403 };
}
