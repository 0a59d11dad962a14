"use client";

import { useActionState } from "react";
import { cancelStudyAction, createStudyAction, type ActionState } from "./actions";

const EXAMPLE = `name: xor-demo
dataset: { builtin: xor, n: 400, noise: 0.3 }
task: binary
space:
  depth: { int: [1, 3] }
  width: { int: [2, 32], log: true, perLayer: true }
  activation: { choice: [relu, tanh] }
  learningRate: { float: [0.01, 1.0], log: true }
  batchSize: { choice: [8, 16, 32] }
  epochs: 40
cv: { folds: 5, stratified: true }
objective: { metric: accuracy, direction: maximize }
sampler: random
budget: { trials: 24, parallel: 4 }
seed: 7
`;

/** The study file goes to the coordinator as text; it validates it and names a bad field. */
export function CreateStudyForm() {
  const [state, action, pending] = useActionState<ActionState, FormData>(createStudyAction, {});
  return (
    <form action={action} className="create-form" aria-labelledby="create-h">
      <h2 id="create-h">New study</h2>
      <label htmlFor="studyFile">Study file (YAML or JSON)</label>
      <textarea id="studyFile" name="studyFile" rows={12} defaultValue={EXAMPLE} spellCheck={false} required
        aria-describedby={state.error ? "create-error" : undefined} />
      <div className="form-row">
        <button type="submit" disabled={pending}>{pending ? "Creating…" : "Create study"}</button>
        {state.error && <p id="create-error" className="error-box" role="alert">{state.error}</p>}
      </div>
    </form>
  );
}

export function CancelStudyButton({ studyId, name }: { studyId: string; name: string }) {
  const [state, action, pending] = useActionState<ActionState, FormData>(cancelStudyAction, {});
  return (
    <form action={action} className="inline-form">
      <input type="hidden" name="studyId" value={studyId} />
      <button type="submit" className="danger" disabled={pending} aria-label={`Cancel study ${name}`}>
        {pending ? "Cancelling…" : "Cancel study"}
      </button>
      {state.error && <span className="error-box" role="alert">{state.error}</span>}
    </form>
  );
}
