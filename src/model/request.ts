// A request as a client sends it: to a Gateway, or from a pod to what it dials (in-mesh), for the request walk.

import type { Address } from "./ip.js";

export type Scheme = "http" | "https" | "ws" | "wss" | "tls" | "tcp" | "udp";

export interface RouteRequest {
  /** "namespace/name"; unset: the one Gateway listening on the port for this host (or, with `from`, an in-mesh request). */
  gateway?: string;
  /** The client that sends the request, as the CLI names endpoints ("namespace/pod"); unset: a client outside the cluster. */
  from?: string;
  /** The port the client connects to (a listener port, or a Service or pod port in the mesh); default from the scheme. */
  port?: number;
  scheme: Scheme;
  /** Host header / :authority (in-mesh: also the name dialled); may carry a port, which hostname matching ignores. */
  host?: string;
  /** Path with query string. */
  path: string;
  method: string;
  headers: [string, string][];
  /** TLS server name; default: the host. */
  sni?: string;
  /** "grpc", "H2", "H2C_PRIOR_KNOWLEDGE", "websocket", "tls-passthrough". */
  protocol?: string;
  /** Secret "namespace/name" holding the client certificate presented. */
  clientCert?: string;
  /** Headers the backend puts on its response (before ResponseHeaderModifier filters). */
  backendResponseHeaders: [string, string][];
  /** The address the Gateway sees the connection from (the walk sets it from `from`); unset: unknown, a client outside the model. */
  clientAddress?: Address;
}

/** gRPC status codes by number (grpc/grpc doc/statuscodes.md). */
export const GRPC_STATUS_NAMES: readonly string[] = ["OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND", "ALREADY_EXISTS", "PERMISSION_DENIED",
  "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED"];

/** A gRPC status code's name (a number, or its decimal digits as a grpc-status header carries them); any other value as itself. */
export const grpcStatusName = (code: number | string): string => (/^\d+$/.test(String(code)) ? GRPC_STATUS_NAMES[Number(code)] : undefined) ?? String(code);

/** What a gRPC client reports for an HTTP status without grpc-status (grpc/grpc doc/http-grpc-status-mapping.md); another status: UNKNOWN. */
export const GRPC_OF_HTTP: Readonly<Record<number, string>> = { 400: "INTERNAL", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED", 404: "UNIMPLEMENTED", 429: "UNAVAILABLE", 502: "UNAVAILABLE", 503: "UNAVAILABLE", 504: "UNAVAILABLE" };

export const DEFAULT_PORT: Record<Scheme, number> = { http: 80, ws: 80, https: 443, wss: 443, tls: 443, tcp: 0, udp: 0 };
export const usesTls = (s: Scheme): boolean => s === "https" || s === "wss" || s === "tls";
/** Whether the client speaks plain HTTP on the connection (what a mesh proxy's HTTP routes see). */
export const speaksHttp = (req: Pick<RouteRequest, "scheme">): boolean => req.scheme === "http" || req.scheme === "ws";

/** The scheme a request is written with: gRPC over h2c / TLS is "grpc://" / "grpcs://" (the request line's forms), not its HTTP scheme. */
export const shownScheme = (q: Pick<RouteRequest, "scheme" | "protocol">): string =>
  q.protocol === "grpc" && (q.scheme === "http" || q.scheme === "https") ? (q.scheme === "http" ? "grpc" : "grpcs") : q.scheme;

/** Whether a request protocol (RouteRequest.protocol) speaks HTTP/2: gRPC, H2, H2C_PRIOR_KNOWLEDGE. */
export const speaksHttp2 = (protocol: string | undefined): boolean => protocol === "grpc" || protocol === "H2" || protocol === "H2C_PRIOR_KNOWLEDGE";

/**
 * How a proxy reads a header or query parameter that a request repeats. "envoy" (Envoy Gateway,
 * Istio, Cilium, Calico's Envoy): a header's values joined with "," (HeaderUtility::
 * getAllOfHeaderAsString, RFC 7230 3.2.2), a query parameter's first value. "each" (Linkerd's proxy,
 * linkerd/http/route/src/http/match header.rs and query_param.rs): a match on any one value.
 * "nginx" (ingress-nginx, whose canary rules read `$http_NAME`): a header's values joined with ", "
 * (src/http/ngx_http_variables.c ngx_http_variable_unknown_header, nginx 1.23+), a Cookie header's
 * with "; " (ngx_http_variable_cookies), so a cookie in any Cookie line is found; `$arg_NAME` is
 * a query parameter's first value.
 */
export type RepeatedReading = "envoy" | "each" | "nginx";

/** The values a header match on `name` is tried on. */
export function headerReadings(values: readonly string[], reading: RepeatedReading, name = ""): readonly string[] {
  if (reading === "each" || values.length < 2) return values;
  return [values.join(reading === "envoy" ? "," : name.toLowerCase() === "cookie" ? "; " : ", ")];
}

/** The values a query parameter match is tried on. */
export function queryReadings(values: readonly string[], reading: RepeatedReading): readonly string[] {
  return reading === "each" ? values : values.slice(0, 1);
}
