// Inputs for the nginx target's tests: a Gateway with gRPC, a mirror and per-backend filters
// (beside examples/nginx), and routes with features nginx cannot express exactly.

/** A Service in apps with port 80 (and `extra` fields of that port), after a document separator. */
export const svc = (name: string, ip: string, extra = "") => `---
apiVersion: v1
kind: Service
metadata: {name: ${name}, namespace: apps}
spec: {clusterIP: ${ip}, ports: [{port: 80${extra}}]}`;

/** Namespace apps, GatewayClass test and the head of Gateway apps/gw: its spec's next lines follow. */
export const GATEWAY_HEAD = `apiVersion: v1
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
`;

export const BASE = `
${GATEWAY_HEAD}  listeners:
  - {name: http, port: 8080, protocol: HTTP}
  - {name: grpc, port: 9090, protocol: HTTP, hostname: grpc.example.com}
${svc("v1", "10.96.1.1")}
${svc("v2", "10.96.1.2")}
${svc("audit", "10.96.1.3")}
${svc("grpc", "10.96.1.4", ", appProtocol: kubernetes.io/h2c")}
`;

/** The head of HTTPRoute apps/NAME on listener http of apps/gw, up to `rules:`: its rules follow. */
export const routeHead = (name: string) => `---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: ${name}, namespace: apps}
spec:
  parentRefs: [{name: gw, sectionName: http}]
  rules:
`;

export const ROUTES = `${routeHead("web")}  - matches: [{path: {type: RegularExpression, value: "/items/[0-9]+"}}]
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

const secret = (name: string, pair: { crt: string; key: string }) => `---
apiVersion: v1
kind: Secret
metadata: {name: ${name}, namespace: apps}
type: kubernetes.io/tls
data: {tls.crt: ${pair.crt}, tls.key: ${pair.key}}`;

/**
 * TLS listeners sharing ports: on 443 two HTTPS listeners (an exact and a wildcard hostname, each
 * with its certificate), a TLS passthrough listener whose hostname the wildcard also covers (the
 * exact one is the more specific: passthrough) and a terminating TLS listener; on 8883 two
 * terminating TLS listeners with their own certificates. `pairs` are the two certificates (the
 * first for *.example.com, the second for abc.example.com, served by the shop listener too, so that
 * a test can tell which listener's certificate an SNI got).
 */
export function sharedTls(pairs: [{ crt: string; key: string }, { crt: string; key: string }]): string {
  let ip = 10;
  const tcp = (name: string, port: number) => `---
apiVersion: v1
kind: Service
metadata: {name: ${name}, namespace: apps}
spec: {clusterIP: 10.96.2.${ip++}, selector: {app: ${name}}, ports: [{port: ${port}}]}`;
  const tlsRoute = (name: string, section: string, host: string, backend: string, port: number) => `---
apiVersion: gateway.networking.k8s.io/v1alpha2
kind: TLSRoute
metadata: {name: ${name}, namespace: apps}
spec:
  parentRefs: [{name: edge, sectionName: ${section}}]
  hostnames: ["${host}"]
  rules: [{backendRefs: [{name: ${backend}, port: ${port}}]}]`;
  return `apiVersion: v1
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
metadata: {name: edge, namespace: apps}
spec:
  gatewayClassName: test
  listeners:
  - {name: shop, port: 443, protocol: HTTPS, hostname: shop.example.com, tls: {certificateRefs: [{name: abc-cert}]}}
  - {name: wild, port: 443, protocol: HTTPS, hostname: "*.example.com", tls: {certificateRefs: [{name: server-cert}]}}
  - {name: legacy, port: 443, protocol: TLS, hostname: legacy.example.com, tls: {mode: Passthrough}}
  - {name: mqtt, port: 443, protocol: TLS, hostname: abc.example.net, tls: {mode: Terminate, certificateRefs: [{name: abc-cert}]}}
  - {name: abc, port: 8883, protocol: TLS, hostname: abc.example.com, tls: {mode: Terminate, certificateRefs: [{name: abc-cert}]}}
  - {name: rest, port: 8883, protocol: TLS, hostname: "*.example.com", tls: {mode: Terminate, certificateRefs: [{name: server-cert}]}}
${secret("server-cert", pairs[0])}
${secret("abc-cert", pairs[1])}
${tcp("shop", 8080)}
${tcp("wild", 8080)}
${tcp("legacy", 8443)}
${tcp("mqtt", 1883)}
${tcp("abc", 9000)}
${tcp("rest", 9000)}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: shop, namespace: apps}
spec:
  parentRefs: [{name: edge, sectionName: shop}]
  rules: [{backendRefs: [{name: shop, port: 8080}]}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: wild, namespace: apps}
spec:
  parentRefs: [{name: edge, sectionName: wild}]
  rules: [{backendRefs: [{name: wild, port: 8080}]}]
${tlsRoute("legacy", "legacy", "legacy.example.com", "legacy", 8443)}
${tlsRoute("mqtt", "mqtt", "abc.example.net", "mqtt", 1883)}
${tlsRoute("abc", "abc", "abc.example.com", "abc", 9000)}
${tlsRoute("rest", "rest", "*.example.com", "rest", 9000)}
`;
}

/**
 * BackendTLSPolicy on TLSRoutes the Gateway terminates: listener `secure` (8443) re-encrypts to
 * Service secure with hostname abc.example.com, which its pod's certificate (`backend`, issued by
 * `ca`) names; listener `wrong` (9443) to Service wrong with hostname wrong.example.com, which it
 * does not. The pods are in the input without addresses, as a Deployment's are before they run.
 * `oneListener`: both routes on listener secure (hostnames a. and b.example.com), the second policy
 * with hostname other.example.com (also valid): two policies behind one terminating listener.
 */
export function backendTlsTerminate(ca: string, server: { crt: string; key: string }, backend: { crt: string; key: string }, oneListener = false): string {
  const pod = (name: string) => `---
apiVersion: v1
kind: Pod
metadata: {name: ${name}-0, namespace: apps, labels: {app: ${name}}}
spec:
  containers: [{name: echo, image: echo, volumeMounts: [{name: certs, mountPath: /etc/certs}]}]
  volumes: [{name: certs, secret: {secretName: backend-cert}}]
---
apiVersion: v1
kind: Service
metadata: {name: ${name}, namespace: apps}
spec: {clusterIP: 10.96.3.${name.length}, selector: {app: ${name}}, ports: [{port: 443, targetPort: 8443}]}`;
  const route = (name: string, section: string, host: string) => `---
apiVersion: gateway.networking.k8s.io/v1alpha2
kind: TLSRoute
metadata: {name: ${name}, namespace: apps}
spec:
  parentRefs: [{name: edge, sectionName: ${section}}]
${oneListener ? `  hostnames: [${host}]\n` : ""}  rules: [{backendRefs: [{name: ${name}, port: 443}]}]`;
  const policy = (name: string, hostname: string) => `---
apiVersion: gateway.networking.k8s.io/v1
kind: BackendTLSPolicy
metadata: {name: ${name}, namespace: apps}
spec:
  targetRefs: [{group: "", kind: Service, name: ${name}}]
  validation: {caCertificateRefs: [{group: "", kind: ConfigMap, name: backend-ca}], hostname: ${hostname}}`;
  return `apiVersion: v1
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
metadata: {name: edge, namespace: apps}
spec:
  gatewayClassName: test
  listeners:
  - {name: secure, port: 8443, protocol: TLS, tls: {mode: Terminate, certificateRefs: [{name: server-cert}]}}
  - {name: wrong, port: 9443, protocol: TLS, tls: {mode: Terminate, certificateRefs: [{name: server-cert}]}}
${secret("server-cert", server)}
${secret("backend-cert", backend)}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: backend-ca, namespace: apps}
data:
  ca.crt: |
${ca.trim().split("\n").map((l) => `    ${l}`).join("\n")}
${pod("secure")}
${pod("wrong")}
${route("secure", "secure", "a.example.com")}
${route("wrong", oneListener ? "secure" : "wrong", "b.example.com")}
${policy("secure", "abc.example.com")}
${policy("wrong", oneListener ? "other.example.com" : "wrong.example.com")}
`;
}

/** The files of a `compile --target nginx` bundle ("# ==> NAME <==" before each). */
export function unbundle(text: string): Map<string, string> {
  const files = new Map<string, string>();
  const parts = text.split(/^# ==> (.+) <==\n/m);
  for (let i = 1; i < parts.length; i += 2) files.set(parts[i], i + 2 < parts.length ? parts[i + 1].replace(/\n$/, "") : parts[i + 1]);
  return files;
}
