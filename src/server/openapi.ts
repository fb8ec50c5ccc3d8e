// The OpenAPI 3.1 document of the API, derived from the endpoint table and the commands' own option
// specs (so the parameters documented are the parameters parsed).

import { VERSION } from "../cli/version.js";
import { ENDPOINTS } from "./api.js";

export function openApiDocument(): object {
  const paths: Record<string, object> = {
    "/healthz": { get: { summary: "liveness: {status, version, junction, startedAt, loadedAt (the last load without errors), invalid (while the input has errors), stale}", responses: { 200: ok("the server is up") } } },
    "/api/v1/events": { get: { summary: "Server-Sent Events: `hello` on connect, then `update` {version, mode, changes, ms} after each change", responses: { 200: { description: "an event stream", content: { "text/event-stream": {} } } } } },
    "/api/v1/source": { get: { summary: "the text of one input (file, or cluster object as YAML), as {name, text}", parameters: [param("name", "the input's name as diagnostics and explanations give it", false, true)], responses: { 200: ok("the text"), 404: ok("no such input") } } },
    "/api/v1/openapi.json": { get: { summary: "this document", responses: { 200: ok("OpenAPI 3.1") } } },
  };
  for (const e of ENDPOINTS) {
    const parameters = e.params.map((name) => {
      const spec = e.command!.options[name];
      if (spec.type === "boolean") return { name, in: "query", description: `${spec.description} (a flag: given without a value, or =true)`, required: false, allowEmptyValue: true, schema: { type: "boolean" } };
      return param(name, spec.description + (spec.choices ? ` (one of ${spec.choices.join(", ")})` : ""), spec.multiple === true, false, spec.choices, spec.default);
    });
    paths[e.path] = { get: { summary: e.summary, parameters, responses: { 200: ok("the document"), 400: ok("a bad parameter: {error}, the CLI's message"), 503: ok("the input has errors: {error}") } } };
  }
  return {
    openapi: "3.1.0",
    info: { title: "Junction API", version: VERSION, description: "Read-only answers about the loaded input; each document is what the matching CLI command prints with -o json." },
    components: { securitySchemes: { bearer: { type: "http", scheme: "bearer" } } },
    security: [{}, { bearer: [] }],
    paths,
  };
}

function ok(description: string) { return { description, content: { "application/json": {} } }; }

function param(name: string, description: string, multiple: boolean, required: boolean, choices?: readonly string[], dflt?: string) {
  const schema = { type: "string", ...(choices ? { enum: choices } : {}), ...(dflt !== undefined ? { default: dflt } : {}) };
  return { name, in: "query", description, required, schema: multiple ? { type: "array", items: schema } : schema, ...(multiple ? { explode: true } : {}) };
}
