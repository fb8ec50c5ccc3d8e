// The L7 authorization layer of the request walk (engine/request.ts), as an interface: the walk
// asks every authorizer about the request as it reaches the server endpoint (after routing, after
// the L3/L4 hop was allowed); each answers allow, deny or undecided, with its own trace. The
// implementations (Istio, Linkerd, Cilium/Calico HTTP rules, the common API) live in engine/l7/.

import type { Endpoint } from "../model/endpoint.js";
import type { Address } from "../model/ip.js";
import type { Protocol } from "../model/ports.js";
import type { Path, SourceRef } from "../model/source.js";
import type { Membership } from "./mesh/membership.js";
import type { Verdict } from "./verdict.js";

/** Who an endpoint is, as a mesh authenticates it. */
export interface Identity {
  namespace?: string;
  /** Pods: spec.serviceAccountName ("default" when unset). */
  serviceAccount?: string;
  /** The mesh identity (SPIFFE form without the scheme): TRUST_DOMAIN/ns/NAMESPACE/sa/SERVICE_ACCOUNT; set for endpoints with a proxy. */
  principal?: string;
}

/** One end of the request: the endpoint (when the model has it), its address, its identity and its proxy. */
export interface Peer {
  endpoint?: Endpoint;
  address?: Address;
  identity: Identity;
  /** Whether the endpoint runs a mesh proxy, and why Junction thinks so. */
  mesh: Membership;
}

/** The HTTP request as the server receives it: after the route's filters. */
export interface HttpFacts {
  method: string;
  /** Host header / :authority as the server sees it. */
  host: string;
  /** Path with the query string. */
  path: string;
  /** Every header line, in order (a repeated header is several lines); each authorizer reads them as its proxy does. */
  headers: readonly (readonly [string, string])[];
  grpc?: { service: string; method: string };
  /** The last X-Forwarded-For entry is an address Junction cannot know (l7/hop.ts HttpFacts): why. */
  forwardedUnknown?: string;
}

export interface AuthorizationRequest {
  /** The endpoint that opens the connection to the server (the client pod, or the Gateway's pod). */
  client: Peer;
  /** The endpoint that receives it (the backend pod the walk chose). */
  server: Peer;
  /** The port and protocol the server receives on (after Service targetPort resolution). */
  port: number;
  protocol: Protocol;
  /**
   * Both ends have a proxy of the same mesh, so the hop is mutual TLS by default and the server sees
   * the client's principal. Authorizers that know better (PeerAuthentication) decide for themselves.
   */
  mutualTls: boolean;
  /** The request as routed; undefined for TCP (and TLS the mesh does not terminate). */
  http?: HttpFacts;
  /** The Service the client dialled, when it dialled one ("namespace/name" and its port). */
  service?: { name: string; port: number };
  /** The Service, port and DestinationRule subset of the cluster a route picked (walk/answer.ts istioCluster): its DestinationRule sets the client's TLS. */
  cluster?: { name: string; port: number; subset?: string };
  /** The client is a Gateway's pod: its class's controller, and the backend Service it sends to (`service` stays unset). */
  gateway?: { controller?: string; service?: { name: string; port: number } };
  /** The ServiceEntry an ambient client's request is addressed to ("namespace/name"): its waypoint decides. */
  serviceEntry?: { name: string };
  /**
   * The L3/L4 verdict of the hop (allowed): the rule that allowed it may carry L7 conditions (Cilium,
   * Calico). Undefined: the server's address is not known (a ServiceEntry host its waypoint resolves).
   */
  network?: Verdict;
}

/** The object that decided, for explanations (file and line resolved at the edge from `src`). */
export interface PolicyRef {
  kind: string;
  namespace?: string;
  name: string;
  /** Index of the rule in the policy, when one rule decided. */
  rule?: number;
  /** The rule's field path in the object, for its line. */
  path?: Path;
  src?: SourceRef;
}

export interface AuthorizationDecision {
  verdict: "allow" | "deny" | "undecided";
  /** What enforced it, e.g. "istio sidecar of shop/api-0", "linkerd proxy", "cilium". */
  enforcer: string;
  policy?: PolicyRef;
  /** One line: why. */
  summary: string;
  /**
   * How a denial looks to the client. Default: HTTP 403 (gRPC PERMISSION_DENIED); for TCP the server
   * side closes the connection (connection "failed").
   */
  denial?: { status?: number; grpcCode?: string; connection?: "rejected" | "failed" };
  /** What was considered on the way, in order, as data. */
  trace: unknown[];
  /** With verdict "undecided": the answer turns on what Junction cannot know (why); the walk answers it is unknown. */
  unknown?: string;
}

/**
 * One L7 authorization implementation; it answers "undecided" for requests it has nothing to say
 * about. An implementation made of layers (engine/l7: transport, network policies, the mesh proxy)
 * answers one decision per layer, in the order the request meets them.
 */
export interface Authorizer {
  readonly name: string;
  authorize(req: AuthorizationRequest): AuthorizationDecision | readonly AuthorizationDecision[];
}
