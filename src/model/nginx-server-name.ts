// nginx's server names, as a Gateway standing for an ingress-nginx class picks its server (listener) for a Host or SNI.
// ingress-nginx writes `server_name {{ buildServerName $server.Hostname }} {{ range $server.Aliases }}"..." {{ end }};`
// (rootfs/etc/nginx/template/nginx.tmpl), buildServerName (template.go) turning an Ingress wildcard host `*.x` into the
// regular expression `~^(?<subdomain>[\w-]+)\.x$` (one label), and a server-alias as written: an exact name, a
// wildcard (`*.x` any number of labels, `.x` the name x too, `x.*`), or a regular expression (`~re`). nginx
// (http://nginx.org/en/docs/http/server_names.html, ngx_http_find_virtual_server) takes, in order: the exact name; the
// longest wildcard starting with an asterisk; the longest wildcard ending with one; the first regular expression "in
// order of appearance in the configuration file" (servers sorted by hostname, controller.go getBackendServers; in a
// server its hostname, then its aliases, sorted: createServers `uniqAliases.List()`); else the default server "_".

import { hostnameMatches, isWildcard } from "./hostname.js";
import { regexMatches, REGEX_SEMANTICS } from "./regex.js";

/** The server names of an ingress-nginx class that are not Ingress hosts (the Gateway's listener hostnames hold them as written). */
export interface NginxServerNames {
  /** The aliases that are no exact name: wildcards ("*.x", ".x", "x.*") and regular expressions ("~re"). */
  patterns: readonly string[];
  /** The regular-expression names in nginx.conf order: Ingress wildcard hosts (buildServerName) and "~" aliases. */
  regexOrder: readonly string[];
}

/** A server-alias nginx reads as a wildcard or a regular expression, not an exact name. */
export const isNginxPattern = (name: string): boolean => name.startsWith("~") || name.startsWith(".") || name.startsWith("*") || name.endsWith(".*");

/** PCRE, unanchored (ngx_regex_exec); the Host is lower-cased before the lookup (ngx_http_validate_host). */
const SEARCH = { ...REGEX_SEMANTICS.nginx, anchor: "search" as const };

/**
 * Whether server name `name` (a listener's hostname on an ingress-nginx Gateway) covers `host`. nginx lower-cases every
 * name but a regular expression, which is caseless when it holds an upper-case letter (ngx_http_core_module.c
 * ngx_http_core_server_name: `if (value[i].data[0] != '~') { ngx_strlow(sn->name.data, ...); continue; }`, then `if (*p >=
 * 'A' && *p <= 'Z') { rc.options = NGX_REGEX_CASELESS; break; }`); server-alias keeps the case it is written in.
 */
export function nginxNameMatches(names: NginxServerNames | undefined, written: string, given: string): boolean {
  const host = given.toLowerCase();
  if (written.startsWith("~") && names?.patterns.includes(written)) return regexMatches(`${/[A-Z]/.test(written) ? "(?i)" : ""}${written.slice(1)}`, SEARCH, host);
  const name = written.toLowerCase();
  if (!names?.patterns.includes(written)) return hostnameMatches(name, host, true);
  if (name.startsWith(".")) return host === name.slice(1) || host.endsWith(name);
  if (name.startsWith("*.")) return host.length > name.length - 1 && host.endsWith(name.slice(1));
  if (name.endsWith(".*")) return host.length > name.length - 1 && host.startsWith(name.slice(0, -1));
  return false;
}

/**
 * certificate.lua get_pem_cert_uid: a certificate is configured for `host` (lower case, no final dot) when it is a key
 * of the controller's certificate servers (nginx.go configureCertificates: each server's hostname with a certificate,
 * and its aliases the certificate is valid for), or is with its first label "*" (`re_sub(hostname, "^[^\\.]+\\.",
 * "*.")`): lua_ingress.lua's ssl-redirect and HSTS ask it of the request's host.
 */
export function nginxCertificateFor(keys: readonly string[] | ReadonlySet<string>, host: string): boolean {
  const h = host.toLowerCase().replace(/\.$/, "");
  const has = (k: string) => ("has" in keys ? keys.has(k) : keys.includes(k));
  return has(h) || has(h.replace(/^[^.]+\./, "*."));
}

/** nginx's preference between names covering one host (larger first): exact, leading wildcard (longest), trailing wildcard (longest), regular expression (first written), none (the default server). */
export function nginxNameRank(names: NginxServerNames | undefined, name: string | undefined): [number, number] {
  if (name === undefined) return [0, 0];
  const pattern = names?.patterns.includes(name) === true;
  if (pattern ? name.startsWith("~") : isWildcard(name)) return [1, -(names?.regexOrder.indexOf(name) ?? 0)];
  if (!pattern) return [4, name.length];
  if (name.startsWith(".") || name.startsWith("*.")) return [3, name.replace(/^\*/, "").length];
  return [2, name.length];
}
