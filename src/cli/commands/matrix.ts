// junction matrix: the pods × pods truth table.

import { connMatrix, matrixEndpoints, matrixShape, portMatrix, type Matrix, type Reach } from "../../analyze/matrix.js";
import { workloadPeers } from "../../analyze/connlist.js";
import { FOCUS_OPTIONS, checkFocusNames, focusOf } from "../focus.js";
import { formatConns, type Protocol } from "../../model/ports.js";
import { renderCsv, renderTable } from "../../targets/table.js";
import { endpointLabel } from "../../targets/names.js";
import { EXIT, UsageError, list, portArg, str, type Command, type Values } from "../command.js";
import { ENGINE_OPTIONS, INPUT_OPTIONS, loadAnalysis, outputOption, printOutput } from "../inputs.js";
import { CLUSTER_INPUT_OPTIONS } from "../cluster-inputs.js";
import type { Analysis } from "../analysis.js";

const SYMBOL = { all: ".", none: "X", some: "~" } as const;

export const matrixCommand: Command = {
  name: "matrix",
  summary: "Print the pods × pods truth table (rows: sources, columns: destinations).",
  usage: "junction matrix -f PATH [--port P --protocol PROTO] [--namespace NS]... [-o table|json|yaml|csv]",
  description: [
    "With --port: '.' allowed, 'X' denied, as the upstream e2e tests print it.",
    "Without --port: '.' every connection allowed, 'X' none, '~' some (see junction list for which).",
    "--focus-workload keeps the rows and columns of the pairs it keeps (cells of other pairs are empty);",
    "--focus-conn PROTO-PORT is --port and --protocol in np-guard's words.",
  ].join("\n"),
  options: {
    ...INPUT_OPTIONS, ...CLUSTER_INPUT_OPTIONS,
    port: { type: "string", short: "p", arg: "PORT", description: "destination port number" },
    protocol: { type: "string", arg: "PROTO", choices: ["TCP", "UDP", "SCTP"], default: "TCP", description: "protocol with --port" },
    namespace: { type: "string", short: "n", multiple: true, arg: "NS", description: "only pods of these namespaces (repeatable)" },
    ...outputOption(["table", "json", "yaml", "csv"], "table"),
    ...FOCUS_OPTIONS,
    ...ENGINE_OPTIONS,
  },
  examples: ["junction matrix -f examples/shop --port 8080", "junction matrix -f examples/shop -n shop -o csv", "junction matrix -f examples/shop --focus-workload shop/api --focus-conn tcp-8080"],
  run(values, _pos, io) {
    matrixPort(values);
    const { m, rows, cols, port, protocol } = matrixResult(loadAnalysis(values, io), values);
    const format = str(values, "output");
    const symbol = (c: Reach | undefined) => (c === undefined ? "" : SYMBOL[c]);
    if (format === "json" || format === "yaml") printOutput(io, values, () => matrixDocument({ m, rows, cols, port, protocol }), () => "");
    else if (format === "csv") io.out(renderCsv(["from\\to", ...cols], m.cells.map((row, i) => [rows[i], ...row.map((c) => c ?? "")])));
    else {
      const title = port === undefined ? "all ports" : `${protocol}/${port}`;
      io.out(renderTable([title, ...cols], m.cells.map((row, i) => [rows[i], ...row.map(symbol)])));
    }
    return EXIT.ok;
  },
};

/** --port (a number) or --focus-conn's port, with the protocol to read it with. */
function matrixPort(values: Values): { port: number | undefined; protocol: Protocol } {
  const port = portArg(values, "port");
  if (typeof port === "string") throw new UsageError("--port must be a number for a matrix");
  const conn = focusOf(values).conn;
  if (conn && port !== undefined) throw new UsageError("give --port or --focus-conn, not both");
  return conn ?? { port, protocol: str(values, "protocol") as Protocol };
}

export interface MatrixResult { m: Matrix; rows: string[]; cols: string[]; port: number | undefined; protocol: Protocol }

/** The truth table for --port/--protocol/--namespace and the focus options. */
export function matrixResult(a: Analysis, values: Values): MatrixResult {
  const { port, protocol } = matrixPort(values);
  const focus = focusOf(values);
  checkFocusNames(focus, workloadPeers(a.inventory));
  const shape = matrixShape(a.inventory, matrixEndpoints(a.inventory, list(values, "namespace")), focus);
  const m = port === undefined ? connMatrix(a.connectivity, shape) : portMatrix(a.connectivity, shape, protocol, port);
  return { m, rows: m.rows.map(endpointLabel), cols: m.cols.map(endpointLabel), port, protocol };
}

/** What `matrix -o json` prints (and GET /api/v1/matrix serves): `endpoints` when rows and columns are the same. */
export function matrixDocument(r: MatrixResult): unknown {
  const { m, rows, cols, port, protocol } = r;
  const square = rows.length === cols.length && rows.every((x, i) => x === cols[i]);
  return {
    port, protocol: port === undefined ? undefined : protocol,
    ...(square ? { endpoints: rows } : { rows, cols }),
    cells: m.cells.flatMap((row, i) => row.flatMap((reach, j) => reach === undefined ? [] : [{
      from: rows[i], to: cols[j], allowed: reach === "all", reach,
      connections: m.conns?.[i][j] ? formatConns(m.conns[i][j]!) : undefined,
    }])),
  };
}
