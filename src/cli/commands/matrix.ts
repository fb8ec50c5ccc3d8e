// junction matrix: the pods × pods truth table.

import { connMatrix, matrixEndpoints, portMatrix, type Matrix } from "../../analyze/matrix.js";
import { formatConns, type Protocol } from "../../model/ports.js";
import { renderCsv, renderTable } from "../../targets/table.js";
import { endpointLabel } from "../../targets/names.js";
import { EXIT, UsageError, list, portArg, str, type Command } from "../command.js";
import { ENGINE_OPTIONS, INPUT_OPTIONS, connectivityFor, loadEngine, outputOption, printOutput } from "../inputs.js";

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
    const port = portArg(values, "port");
    if (typeof port === "string") throw new UsageError("--port must be a number for a matrix");
    const { loaded, engine } = loadEngine(values, io);
    const endpoints = matrixEndpoints(loaded.inventory, list(values, "namespace"));
    const protocol = str(values, "protocol") as Protocol;
    const connectivity = connectivityFor(engine, values, io);
    const m = port === undefined ? connMatrix(connectivity, endpoints) : portMatrix(connectivity, endpoints, protocol, port);
    const names = endpoints.map(endpointLabel);
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

function matrixData(m: Matrix, names: string[], port: number | undefined, protocol: Protocol) {
  return {
    port, protocol: port === undefined ? undefined : protocol, endpoints: names,
    cells: m.cells.flatMap((row, i) => row.map((reach, j) => ({
      from: names[i], to: names[j], allowed: reach === "all", reach,
      connections: m.conns ? formatConns(m.conns[i][j]) : undefined,
    }))),
  };
}
