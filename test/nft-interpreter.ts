// A test-only interpreter of the nftables subset Junction emits, to check generated rulesets against
// the engine without root. It reads the rendered text (so what is tested is what nft would load),
// and evaluates one packet through a chain: verdict maps, sets with ranges, goto, accept/drop.

import { parseAddress, parseCidr, type Address } from "../src/model/ip.js";

interface Packet {
  saddr: Address;
  daddr: Address;
  /** "tcp" | "udp" | "sctp" | "icmp" */
  proto: string;
  dport: number;
  /** Sent or received on the loopback interface (`iif "lo"`, `oif "lo"` match it); otherwise another interface. */
  lo?: boolean;
}

type Element = { key: string; verdict?: string };

export class NftProgram {
  readonly sets = new Map<string, Element[]>();
  readonly chains = new Map<string, string[]>();

  constructor(text: string) {
    const lines = text.split("\n").map((l) => l.trim()).filter((l) => l && !l.startsWith("#"));
    let current: { kind: "set" | "chain"; name: string; body: string[] } | undefined;
    let depth = 0;
    for (const line of lines) {
      const open = /^(set|map|chain) (\S+) \{$/.exec(line);
      if (open) { current = { kind: open[1] === "chain" ? "chain" : "set", name: open[2], body: [] }; depth = 0; continue; }
      depth += (line.match(/\{/g) ?? []).length - (line.match(/\}/g) ?? []).length;
      if (depth < 0 && current) {
        if (current.kind === "chain") this.chains.set(current.name, current.body.filter((l) => !l.startsWith("type filter")));
        else this.sets.set(current.name, elementsOf(current.body.join(" ")));
        current = undefined;
        continue;
      }
      current?.body.push(line);
    }
  }

  /** The verdict of `chain` for a packet: "accept", "drop", or "continue" when the chain ends without one. */
  run(chain: string, p: Packet, depth = 0): string {
    if (depth > 50) throw new Error("goto loop");
    const rules = this.chains.get(chain);
    if (!rules) throw new Error(`no chain ${chain}`);
    for (const rule of rules) {
      const v = this.rule(rule, p);
      if (v === undefined) continue;
      const go = /^goto (\S+)$/.exec(v);
      return go ? this.run(go[1], p, depth + 1) : v;
    }
    return "continue";
  }

  private lookup(ref: string): Element[] {
    if (ref.startsWith("@")) return this.sets.get(ref.slice(1)) ?? (() => { throw new Error(`no set ${ref}`); })();
    return elementsOf(ref);
  }

  /** The verdict a rule gives the packet, or undefined when it does not match. */
  private rule(rule: string, p: Packet): string | undefined {
    let m: RegExpExecArray | null;
    if (/^(accept|drop|goto \S+)$/.test(rule)) return rule;
    if (/^[io]if "lo" accept$/.test(rule)) return p.lo ? "accept" : undefined;
    if (/^ct state|^icmpv6 type|comment "failsafe"/.test(rule)) return undefined;
    if ((m = /^(ip6?) (saddr|daddr) vmap (@\S+|\{.*\})$/.exec(rule))) {
      const a = m[2] === "saddr" ? p.saddr : p.daddr;
      if ((m[1] === "ip") !== (a.family === 4)) return undefined;
      return this.lookup(m[3]).find((e) => addressIn(e.key, a))?.verdict;
    }
    if ((m = /^(ip6?) (saddr|daddr) (@\S+|\{.*\}) (accept|drop)$/.exec(rule))) {
      const a = m[2] === "saddr" ? p.saddr : p.daddr;
      if ((m[1] === "ip") !== (a.family === 4)) return undefined;
      return this.lookup(m[3]).some((e) => addressIn(e.key, a)) ? m[4] : undefined;
    }
    if ((m = /^meta l4proto \. th dport vmap (@\S+|\{.*\})$/.exec(rule))) {
      return this.lookup(m[1]).find((e) => portIn(e.key, p))?.verdict;
    }
    if ((m = /^meta l4proto \. th dport (@\S+|\{.*\}) (accept|drop|goto \S+)$/.exec(rule))) {
      return this.lookup(m[1]).some((e) => portIn(e.key, p)) ? m[2] : undefined;
    }
    if ((m = /^meta l4proto != \{ tcp, udp, sctp \} (accept|drop|goto \S+)$/.exec(rule))) {
      return ["tcp", "udp", "sctp"].includes(p.proto) ? undefined : m[1];
    }
    throw new Error(`the interpreter does not know the rule: ${rule}`);
  }
}

function elementsOf(text: string): Element[] {
  const m = /\{(.*)\}/.exec(text.replace(/^.*elements = /, ""));
  if (!m) return [];
  return m[1].split(",").map((s) => s.trim()).filter(Boolean).map((s) => {
    const [key, verdict] = s.split(" : ");
    return { key: key.trim(), verdict: verdict?.trim() };
  });
}

function addressIn(key: string, a: Address): boolean {
  if (key.includes("/")) { const c = parseCidr(key)!; return c.family === a.family && c.first <= a.value && a.value <= c.last; }
  const [first, last = first] = key.split("-").map((s) => parseAddress(s)!);
  return first.family === a.family && first.value <= a.value && a.value <= last.value;
}

function portIn(key: string, p: Packet): boolean {
  const m = /^(\w+) \. (\d+)(?:-(\d+))?$/.exec(key);
  if (!m) throw new Error(`bad port element ${key}`);
  const first = Number(m[2]), last = m[3] ? Number(m[3]) : first;
  return m[1] === p.proto && first <= p.dport && p.dport <= last;
}
