// Which ingress-nginx controller of the input serves an Ingress class: each controller is its own nginx, with its
// own ConfigMap and pods. ingress-nginx (internal/ingress/controller/store/store.go) keeps only the IngressClasses
// whose spec.controller is its --controller-class (or, with --ingress-class-by-name, the one named --ingress-class),
// and GetIngressClass takes an Ingress by spec.ingressClassName (an IngressClass it keeps), else by the
// kubernetes.io/ingress.class annotation ("if class != icConfig.AnnotationValue ... not equal to the expected"), else,
// with --watch-ingress-without-class, every Ingress without either ("_").

import { effectiveClass, servedByIngressNginx, type Ingress } from "./ingress.js";
import type { Inventory } from "./inventory.js";
import type { NginxController, NginxControllerConfig } from "./nginx.js";

/** What serves an ingress-nginx class: its controllers, and the settings of their ConfigMap. */
export interface IngressNginxServing {
  /** The controllers of the input serving the class (empty: none does, or the input holds none; the Helm chart's ConfigMap then stands in). */
  controllers: NginxController[];
  /** The first controller's ConfigMap settings (undefined: none Junction reads, or the defaults). */
  config?: NginxControllerConfig;
  /** Whether the settings are known (the controller names no ConfigMap, or the input holds it). */
  known: boolean;
}

/** The class an Ingress of `ing` is served under: effectiveClass, else the class of a controller watching Ingresses without one. */
export function ingressClassOf(ing: Ingress, inv: Inventory): string | undefined {
  const cls = effectiveClass(ing, inv.ingress.classes);
  if (cls !== undefined) return cls;
  const c = (inv.ingressNginxControllers ?? []).find((x) => x.withoutClass);
  if (!c) return undefined;
  // store.go GetIngressClass: `return "_", nil`: the controller serves it among its own Ingresses, in the one nginx.
  const kept = inv.ingress.classes.filter((k) => keeps(c, k.name, k.controller));
  return kept.length === 1 ? kept[0].name : c.ingressClass;
}

/** The IngressClass event handler: the controller keeps an IngressClass named `name` with spec.controller `controller`. */
function keeps(c: NginxController, name: string, controller: string): boolean {
  return controller === c.controllerClass || (c.byName === true && name === c.ingressClass);
}

/**
 * The controllers serving class `className` (the Gateway "IngressClass/<className>"): by its IngressClass object when
 * some member Ingress names it in spec.ingressClassName (or was given it: the default class, a class-less Ingress's),
 * else (members naming it by the legacy annotation only, or no IngressClass in the input) the controllers whose
 * --ingress-class it is. Cached per inventory (read after loading; the controllers' settings are read off them when asked).
 */
export function nginxControllersOf(inv: Inventory, className: string): NginxController[] {
  const all = inv.ingressNginxControllers ?? [];
  if (!all.length) return [];
  let cache = CACHE.get(inv);
  const size = inv.ingress.ingresses.length * 65536 + inv.ingress.classes.length;
  if (!cache || cache.all !== all || cache.size !== size) CACHE.set(inv, cache = { all, size, byClass: new Map() });
  let out = cache.byClass.get(className);
  if (!out) cache.byClass.set(className, out = controllersOf(inv, all, className));
  return out;
}

/** Per inventory: its controllers list, the number of its Ingresses and IngressClasses (a load still adding them), the answers. */
const CACHE = new WeakMap<Inventory, { all: readonly NginxController[]; size: number; byClass: Map<string, NginxController[]> }>();

function controllersOf(inv: Inventory, all: readonly NginxController[], className: string): NginxController[] {
  const cls = inv.ingress.classes.find((k) => k.name === className);
  const members = inv.ingress.ingresses.filter((i) => ingressClassOf(i, inv) === className);
  // A member by spec.ingressClassName, or given the class (admission's default class; a class-less Ingress).
  const byField = cls !== undefined && (!members.length || members.some((i) => i.classField === true || i.className === undefined));
  const served = all.filter((c) => (byField ? keeps(c, cls.name, cls.controller) : c.ingressClass === className));
  if (served.length) return served;
  // Class-less Ingresses taken by --watch-ingress-without-class: their controller.
  return members.some((i) => i.className === undefined && effectiveClass(i, inv.ingress.classes) === undefined) ? all.filter((c) => c.withoutClass) : [];
}

/** The controllers serving a class with their ConfigMap's settings; no controller of the input serving it: the Helm chart's ConfigMap. */
export function ingressNginxOf(inv: Inventory, className: string | undefined): IngressNginxServing {
  const controllers = className === undefined ? [] : nginxControllersOf(inv, className);
  if (!controllers.length) return { controllers, ...(inv.ingressNginx ? { config: inv.ingressNginx } : {}), known: inv.ingressNginxConfigMap !== undefined };
  const first = controllers[0];
  return { controllers, ...(first.config ? { config: first.config } : {}), known: first.known === true };
}

/**
 * Whether ingress-nginx serves class `className` (its defaults apply): a controller of the input serves it (whatever
 * its --controller-class), else model/ingress.ts servedByIngressNginx (its IngressClass names k8s.io/ingress-nginx; no
 * IngressClass: the name or the members' annotations).
 */
export function servedByNginx(inv: Inventory, className: string, members: readonly Ingress[]): boolean {
  return nginxControllersOf(inv, className).length > 0 || servedByIngressNginx(className, inv.ingress.classes, members);
}

/**
 * Why the answers for class `className` depend on which of its controllers a request reaches: several controllers of
 * the input serve the class (each its own nginx, with its own load balancer; store.go keeps the class in each), and
 * their settings differ: a ConfigMap setting Junction reads, a ConfigMap not in the input (flags.go --configmap), or
 * --enable-ssl-passthrough or --default-backend-service. Undefined: one controller, or all alike.
 */
export function controllersDisagree(serving: IngressNginxServing, className: string): string | undefined {
  const cs = serving.controllers;
  if (cs.length < 2) return undefined;
  const settings = (c: NginxController): Record<string, unknown> => ({
    ...(c.known === false ? { ConfigMap: `${c.configMap ?? "?"} (not in the input)` } : { ...c.config, ...Object.fromEntries(Object.entries(CONFIG_DEFAULTS).filter(([k]) => !c.config || !(k in c.config))) }),
    "--enable-ssl-passthrough": c.sslPassthrough === true, "--default-backend-service": c.defaultBackendService,
  });
  const all = cs.map(settings);
  const keys = [...new Set(all.flatMap((s) => Object.keys(s)))];
  const text = (v: unknown) => JSON.stringify(v, (_k, x: unknown) => (typeof x === "bigint" ? x.toString() : x)); // addresses are bigints
  const differ = keys.filter((k) => all.some((s) => text(s[k]) !== text(all[0][k])));
  if (!differ.length) return undefined;
  const named = differ.map((k) => CONFIG_KEYS[k as keyof NginxControllerConfig] ?? k);
  const who = cs.map((c) => `${c.kind} ${c.namespace}/${c.name} (--configmap=${c.configMap ?? "none"})`).join(", ");
  return `ingress-nginx class ${JSON.stringify(className)} is served by ${cs.length} controllers, each its own nginx: ${who}; their settings differ (${[...new Set(named)].join(", ")}), so the answer depends on which one the request reaches (--ingress-controller NS/NAME answers as one)`;
}

/**
 * The settings a ConfigMap that does not set them gives (config.go defaults, as sources/ingress/lower.ts reads an unset
 * one): a controller whose ConfigMap writes a default is alike one that writes nothing.
 */
const CONFIG_DEFAULTS: Partial<NginxControllerConfig> = {
  deny: [], hsts: "max-age=31536000; includeSubDomains", sslRedirect: true, forceSslRedirect: false, preserveTrailingSlash: false, riskLevel: "High", proxyBodySize: "1m",
};

/** The ConfigMap keys (config.go) behind each setting Junction reads (nginx-annotations.ts readControllerConfig). */
const CONFIG_KEYS: Partial<Record<keyof NginxControllerConfig, string>> = {
  allow: "whitelist-source-range", deny: "denylist-source-range", realIp: "use-forwarded-headers/enable-real-ip", block: "block-cidrs",
  riskLevel: "annotations-risk-level", globalAuthUrl: "global-auth-url", httpRedirectCode: "http-redirect-code",
  allowCrossNamespace: "allow-cross-namespace-resources", underscoresInHeaders: "enable-underscores-in-headers", keepInvalidHeaders: "ignore-invalid-headers",
  hsts: "hsts", customHttpErrors: "custom-http-errors", disableProxyInterceptErrors: "disable-proxy-intercept-errors", allowSnippets: "allow-snippet-annotations",
  proxyProtocol: "use-proxy-protocol", useForwardedHeaders: "use-forwarded-headers", sslRedirect: "ssl-redirect", forceSslRedirect: "force-ssl-redirect",
  preserveTrailingSlash: "preserve-trailing-slash", noTlsRedirectLocations: "no-tls-redirect-locations", fullForwardedFor: "compute-full-forwarded-for",
  proxyBodySize: "proxy-body-size",
};

/**
 * `--ingress-controller [KIND/]NAMESPACE/NAME`: that controller alone answers for the classes it serves, as if the
 * request reached it (several controllers of one class are separate nginx, each with its own load balancer:
 * controllersDisagree). The others serving one of those classes are left out of `inv`; a controller serving none of
 * its classes stays. Returns why the name is not one of the input's controllers (undefined: picked).
 */
export function pickIngressController(inv: Inventory, name: string): string | undefined {
  const all = inv.ingressNginxControllers ?? [];
  const parts = name.split("/");
  const [kind, ns, n] = parts.length === 3 ? parts : [undefined, parts[0], parts[1]];
  const found = parts.length >= 2 && parts.length <= 3 ? all.filter((c) => c.namespace === ns && c.name === n && (kind === undefined || c.kind.toLowerCase() === kind.toLowerCase())) : [];
  const known = all.map((c) => `${c.kind} ${c.namespace}/${c.name}`).join(", ") || "none";
  if (found.length !== 1) return `--ingress-controller ${name}: ${found.length ? "several controllers have that name (give KIND/NAMESPACE/NAME)" : "no ingress-nginx controller (a Deployment, DaemonSet or StatefulSet running /nginx-ingress-controller) of that name in the input"}; the input's: ${known}`;
  const chosen = found[0];
  const classes = new Set<string>([...inv.ingress.classes.map((k) => k.name), ...all.map((c) => c.ingressClass)]);
  for (const i of inv.ingress.ingresses) { const c = ingressClassOf(i, inv); if (c !== undefined) classes.add(c); }
  const drop = new Set<NginxController>();
  for (const cls of classes) {
    const cs = nginxControllersOf(inv, cls);
    if (cs.includes(chosen)) for (const c of cs) if (c !== chosen) drop.add(c);
  }
  inv.ingressNginxControllers = all.filter((c) => !drop.has(c));
  return undefined;
}
