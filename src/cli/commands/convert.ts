// junction convert: translate one API into another (Ingress → Gateway API, policies → common API, ...).
// Each subject is a subcommand; modules add theirs to CONVERT_SUBCOMMANDS.

import { EXIT, type Command } from "../command.js";
import { convertIngressCommand } from "./convert-ingress.js";
import { convertPolicyCommand } from "./convert-policy.js";

export const CONVERT_SUBCOMMANDS: Command[] = [
  convertPolicyCommand,
  convertIngressCommand,
];

export const convertCommand: Command = {
  name: "convert",
  summary: "Translate between APIs (e.g. Ingress to Gateway API, Kubernetes policies to the common API).",
  usage: "junction convert SUBJECT -f PATH [options]",
  options: {},
  subcommands: CONVERT_SUBCOMMANDS,
  run: () => EXIT.invalid,
};
