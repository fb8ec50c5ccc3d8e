// The focus options of list, matrix and analyze (np-guard's --focusworkload, --focusworkload-peer,
// --focus-direction, --focus-conn), parsed into an analyze/focus.ts Focus.

import { unknownFocusNames, type Focus, type FocusConn } from "../analyze/focus.js";
import type { ListPeer } from "../analyze/connlist.js";
import type { Direction } from "../model/policy.js";
import type { Protocol } from "../model/ports.js";
import { didYouMean } from "../model/suggest.js";
import { InputError, UsageError, list, str, type OptionSpec, type Values } from "./command.js";

export const FOCUS_OPTIONS: Record<string, OptionSpec> = {
  "focus-workload": { type: "string", multiple: true, arg: "NAME", description: "only pairs with this workload (NAME, NAMESPACE/NAME or the listed name); repeatable" },
  "focus-peer": { type: "string", multiple: true, arg: "NAME", description: "with --focus-workload: only pairs between it and this peer; repeatable" },
  "focus-direction": { type: "string", arg: "DIR", choices: ["ingress", "egress"], description: "with --focus-workload: only its ingress (it is the destination) or its egress (the source)" },
  "focus-conn": { type: "string", arg: "PROTO-PORT", description: "only pairs that allow this connection, e.g. tcp-8080 (and only it is shown)" },
};

/** The focus the options ask for. */
export function focusOf(values: Values): Focus {
  const workloads = list(values, "focus-workload"), peers = list(values, "focus-peer");
  const direction = str(values, "focus-direction") as Direction | undefined;
  if (!workloads.length && (peers.length || direction)) throw new UsageError("--focus-peer and --focus-direction apply to --focus-workload: give it too");
  const text = str(values, "focus-conn");
  return { workloads, peers, direction, conn: text === undefined ? undefined : parseFocusConn(text) };
}

/** PROTO-PORT, as np-guard writes it: tcp-8080, UDP-53. */
export function parseFocusConn(text: string): FocusConn {
  const m = /^(tcp|udp|sctp)-(\d+)$/i.exec(text.trim());
  const port = m ? Number(m[2]) : NaN;
  if (!m || port < 1 || port > 65535) throw new UsageError(`--focus-conn must be PROTOCOL-PORT (e.g. tcp-8080, udp-53) with a port 1-65535, not ${JSON.stringify(text)}`);
  return { protocol: m[1].toUpperCase() as Protocol, port };
}

/** A focus name that names nothing in the input is an error (exit 2) with the closest names. */
export function checkFocusNames(focus: Focus, peers: readonly ListPeer[]): void {
  const unknown = unknownFocusNames(focus, peers);
  if (!unknown.length) return;
  const names = peers.flatMap((p) => [p.id, ...(p.namespace !== undefined ? [`${p.namespace}/${p.name}`] : [])]);
  throw new InputError(unknown.map((n) => `no workload named ${JSON.stringify(n)} in the input${didYouMean(n, names)}`).join("\n"));
}
