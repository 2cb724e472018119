/**
 * The naive twin of the linearizability checker, for checking the checker: tries every
 * order of the operations that respects real time (a before b when a returned before b was
 * invoked) and every choice of which unknown-outcome operations happened at all. Only for
 * tiny histories (it is exponential); it shares nothing with the fast checker but the model.
 */
import type { LinOp, Model } from './linearizability.js';

export function bruteForceLinearizable<S, I, O>(model: Model<S, I, O>, ops: readonly LinOp<I, O>[]): boolean {
  const keys = [...new Set(ops.map((o) => o.key))];
  return keys.every((key) => searchKey(model, model.init(key), ops.filter((o) => o.key === key)));
}

function searchKey<S, I, O>(model: Model<S, I, O>, state: S, remaining: readonly LinOp<I, O>[]): boolean {
  // Success once every remaining op is one that may never have happened.
  if (remaining.every((o) => o.returnMs === undefined)) return true;
  for (let i = 0; i < remaining.length; i++) {
    const op = remaining[i]!;
    // op may go next only if no other remaining op had to finish before op began.
    const blocked = remaining.some((r) => r !== op && r.returnMs !== undefined && r.returnMs < op.invokeMs);
    if (blocked) continue;
    const next = model.step(state, op.input, op.output);
    if (next === undefined) continue;
    if (searchKey(model, next, remaining.filter((_, j) => j !== i))) return true;
  }
  return false;
}
