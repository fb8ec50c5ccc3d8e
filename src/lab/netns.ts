// The lab's topology: a hub namespace holding a bridge (no address, no uplink, so nothing leaves
// the lab), and one namespace per host joined to it by a veth pair, its addresses on eth0 and every
// destination on-link. Only namespaces named with the lab's prefix are ever created or deleted.

import { formatAddress, type Address } from "../model/ip.js";
import { ipBatch, must, run } from "./exec.js";

export interface HostLink {
  netns: string;
  /** The hub side of its veth pair, e.g. "h12". */
  port: string;
  addresses: readonly Address[];
}

export const NETNS_DIR = "/run/netns";

export function netnsPath(name: string): string {
  return `${NETNS_DIR}/${name}`;
}

/** Names of the network namespaces that start with `prefix`. */
export function namespacesWithPrefix(prefix: string): string[] {
  const r = run("ip", ["netns", "list"]);
  if (r.code !== 0) return [];
  return r.stdout.split("\n").map((l) => l.split(" ")[0]).filter((n) => n.startsWith(prefix));
}

export function addNamespaces(names: readonly string[]): void {
  ipBatch(undefined, names.map((n) => `netns add ${n}`));
}

export function deleteNamespaces(names: readonly string[]): void {
  ipBatch(undefined, names.map((n) => `netns del ${n}`));
}

/** Sysctls each lab namespace needs: the hub filters bridged traffic and has no IPv6 of its own; hosts answer at once. */
export function sysctlLines(hub: string | undefined, hosts: readonly string[]): string[] {
  const lines: string[] = [];
  if (hub) {
    for (const k of ["ipv6/conf/all/disable_ipv6", "ipv6/conf/default/disable_ipv6", "bridge/bridge-nf-call-iptables", "bridge/bridge-nf-call-ip6tables"]) {
      lines.push(`${netnsPath(hub)} /proc/sys/net/${k} 1`);
    }
  }
  for (const h of hosts) {
    // No duplicate address detection (addresses are usable at once), no ICMP rate limit (every probe gets its answer).
    for (const k of ["ipv6/conf/all/accept_dad", "ipv6/conf/default/accept_dad", "ipv4/icmp_ratelimit", "ipv6/icmp/ratelimit"]) {
      lines.push(`${netnsPath(h)} /proc/sys/net/${k} 0`);
    }
  }
  return lines;
}

export function createBridge(hub: string): void {
  ipBatch(hub, ["link add br0 type bridge", "link set br0 up"]);
}

/** Joins hosts to the hub's bridge and configures their side. */
export function linkHosts(hub: string, hosts: readonly HostLink[]): void {
  ipBatch(hub, hosts.flatMap((h) => [`link add ${h.port} type veth peer name eth0 netns ${h.netns}`, `link set ${h.port} master br0`, `link set ${h.port} up`]));
  for (const h of hosts) {
    const addrs = h.addresses.map((a) => `addr add ${formatAddress(a)}/${a.family === 4 ? 32 : 128} dev eth0${a.family === 6 ? " nodad" : ""}`);
    const routes = [...new Set(h.addresses.map((a) => a.family))].map((f) => `route add ${f === 4 ? "0.0.0.0/0" : "::/0"} dev eth0`);
    ipBatch(h.netns, ["link set lo up", "link set eth0 up", ...addrs, ...routes]);
  }
}

/** Is the bridge there and up? */
export function bridgeUp(hub: string): boolean {
  try { return /state UP|,UP/.test(must("ip", ["-n", hub, "link", "show", "br0"])); } catch { return false; }
}
