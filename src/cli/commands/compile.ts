// junction compile: policy compiled to a back end (Kubernetes APIs, nftables, ...).

import { COMPILE_TARGETS } from "../compile-targets.js";
import { UsageError, str, type Command, type OptionSpec, type OutputFormat } from "../command.js";
import { ENGINE_OPTIONS, INPUT_OPTIONS, loadInputs, outputOption } from "../inputs.js";

const targetOptions: Record<string, OptionSpec> = Object.assign({}, ...COMPILE_TARGETS.map((t) => t.options));
const formats: OutputFormat[] = [...new Set(COMPILE_TARGETS.flatMap((t) => t.formats))];

export const compileCommand: Command = {
  name: "compile",
  summary: "Compile policy to a back end: the standard Kubernetes APIs, host firewalls, ...",
  usage: `junction compile -f PATH --target ${COMPILE_TARGETS.map((t) => t.name).join("|") || "TARGET"} [options]`,
  description: ["Targets:", ...COMPILE_TARGETS.map((t) => `  ${t.name}: ${t.description}`)].join("\n"),
  options: {
    ...INPUT_OPTIONS,
    target: { type: "string", short: "t", arg: "TARGET", choices: COMPILE_TARGETS.map((t) => t.name), description: "back end to compile to" },
    output: { ...outputOption(formats, formats[0]).output, default: undefined, description: "output format (default: the target's first)" },
    ...targetOptions,
    ...ENGINE_OPTIONS,
  },
  run(values, _pos, io) {
    const target = COMPILE_TARGETS.find((t) => t.name === str(values, "target"));
    if (!target) throw new UsageError(`--target is required (${COMPILE_TARGETS.map((t) => t.name).join(", ")})`);
    const format = (str(values, "output") ?? target.formats[0]) as OutputFormat;
    if (!target.formats.includes(format)) throw new UsageError(`--target ${target.name} prints ${target.formats.join(", ")}, not ${format}`);
    values.output = format;
    return target.run(loadInputs(values, io), values, io);
  },
};
