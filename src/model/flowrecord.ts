// One record of a flow log, as every reader (sources/flows/) gives it: addresses as written,
// times in ms since the epoch (a window [start, end] for aggregated logs, else start = end).

export interface FlowRecord {
  /** 1-based line of the log. */
  line: number;
  start?: number;
  end?: number;
  src: string;
  dst: string;
  sport?: number;
  dport?: number;
  /** TCP, UDP, SCTP, ICMP, ICMPv6, or the IP protocol number when it has no name here. */
  protocol: string;
  /** What the log says happened: ACCEPT/REJECT (AWS), FORWARDED/DROPPED (Hubble), NEW/DESTROY (conntrack), the nftables log prefix. */
  action?: string;
  /** The address the client dialled when it differs from dst (conntrack: the destination before DNAT, e.g. a Service IP). */
  dialled?: string;
  /** The log says this is the reply direction of a connection (Hubble is_reply); undefined: not known. */
  reply?: boolean;
}

const PROTOCOL_NUMBERS: Record<string, string> = { 1: "ICMP", 6: "TCP", 17: "UDP", 58: "ICMPv6", 132: "SCTP" };

/** A protocol name from a number or a name in any case (icmpv6 and ipv6-icmp are ICMPv6). */
export function protocolName(p: string): string {
  if (/^\d+$/.test(p)) return PROTOCOL_NUMBERS[String(Number(p))] ?? String(Number(p));
  const u = p.toUpperCase();
  return u === "ICMPV6" || u === "IPV6-ICMP" ? "ICMPv6" : u;
}
