// Status conditions as a Gateway API controller writes them (metav1.Condition without the
// transition time, which a simulation cannot know).

export interface Condition {
  type: string;
  status: "True" | "False" | "Unknown";
  reason: string;
  message: string;
  observedGeneration: number;
}

/** A problem found while computing status: the reason code upstream defines, and why. */
export interface Problem { reason: string; message: string }

export function condition(type: string, ok: boolean | "Unknown", reason: string, message: string, generation: number): Condition {
  return { type, status: ok === "Unknown" ? "Unknown" : ok ? "True" : "False", reason, message, observedGeneration: generation };
}

/** A condition that is True with its default reason unless `problem` says otherwise. */
export function conditionFrom(type: string, problem: Problem | undefined, okReason: string, okMessage: string, generation: number): Condition {
  return problem ? condition(type, false, problem.reason, problem.message, generation) : condition(type, true, okReason, okMessage, generation);
}
