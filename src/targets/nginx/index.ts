// The nginx target: one Gateway (with its listeners, attached routes, filters and backends as the
// engine resolved them) compiled into an nginx configuration folder: nginx.conf, the njs module
// and its route table when some match needs them, and the certificates. Run it with
// `nginx -p DIR/ -c DIR/nginx.conf`: every path in it is relative to DIR.

import { envoyPatched } from "../../engine/gateway/patch-policy.js";
import type { GatewayEngine } from "../../engine/gateway/engine.js";
import type { ListenerState } from "../../engine/gateway/listeners.js";
import { findGateway } from "../../engine/gateway/select.js";
import { hasIngressSemantics } from "../../model/gateway.js";
import { CORS_VARIABLES } from "./actions.js";
import { arg, block, dir, render, type Directive } from "./conf.js";
import { Compilation, type NginxOptions } from "./context.js";
import { attempt, httpServers } from "./http.js";
import { NJS_FILE, NJS_MODULE, TABLE_FILE } from "./njs.js";
import type { NginxProblem } from "./problems.js";
import { CLOSED, sharedTlsPort, streamServers } from "./stream.js";

export { DEFAULT_NGINX_OPTIONS, type NginxOptions } from "./context.js";
export { formatNginxProblem, type NginxProblem } from "./problems.js";

export const CONFIG_FILE = "nginx.conf";

export interface NginxResult {
  /** Path (relative to the configuration folder) → content; nginx.conf first. */
  files: Map<string, string>;
  problems: NginxProblem[];
  warnings: string[];
}

const HTTP_PROTOCOLS = new Set(["HTTP", "HTTPS"]);

/** Accepted listeners by port; UDP apart from the TCP-based protocols. */
function byPort(listeners: readonly ListenerState[]): ListenerState[][] {
  const groups = new Map<string, ListenerState[]>();
  for (const l of listeners) {
    if (l.accepted) continue;
    const key = `${l.listener.port}/${l.listener.protocol === "UDP" ? "udp" : "tcp"}`;
    groups.set(key, [...(groups.get(key) ?? []), l]);
  }
  return [...groups.values()].sort((a, b) => a[0].listener.port - b[0].listener.port);
}

const HTTP_PRELUDE: Directive[] = [
  dir("access_log", "off"),
  dir("client_body_temp_path", "tmp-body"), dir("proxy_temp_path", "tmp-proxy"), dir("fastcgi_temp_path", "tmp-fastcgi"),
  dir("uwsgi_temp_path", "tmp-uwsgi"), dir("scgi_temp_path", "tmp-scgi"),
  dir("server_names_hash_bucket_size", "256"), dir("map_hash_bucket_size", "256"), dir("server_tokens", "off"),
  // Header names the Gateway API allows (underscores, dots) reach the routes as they do elsewhere.
  dir("ignore_invalid_headers", "off"), dir("underscores_in_headers", "on"),
  // One try per request, as the Gateway API specifies without a retry policy.
  dir("proxy_next_upstream", "off"), dir("grpc_next_upstream", "off"),
  // The raw path and query of the request line: what the routes match and the backends receive.
  block("map", ["$request_uri", "$jx_path"], [dir('"~^(?<jx_p>[^?]*)"', "$jx_p")]),
  block("map", ["$request_uri", "$jx_query"], [dir('"~^[^?]*(?<jx_q>\\?.+)$"', "$jx_q"), dir("default", '""')]),
  block("map", ["$http_upgrade", "$jx_connection"], [dir("default", "upgrade"), dir('""', "close")]),
  block("map", ["$http_host", "$jx_host"], [dir('""', "$host"), dir("default", "$http_host")]),
];

function httpBlock(c: Compilation, servers: Directive[]): Directive {
  const njs = c.usesNjs ? [dir("js_import", "jx", "from", NJS_FILE), dir("js_preload_object", "jx_routes", "from", TABLE_FILE)] : [];
  if (c.usesCors) njs.push(...CORS_VARIABLES.map(([v, f]) => dir("js_set", v, f)));
  if (c.underscoreCheck) njs.push(dir("js_set", "$jx_underscored", "jx.underscored"));
  const dollar = c.dollar ? [block("geo", ["$jx_dollar"], [dir("default", '"$"')])] : [];
  return block("http", [], [...HTTP_PRELUDE, ...njs, ...dollar, ...c.httpMapDirectives(), ...c.httpUpstreams.directives(), ...servers]);
}

function streamBlock(c: Compilation, servers: Directive[]): Directive {
  const closed = block("upstream", [CLOSED], [dir("server", "127.0.0.1:1", "down")]);
  return block("stream", [], [...c.streamMapDirectives(), closed, ...c.streamUpstreams.directives(), ...servers]);
}

const runFile = (c: Compilation, name: string) => (c.options.runDir ? `${c.options.runDir.replace(/\/+$/, "")}/${name}` : name);

function mainConfig(c: Compilation, http: Directive[], stream: Directive[]): string {
  const modules = [...(c.usesNjs ? ["ngx_http_js_module.so"] : []), ...(stream.length ? ["ngx_stream_module.so"] : [])];
  const top: Directive[] = [
    ...modules.map((m) => dir("load_module", `${c.options.modulesDir}/${m}`)),
    dir("worker_processes", "auto"), dir("pid", arg(runFile(c, "nginx.pid"))), dir("error_log", arg(runFile(c, "error.log")), "notice"),
    block("events", [], [dir("worker_connections", "4096")]),
    httpBlock(c, http),
    ...(stream.length ? [streamBlock(c, stream)] : []),
  ];
  const header = [
    `# nginx configuration of Gateway ${c.gatewayName}, compiled by Junction from the Gateway API objects.`,
    "# Run it with: nginx -p DIR/ -c DIR/nginx.conf (every path below is relative to DIR).",
  ];
  return `${header.join("\n")}\n${render(top)}`;
}

/** The route table as JSON, one entry (or CORS policy) a line. */
function tableJson(table: Record<string, unknown>): string {
  const keys = Object.entries(table).map(([k, v]) => `${JSON.stringify(k)}: ${Array.isArray(v) ? `[\n${v.map((e) => `  ${JSON.stringify(e)}`).join(",\n")}\n]` : JSON.stringify(v)}`);
  return `{\n${keys.join(",\n")}\n}\n`;
}

/** Compiles Gateway `ref` ("namespace/name"); a string when there is no such Gateway. */
export function compileNginx(engine: GatewayEngine, ref: string, options: NginxOptions): NginxResult | string {
  const gw = findGateway(engine, ref);
  if (typeof gw === "string") return gw;
  const c = new Compilation(engine, gw, options);
  const warnings: string[] = [];
  if (hasIngressSemantics(gw.gateway)) c.problems.push({ object: `Gateway ${c.gatewayName}`, feature: "a Gateway standing for an IngressClass", message: "compile the Ingresses with ingress-nginx itself, or convert them (junction convert ingress)" });
  // An EnvoyPatchPolicy rewrites Envoy's configuration in ways nginx cannot be told (engine/gateway/patch-policy.ts).
  const patched = envoyPatched(engine.inv.routing, gw);
  if (patched) c.problems.push({ object: `Gateway ${c.gatewayName}`, feature: "an EnvoyPatchPolicy", message: patched });
  const http: Directive[] = [], stream: Directive[] = [];
  const accepted = !gw.rejected || gw.rejected.reason === "ListenersNotValid";
  if (!accepted) warnings.push(`Gateway ${c.gatewayName} is not accepted (${gw.rejected!.reason}): nothing is programmed`);
  // The listeners of the ListenerSets the Gateway takes are merged with its own, as the engine merges them.
  const sets = engine.listenerSets.filter((s) => s.gateway === gw && (!s.rejected || s.rejected.reason === "ListenersNotValid"));
  for (const group of accepted ? byPort([...gw.listeners, ...sets.flatMap((s) => s.listeners)]) : []) {
    const kinds = new Set(group.map((l) => HTTP_PROTOCOLS.has(l.listener.protocol) ? "http" : "stream"));
    if (kinds.size > 1) {
      const what = { object: `Gateway ${c.gatewayName}`, src: gw.gateway.src };
      // HTTPS and TLS listeners: one ssl_preread server hands each connection to its listener by SNI.
      if (group.every((l) => l.listener.protocol === "HTTPS" || l.listener.protocol === "TLS")) {
        const shared = attempt(c, what, { http: [], stream: [] }, () => sharedTlsPort(c, group));
        http.push(...shared.http);
        stream.push(...shared.stream);
      } else c.problems.push({ ...what, feature: "plain HTTP or TCP and TLS listeners on one port", message: `port ${group[0].listener.port}: listeners ${group.map((l) => l.listener.name).join(", ")}` });
      continue;
    }
    if (kinds.has("http")) http.push(...httpServers(c, group));
    else stream.push(...streamServers(c, group));
  }
  const files = new Map<string, string>([[CONFIG_FILE, mainConfig(c, http, stream)]]);
  if (c.usesNjs) { files.set(NJS_FILE, NJS_MODULE); files.set(TABLE_FILE, tableJson(c.table)); }
  for (const [path, text] of c.files) files.set(path, text);
  return { files, problems: c.problems, warnings };
}
