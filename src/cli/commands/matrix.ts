// junction matrix: the pods × pods truth table.

import { connMatrix, matrixEndpoints, portMatrix, type Matrix } from "../../analyze/matrix.js";
import { formatConns, type Protocol } from "../../model/ports.js";
import { renderCsv, renderTable } from "../../targets/table.js";
import { endpointLabel } from "../../targets/names.js";
import { EXIT, UsageError, list, portArg, str, type Command, type Values } from "../command.js";
import { ENGINE_OPTIONS, INPUT_OPTIONS, loadAnalysis, outputOption, printOutput } from "../inputs.js";
import type { Analysis } from "../analysis.js";

const SYMBOL = { all: ".", none: "X", some: "~" } as const;

export const matrixCommand: Command = {
  name: "matrix",
  summary: "Print the pods × pods truth table (rows: sources, columns: destinations).",
  usage: "junction matrix -f PATH [--port P --protocol PROTO] [--namespace NS]... [-o table|json|yaml|csv]",
  description: [
    "With --port: '.' allowed, 'X' denied, as the upstream e2e tests print it.",
    "Without --port: '.' every connection allowed, 'X' none, '~' some (see junction list for which).",
  ].join("\n"),
  options: {
    ...INPUT_OPTIONS,
    port: { type: "string", short: "p", arg: "PORT", description: "destination port number" },
    protocol: { type: "string", arg: "PROTO", choices: ["TCP", "UDP", "SCTP"], default: "TCP", description: "protocol with --port" },
    namespace: { type: "string", short: "n", multiple: true, arg: "NS", description: "only pods of these namespaces (repeatable)" },
    ...outputOption(["table", "json", "yaml", "csv"], "table"),
    ...ENGINE_OPTIONS,
  },
  examples: ["junction matrix -f examples/shop --port 8080", "junction matrix -f examples/shop -n shop -o csv"],
  run(values, _pos, io) {
    matrixPort(values);
    const { m, names, port, protocol } = matrixResult(loadAnalysis(values, io), values);
    const format = str(values, "output");
    if (format === "json" || format === "yaml") printOutput(io, values, () => matrixData(m, names, port, protocol), () => "");
    else if (format === "csv") io.out(renderCsv(["from\\to", ...names], m.cells.map((row, i) => [names[i], ...row])));
    else {
      const title = port === undefined ? "all ports" : `${protocol}/${port}`;
      io.out(renderTable([title, ...names], m.cells.map((row, i) => [names[i], ...row.map((c) => SYMBOL[c])])));
    }
    return EXIT.ok;
  },
};

function matrixPort(values: Values): number | undefined {
  const port = portArg(values, "port");
  if (typeof port === "string") throw new UsageError("--port must be a number for a matrix");
  return port;
}

export interface MatrixResult { m: Matrix; names: string[]; port: number | undefined; protocol: Protocol }

/** The truth table for --port/--protocol/--namespace. */
export function matrixResult(a: Analysis, values: Values): MatrixResult {
  const port = matrixPort(values);
  const endpoints = matrixEndpoints(a.inventory, list(values, "namespace"));
  const protocol = str(values, "protocol") as Protocol;
  const m = port === undefined ? connMatrix(a.connectivity, endpoints) : portMatrix(a.connectivity, endpoints, protocol, port);
  return { m, names: endpoints.map(endpointLabel), port, protocol };
}

/** What `matrix -o json` prints (and GET /api/v1/matrix serves). */
export function matrixDocument(r: MatrixResult): unknown { return matrixData(r.m, r.names, r.port, r.protocol); }

function matrixData(m: Matrix, names: string[], port: number | undefined, protocol: Protocol) {
  return {
    port, protocol: port === undefined ? undefined : protocol, endpoints: names,
    cells: m.cells.flatMap((row, i) => row.map((reach, j) => ({
      from: names[i], to: names[j], allowed: reach === "all", reach,
      connections: m.conns ? formatConns(m.conns[i][j]) : undefined,
    }))),
  };
}
