// junction serve: load once, then answer over HTTP (the API, its event stream and the web UI),
// following the files given with -f (and, with a cluster, its watch streams).

import { readFileSync } from "node:fs";
import type { Loaded } from "../../sources/load.js";
import { LiveUpdates } from "../../server/live.js";
import { clusterOf, loadSources } from "../cluster.js";
import { ServeState } from "../../server/state.js";
import { isLoopback, startServer } from "../../server/http.js";
import { watchInputs } from "../../sources/watch.js";
import { EXIT, InputError, UsageError, str, type Command, type Io, type Values } from "../command.js";
import { ENGINE_OPTIONS, INPUT_OPTIONS, engineOptions, filePaths, lenient, loadInputs, readOptions } from "../inputs.js";
import { formatDiagnostic } from "../../model/source.js";

export const serveCommand: Command = {
  name: "serve",
  summary: "Answer over HTTP (a versioned JSON API, live updates as Server-Sent Events, and a web UI), following changes.",
  usage: "junction serve (-f PATH | --kubeconfig PATH | --context NAME | -A | -n NS) [--address 127.0.0.1] [--port 7470] [--token-file FILE]",
  description: [
    "Loads the input once and serves GET /api/v1/{summary,connections,matrix,explain,route,status,exposure,diagnostics},",
    "/api/v1/events (Server-Sent Events), /api/v1/openapi.json, /healthz and the web UI at /. Each answer is the",
    "document the CLI prints with -o json. Files and folders given with -f are watched, and a cluster's objects:",
    "each change is applied (incrementally where the engine can) and pushed as an event.",
    "Read-only. Binds to loopback unless --address names another address, which then needs --token-file (clients",
    "send 'Authorization: Bearer TOKEN'). Stops on SIGINT or SIGTERM.",
  ].join("\n"),
  options: {
    ...INPUT_OPTIONS,
    address: { type: "string", arg: "ADDRESS", default: "127.0.0.1", description: "address to listen on" },
    port: { type: "string", arg: "PORT", default: "7470", description: "port to listen on (0: any free port)" },
    "token-file": { type: "string", arg: "FILE", description: "file holding the bearer token clients must send (required off loopback)" },
    ...ENGINE_OPTIONS,
  },
  examples: ["junction serve -f examples/shop", "junction serve --kubeconfig ~/.kube/config --context prod", "junction serve -f manifests/ --address 0.0.0.0 --token-file /etc/junction/token"],
  async run(values, _pos, io) {
    const { address, port, token } = serverParams(values);
    const state = new ServeState(loadInputs(values, io), engineOptions(values));
    void state.analysis.connectivity; // built now: the first answer and the first watch event need it
    const paths = filePaths(values), cluster = clusterOf(values);
    const reload = () => reloadInputs(paths, values, io);
    const files = watchInputs(paths, (changed, since) => { state.replace(reload(), changed, since); report(state, io, changed); }, { recursive: values.recursive === true, onTrouble: (m) => io.err(`junction: warning: ${m}\n`) });
    const updates = new LiveUpdates(state, reload);
    cluster?.watch((changes) => updates.apply(changes), (message) => io.err(`junction: ${message}\n`));
    const server = await startServer({ state, address, port, token, stale: () => cluster?.stale() ?? [] });
    io.out(`junction: serving ${server.url} (API: ${server.url}api/v1/, events: ${server.url}api/v1/events)\n`);
    await stopSignal();
    cluster?.close(); updates.close(); files.close();
    await server.close();
    return EXIT.ok;
  },
};

function serverParams(values: Values): { address: string; port: number; token?: string } {
  const address = str(values, "address")!, portText = str(values, "port")!, tokenFile = str(values, "token-file");
  if (!/^\d+$/.test(portText) || Number(portText) > 65535) throw new UsageError(`--port must be between 0 and 65535, not ${portText}`);
  if (!isLoopback(address) && !tokenFile) throw new UsageError(`--address ${address} is not a loopback address: give --token-file FILE (the bearer token clients must send)`);
  if (!tokenFile) return { address, port: Number(portText) };
  let token: string;
  try { token = readFileSync(tokenFile, "utf8").trim(); } catch { throw new InputError(`${tokenFile}: cannot be read`); }
  if (token.length < 16) throw new InputError(`${tokenFile}: the token must be at least 16 characters`);
  return { address, port: Number(portText), token };
}

/** The files and the cluster's current objects, read again (errors printed; the state refuses to analyse them). */
function reloadInputs(paths: string[], values: Values, io: Io): Loaded {
  const loaded = loadSources(paths, io, clusterOf(values), readOptions(values));
  if (values.lenient === true) lenient(loaded, io);
  for (const d of loaded.diagnostics.items.filter((d) => d.severity === "error")) io.err(`error: ${formatDiagnostic(d)}\n`);
  return loaded;
}

function report(state: ServeState, io: Io, changed: string[]): void {
  io.err(`junction: reloaded after a change to ${changed.join(", ")} (version ${state.version}${state.invalid ? `; ${state.invalid}` : ""})\n`);
}

function stopSignal(): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => { process.off("SIGINT", stop); process.off("SIGTERM", stop); resolve(); };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
}
