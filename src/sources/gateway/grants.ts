// Front end for ReferenceGrant: which kinds in other namespaces may refer to objects here.

import type { ReferenceGrant } from "../../model/gateway.js";
import type { FrontEnd } from "../frontend.js";
import { readMeta } from "../k8s.js";
import { GATEWAY_API_VERSIONS as V, readKind, readNamespaceName, readObjectName } from "./values.js";

const referenceGrantFrontEnd: FrontEnd = {
  kind: "ReferenceGrant", apiVersions: [V.v1, V.v1beta1, V.v1alpha2], namespaced: true,
  read(root, ctx, b) {
    const meta = readMeta(root, true);
    const spec = root.get("spec");
    if (!spec.object(true) || !meta) return;
    const from: ReferenceGrant["from"] = [];
    for (const f of spec.get("from").list({ required: true, min: 1, max: 16 }) ?? []) {
      const group = f.get("group").string({ required: true });
      const kind = f.get("kind").present ? readKind(f.get("kind"), "") : f.get("kind").missing();
      const namespace = f.get("namespace").present ? readNamespaceName(f.get("namespace")) : f.get("namespace").missing();
      if (group !== undefined && kind && namespace) from.push({ group, kind, namespace });
    }
    const to: ReferenceGrant["to"] = [];
    for (const t of spec.get("to").list({ required: true, min: 1, max: 16 }) ?? []) {
      const group = t.get("group").string({ required: true });
      const kind = t.get("kind").present ? readKind(t.get("kind"), "") : t.get("kind").missing();
      const name = t.get("name").present ? readObjectName(t.get("name")) : undefined;
      if (group !== undefined && kind) to.push({ group, kind, name });
    }
    b.useNamespace(meta.namespace!, ctx.ref);
    b.inv.routing.referenceGrants.push({ namespace: meta.namespace!, name: meta.name, from, to, src: ctx.ref });
  },
};

export const grantFrontEnds: FrontEnd[] = [referenceGrantFrontEnd];
