// Inputs for the nginx target's tests: a Gateway with gRPC, a mirror and per-backend filters
// (beside examples/nginx), and routes with features nginx cannot express exactly.

const svc = (name: string, ip: string, extra = "") => `---
apiVersion: v1
kind: Service
metadata: {name: ${name}, namespace: apps}
spec: {clusterIP: ${ip}, ports: [{port: 80${extra}}]}`;

export const BASE = `
apiVersion: v1
kind: Namespace
metadata: {name: apps}
---
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: test}
spec: {controllerName: example.com/test}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw, namespace: apps}
spec:
  gatewayClassName: test
  listeners:
  - {name: http, port: 8080, protocol: HTTP}
  - {name: grpc, port: 9090, protocol: HTTP, hostname: grpc.example.com}
${svc("v1", "10.96.1.1")}
${svc("v2", "10.96.1.2")}
${svc("audit", "10.96.1.3")}
${svc("grpc", "10.96.1.4", ", appProtocol: kubernetes.io/h2c")}
`;

export const ROUTES = `---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: web, namespace: apps}
spec:
  parentRefs: [{name: gw, sectionName: http}]
  rules:
  - matches: [{path: {type: RegularExpression, value: "/items/[0-9]+"}}]
    filters:
    - type: RequestMirror
      requestMirror: {backendRef: {name: audit, port: 80}, percent: 25}
    backendRefs: [{name: v1, port: 80}]
  - matches: [{path: {type: PathPrefix, value: /split}}]
    backendRefs:
    - name: v1
      port: 80
      weight: 1
      filters: [{type: RequestHeaderModifier, requestHeaderModifier: {add: [{name: x-backend, value: v1}]}}]
    - name: v2
      port: 80
      weight: 3
      filters: [{type: RequestHeaderModifier, requestHeaderModifier: {add: [{name: x-backend, value: v2}]}}]
  - matches: [{headers: [{type: RegularExpression, name: x-version, value: "v[0-9]"}]}, {method: DELETE}]
    backendRefs: [{name: v2, port: 80}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: GRPCRoute
metadata: {name: echo, namespace: apps}
spec:
  parentRefs: [{name: gw, sectionName: grpc}]
  rules:
  - matches: [{method: {service: echo.Echo, method: Say}}]
    backendRefs: [{name: grpc, port: 80}]
  - matches: [{method: {type: RegularExpression, service: "echo\\\\..*"}}]
    backendRefs: [{name: v2, port: 80}]
`;

/**
 * CORS filters (Gateway API v1.3+ HTTPRouteCORS): an exact and a wildcard origin with credentials,
 * methods, headers and exposed headers; wildcards everywhere; a response modifier before the
 * filter (it applies to the preflight's answer too) and a redirect after it (a preflight is
 * answered before the redirect); a backend with a CORS filter of its own in a split.
 */
export const CORS = `---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: cors, namespace: apps}
spec:
  parentRefs: [{name: gw, sectionName: http}]
  rules:
  - matches: [{path: {type: PathPrefix, value: /api}}]
    filters:
    - type: ResponseHeaderModifier
      responseHeaderModifier: {set: [{name: x-gateway, value: edge}]}
    - type: CORS
      cors:
        allowOrigins: ["https://www.example.com", "https://*.example.org"]
        allowMethods: [GET, POST]
        allowHeaders: [x-token]
        exposeHeaders: [x-request-id]
        allowCredentials: true
        maxAge: 600
    backendRefs: [{name: v1, port: 80}]
  - matches: [{path: {type: PathPrefix, value: /open}}]
    filters: [{type: CORS, cors: {allowOrigins: ["*"], allowMethods: ["*"], allowHeaders: ["*"]}}]
    backendRefs: [{name: v2, port: 80}]
  - matches: [{path: {type: Exact, value: /moved}}]
    filters:
    - {type: CORS, cors: {allowOrigins: ["https://www.example.com"]}}
    - {type: RequestRedirect, requestRedirect: {path: {type: ReplaceFullPath, replaceFullPath: /api}, statusCode: 302}}
  - matches: [{path: {type: PathPrefix, value: /split}}]
    backendRefs:
    - {name: v1, port: 80}
    - name: v2
      port: 80
      filters: [{type: CORS, cors: {allowOrigins: ["https://*.example.com"]}}]
`;

/** An HTTPRoute on infra's gw whose rule 1 (named "slow") has a timeout, and rule 2 a CORS filter after a modifier of Origin. */
export const UNSUPPORTED = `---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: odd, namespace: apps}
spec:
  parentRefs: [{name: gw, sectionName: http}]
  rules:
  - backendRefs: [{name: v1, port: 80}]
  - name: slow
    matches: [{path: {type: PathPrefix, value: /slow}}]
    timeouts: {request: 2s}
    backendRefs: [{name: v1, port: 80}]
  - matches: [{path: {type: PathPrefix, value: /cors}}]
    filters:
    - {type: RequestHeaderModifier, requestHeaderModifier: {set: [{name: Origin, value: "https://www.example.com"}]}}
    - {type: CORS, cors: {allowOrigins: ["https://*.example.com"]}}
    backendRefs: [{name: v1, port: 80}]
`;
