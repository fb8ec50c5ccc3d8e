// Model port matches as NetworkPolicy and AdminNetworkPolicy ports.

import { MAX_PORT, PROTOCOLS, type PortMatch } from "../../model/ports.js";
import { Unsupported } from "../problems.js";
import type { K8sContext } from "./context.js";

export function networkPolicyPorts(m: PortMatch): object[] {
  switch (m.kind) {
    case "range": return [{ protocol: m.protocol, port: m.first, ...(m.last !== m.first ? { endPort: m.last } : {}) }];
    case "protocol": return [{ protocol: m.protocol }];
    // A NetworkPolicy named port has a protocol (TCP by default): "any protocol" is one entry per protocol.
    case "named": return (m.protocol ? [m.protocol] : PROTOCOLS).map((protocol) => ({ protocol, port: m.name }));
  }
}

export function adminPolicyPort(m: PortMatch, ctx: K8sContext): object {
  switch (m.kind) {
    case "range":
      return m.first === m.last
        ? { portNumber: { protocol: m.protocol, port: m.first } }
        : { portRange: { protocol: m.protocol, start: m.first, end: m.last } };
    case "protocol": return { portRange: { protocol: m.protocol, start: 1, end: MAX_PORT } };
    case "named": {
      // namedPort takes the protocol from the container port: exact when no endpoint names the port with another protocol.
      const others = [...ctx.namedPortProtocols(m.name)].filter((p) => m.protocol && p !== m.protocol);
      if (others.length) {
        throw new Unsupported("named port with protocol", `named port ${JSON.stringify(m.name)} restricted to ${m.protocol}, but endpoints also name ${others.join(", ")} ports so; AdminNetworkPolicy namedPort has no protocol`, ["NetworkPolicy", "the common API (TrafficPolicy)"]);
      }
      return { namedPort: m.name };
    }
  }
}
