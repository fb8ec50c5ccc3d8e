// junction version: the version of this build (package.json's; a test keeps them equal).

import { EXIT, type Command } from "./command.js";
import { outputOption, printOutput } from "./inputs.js";

export const VERSION = "0.1.0";

export const versionCommand: Command = {
  name: "version",
  summary: "Print Junction's version (and Node's).",
  usage: "junction version [-o table|json|yaml]",
  options: { ...outputOption(["table", "json", "yaml"], "table") },
  run(values, _pos, io) {
    const data = { junction: VERSION, node: process.versions.node };
    printOutput(io, values, () => data, () => `junction ${VERSION} (node ${process.versions.node})\n`);
    return EXIT.ok;
  },
};
