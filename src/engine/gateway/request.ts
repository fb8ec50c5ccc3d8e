// What a Gateway makes of a request: the answer, the upstream request, and the explanation as data.

export type { RouteRequest, Scheme } from "../../model/request.js";

export interface BackendShare {
  name: string;
  kind: string;
  port?: number;
  weight: number;
  /** Why requests sent to this backend fail (500, or the status the text starts with), if they do. */
  problem?: string;
}

export interface Redirect { scheme: string; host: string; port: number | null; path: string; statusCode: number; location: string }

/** The request as the backend sees it; HTTP fields are absent for TLS/TCP/UDP routes. */
export interface Upstream {
  host?: string;
  path?: string;
  method?: string;
  headers?: Record<string, string>;
  /**
   * Every header line the backend receives, in order (a repeated header is several lines): the
   * authorizers read them as their proxy does (Envoy joins a repeated header's values with ",",
   * Linkerd matches each). Not printed: `headers` shows them as Envoy reads them.
   */
  headerList?: [string, string][];
  /** Whether the backend sees TLS (passthrough, or BackendTLSPolicy), and the SNI it sees. */
  tls: boolean;
  sni?: string;
  /** Secret "namespace/name" of the client certificate the Gateway presents to the backend. */
  clientCert?: string;
}

/** One step of the explanation: what was considered at a stage and how it came out. */
/** `policy`: an Envoy Gateway BackendTrafficPolicy (what some requests get; with `detail`, a note that is not about the answer). */
export interface Step { stage: "gateway" | "listener" | "certificate" | "route" | "filter" | "access" | "backend" | "endpoints" | "backend-model" | "policy"; outcome: string; detail?: unknown }

/** A route rule match that applied to the request, and the precedence it lost or won on. */
export interface Candidate {
  route: string;
  rule: number;
  ruleName?: string;
  match: number;
  hostname?: string;
  /** "won", or why it lost to the winner. */
  outcome: string;
}

export interface RouteResult {
  status: number | null;
  connection?: "rejected" | "failed";
  grpcCode?: string;
  backend: string | null;
  backends: BackendShare[];
  redirect: Redirect | null;
  upstream: Upstream | null;
  responseHeaders: Record<string, string>;
  mirroredTo: { name: string; percent: number }[];
  gateway?: string;
  listener?: string;
  route?: string;
  rule?: number;
  ruleName?: string;
  match?: number;
  filters: string[];
  /** Every rule match that applied, best first. */
  candidates: Candidate[];
  steps: Step[];
  /** One line: why this is the answer. */
  reason: string;
  /** Set (with status null) when the answer depends on what Junction cannot see (an Envoy Gateway SecurityPolicy's external authorization service, a token's signature): what it depends on. */
  undetermined?: string;
}

export function emptyResult(): RouteResult {
  // Keys in the order JSON output shows them: where the request went, then the answer.
  return {
    gateway: undefined, listener: undefined, route: undefined, rule: undefined, ruleName: undefined, match: undefined,
    status: null, backend: null, backends: [], redirect: null, upstream: null, responseHeaders: {}, mirroredTo: [], filters: [], candidates: [], steps: [], reason: "",
  };
}

export { DEFAULT_PORT, usesTls } from "../../model/request.js";
