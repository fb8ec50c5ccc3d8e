// What compiling one Gateway collects on the way: http-level maps and split_clients, the njs route
// table, the files the configuration refers to (certificates, CA bundles), the upstream groups and
// the problems. Everything is keyed by content, so that equal pieces are written once.

import type { GatewayEngine } from "../../engine/gateway/engine.js";
import type { GatewayState } from "../../engine/gateway/gateways.js";
import { block, dir, literal, type Directive } from "./conf.js";
import { NginxUnsupported, type NginxProblem } from "./problems.js";
import { Upstreams, type ServiceAddresses } from "./upstreams.js";

export interface NginxOptions {
  /** Where nginx's dynamic modules are (load_module): Debian's /usr/lib/nginx/modules. */
  modulesDir: string;
  /** Addresses the listeners bind; empty: every IPv4 address. */
  listen: readonly string[];
  /** Addresses for Services whose endpoints the input does not hold. */
  serviceAddresses?: ServiceAddresses;
  /** Write an access log (relative to the configuration folder) with each request's upstream. */
  accessLog?: string;
  /** Where the pid file and error log go (absolute); default: the configuration folder. The gateway agent
   * keeps them outside the folders it swaps, so that a reload finds the running nginx. */
  runDir?: string;
  /** Where the sockets of the internal TLS servers go (absolute; default: runDir, else DEFAULT_SOCKET_DIR): a port
   * shared by TLS passthrough and terminating listeners hands each connection to one of them by SNI. */
  socketDir?: string;
}

export const DEFAULT_SOCKET_DIR = "/run/junction-nginx";
/** The longest path of a Unix socket Linux binds (sun_path, 108 bytes with its NUL). */
const MAX_SOCKET_PATH = 107;

export const DEFAULT_NGINX_OPTIONS: NginxOptions = { modulesDir: "/usr/lib/nginx/modules", listen: [] };

/** One entry of the njs route table: conditions, then where the request goes. */
export interface TableEntry {
  /** Method. */
  m?: string;
  /** Headers: [lower-case name, "E" | "R", value or JavaScript regex]. */
  h?: [string, string, string][];
  /** Query parameters: [name, "E" | "R", value or regex]. */
  q?: [string, string, string][];
  /** Path regex (JavaScript source, anchored). */
  p?: string;
  /** gRPC service and method: ["E" | "R", service or null, method or null]. */
  g?: [string, string | null, string | null];
  /** Named location the request goes to... */
  to?: string;
  /** ...or one of these, by weight. */
  w?: [number, string][];
}

/** A CORS filter's policy in the njs table (key "cN"): origins, methods, headers, exposed headers, credentials, max age. */
export interface CorsEntry { o: string[]; m: string[]; h: string[]; e: string[]; c: boolean; a: number }

export class Compilation {
  readonly problems: NginxProblem[] = [];
  readonly files = new Map<string, string>();
  readonly httpUpstreams = new Upstreams();
  readonly streamUpstreams = new Upstreams();
  readonly table: Record<string, TableEntry[] | CorsEntry> = {};
  private readonly httpMaps = new Map<string, Directive>();
  private readonly streamMaps = new Map<string, Directive>();
  private readonly tableKeys = new Map<string, string>();
  private counter = 0;
  /** Whether a literal "$" was written (the ${jx_dollar} variable is then defined). */
  dollar = false;

  constructor(readonly engine: GatewayEngine, readonly gateway: GatewayState, readonly options: NginxOptions) {}

  get gatewayName(): string { return `${this.gateway.gateway.namespace}/${this.gateway.gateway.name}`; }

  next(prefix: string): string { return `${prefix}${++this.counter}`; }

  /** Whether some server refuses requests with "_" in a header name (Envoy Gateway's default: the js_set variable $jx_underscored). */
  underscoreCheck = false;

  get usesNjs(): boolean { return Object.keys(this.table).length > 0 || this.underscoreCheck; }

  /** Whether some location applies a CORS filter (the js_set variables of the njs module are then declared). */
  get usesCors(): boolean { return Object.keys(this.table).some((k) => k.startsWith("c")); }

  /** A key of the route table holding these entries (equal lists share a key). */
  tableKey(entries: TableEntry[]): string { return this.keyOf("t", entries); }

  /** A key of the table holding this CORS policy (equal policies share a key). */
  corsKey(policy: CorsEntry): string { return this.keyOf("c", policy); }

  private keyOf(prefix: string, value: TableEntry[] | CorsEntry): string {
    const text = `${prefix}${JSON.stringify(value)}`;
    let key = this.tableKeys.get(text);
    if (!key) {
      key = `${prefix}${[...this.tableKeys.keys()].filter((k) => k.startsWith(prefix)).length + 1}`;
      this.tableKeys.set(text, key);
      this.table[key] = value;
    }
    return key;
  }

  /** An http-level map (or split_clients) `kind source $name { entries }`, written once; returns $name. */
  map(kind: "map" | "split_clients", source: string, entries: [string, string][], stream = false): string {
    const maps = stream ? this.streamMaps : this.httpMaps;
    const key = `${kind} ${source} ${JSON.stringify(entries)}`;
    const found = maps.get(key);
    if (found) return found.args[1];
    const name = `$jx_${kind === "map" ? "m" : "s"}${maps.size + 1}${stream ? "s" : ""}`;
    maps.set(key, block(kind, [source, name], entries.map(([k, v]) => (v === "" ? dir(k) : dir(k, v)))));
    return name;
  }

  httpMapDirectives(): Directive[] { return [...this.httpMaps.values()]; }
  streamMapDirectives(): Directive[] { return [...this.streamMaps.values()]; }

  /** Literal text as an argument, noting that ${jx_dollar} is needed. */
  literal(s: string): string {
    if (s.includes("$")) this.dollar = true;
    return literal(s);
  }

  /** Literal text inside a larger argument (its "$" written as ${jx_dollar}). */
  text(s: string): string {
    if (s.includes("$")) this.dollar = true;
    return s.replace(/\$/g, "${jx_dollar}");
  }

  /** The absolute path of an internal server's Unix socket, e.g. "https-443". */
  socket(name: string): string {
    const dir = (this.options.socketDir ?? this.options.runDir ?? DEFAULT_SOCKET_DIR).replace(/\/+$/, "");
    const path = `${dir}/jx-${name.replace(/[^A-Za-z0-9_.-]/g, "_")}.sock`;
    if (path.length > MAX_SOCKET_PATH) throw new NginxUnsupported("a socket path this long", `${path} is longer than the ${MAX_SOCKET_PATH} bytes a Unix socket path may have: use a shorter folder`);
    return path;
  }

  /** Writes a file of the configuration folder once; returns its path relative to nginx.conf. */
  file(path: string, content: string): string {
    this.files.set(path, content);
    return path;
  }
}
