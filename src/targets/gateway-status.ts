// The readable form of `junction status`: one row per GatewayClass, Gateway, listener and route
// parent, with the conditions that matter and why they are not healthy.

import type { Condition } from "../engine/gateway/conditions.js";
import type { GatewayStatus, ListenerSetStatus, RouteStatus } from "../engine/gateway/status.js";
import { renderTable, type Row } from "./table.js";

type Obj = { kind?: string; metadata?: { namespace?: string; name?: string }; status?: unknown };

const find = (list: readonly Condition[], type: string) => list.find((c) => c.type === type);

/** "True", or "False (Reason)" when the reason is not simply the condition's name. */
function show(c: Condition | undefined): string {
  if (!c) return "-";
  return c.reason === c.type || (c.status === "True" && c.reason === "Accepted") ? c.status : `${c.status} (${c.reason})`;
}

/** The message of the first unhealthy condition (Conflicted is healthy when False). */
function problem(list: readonly Condition[]): string {
  const bad = list.find((c) => (c.type === "Conflicted" ? c.status === "True" : c.status !== "True") || c.reason === "ListenersNotValid");
  // One line a row: a message of several (Envoy Gateway's joined errors) is written on one.
  return bad?.message.replace(/\n/g, "; ") ?? "";
}

/** A ListenerSet's parent Gateway, "namespace/name". */
function parentOf(o: Obj): string {
  const p = (o as { spec?: { parentRef?: { namespace?: string; name?: string } } }).spec?.parentRef;
  return p ? `${p.namespace ?? o.metadata?.namespace}/${p.name}` : "";
}

const nameOf = (o: Obj) => `${o.metadata?.namespace ? `${o.metadata.namespace}/` : ""}${o.metadata?.name ?? ""}`;

/** A Gateway and its listeners; a ListenerSet (with its parent Gateway) and its listeners alike. */
function gatewayRows(o: Obj, s: GatewayStatus | ListenerSetStatus, parent = ""): Row[] {
  const sets = "attachedListenerSets" in s && s.attachedListenerSets !== undefined ? `${s.attachedListenerSets} ListenerSet${s.attachedListenerSets === 1 ? "" : "s"}` : parent;
  const rows: Row[] = [[o.kind, nameOf(o), sets, show(find(s.conditions, "Accepted")), show(find(s.conditions, "Programmed")), show(find(s.conditions, "ResolvedRefs")), "", problem(s.conditions)]];
  for (const l of s.listeners) {
    rows.push(["  listener", l.name, l.supportedKinds.map((k) => k.kind).join(",") || "-", show(find(l.conditions, "Accepted")), show(find(l.conditions, "Programmed")),
      show(find(l.conditions, "ResolvedRefs")), l.attachedRoutes, problem(l.conditions)]);
  }
  return rows;
}

function policyRows(o: Obj, s: { ancestors: { ancestorRef: Record<string, unknown>; conditions: Condition[] }[] }): Row[] {
  return routeRows(o, { parents: s.ancestors.map((a) => ({ parentRef: a.ancestorRef, controllerName: "", conditions: a.conditions })) });
}

function routeRows(o: Obj, s: RouteStatus): Row[] {
  if (!s.parents.length) return [[o.kind, nameOf(o), "(no Gateway parent)", "-", "", "-", "", ""]];
  return s.parents.map((p) => {
    const ref = p.parentRef as { kind?: string; namespace?: string; name?: string; sectionName?: string; port?: number };
    const kind = ref.kind && ref.kind !== "Gateway" ? `${ref.kind} ` : "";
    const parent = `${kind}${ref.namespace}/${ref.name}${ref.sectionName ? `/${ref.sectionName}` : ""}${ref.port ? `:${ref.port}` : ""}`;
    return [o.kind, nameOf(o), parent, show(find(p.conditions, "Accepted")), "", show(find(p.conditions, "ResolvedRefs")), "", problem(p.conditions)];
  });
}

export function statusTable(objects: readonly Obj[]): string {
  const rows: Row[] = [];
  for (const o of objects) {
    if (o.kind === "GatewayClass") {
      const c = (o.status as { conditions: Condition[] }).conditions;
      rows.push(["GatewayClass", nameOf(o), "", show(find(c, "Accepted")), "", "", "", problem(c)]);
    } else if (o.kind === "Gateway") rows.push(...gatewayRows(o, o.status as GatewayStatus));
    else if (o.kind === "ListenerSet") rows.push(...gatewayRows(o, o.status as ListenerSetStatus, parentOf(o)));
    // Policies (BackendTLSPolicy, Envoy Gateway's BackendTrafficPolicy and ClientTrafficPolicy): a row per ancestor.
    else if ("ancestors" in (o.status as object)) rows.push(...policyRows(o, o.status as { ancestors: { ancestorRef: Record<string, unknown>; conditions: Condition[] }[] }));
    else rows.push(...routeRows(o, o.status as RouteStatus));
  }
  if (!rows.length) return "no Gateway API objects in the input\n";
  return renderTable(["KIND", "NAME", "PARENT / KINDS", "ACCEPTED", "PROGRAMMED", "RESOLVED REFS", "ROUTES", "MESSAGE"], rows);
}
