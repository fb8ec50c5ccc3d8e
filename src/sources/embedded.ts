// A YAML document embedded in a string field (a ConfigMap key: kube-proxy's config.conf, Istio's mesh),
// decoded as sigs.k8s.io/yaml decodes it (kubeyaml.ts), its fields located inside the file (locate.ts).

import { parseKubeYaml } from "./kubeyaml.js";
import { Field } from "./fields.js";

/**
 * The document in `text` as a Field at `path`: undefined when the field is no string, is not YAML (an
 * error ending with `refusal`, who refuses it and what) or is not a mapping. `duplicate(key)` words the
 * warning for each key given twice (the decoders these documents go through keep the last one).
 */
export function embeddedDocument(text: Field, path: (string | number)[], refusal: string, duplicate: (key: string) => string): Field | undefined {
  const yaml = text.string();
  if (yaml === undefined) return undefined;
  let parsed: unknown;
  const duplicates = new Set<string>();
  try { parsed = parseKubeYaml(yaml, { onDuplicate: (key) => duplicates.add(key) }) ?? {}; } catch (e) {
    text.error("invalid-value", `not YAML: ${(e as Error).message.split("\n")[0]} (${refusal})`);
    return undefined;
  }
  const doc = new Field(text.ctx, parsed, path);
  if (!doc.object()) return undefined;
  for (const key of duplicates) (doc.get(key).present ? doc.get(key) : doc).warn("duplicate-key", duplicate(key));
  return doc;
}
