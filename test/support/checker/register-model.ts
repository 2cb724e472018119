/**
 * The model of one znode used as a register: a value and its data version. setData without
 * a version is `write`; setData with a version is `cas` (BADVERSION when it differs); getData
 * is `read`. Every key starts as created by the workload before the history: value '' (or
 * `initial`) at version 0.
 */
import type { OpRecord, RegisterInput, RegisterOutput } from './history.js';
import type { LinOp, Model } from './linearizability.js';

export interface RegisterState {
  value: string;
  version: number;
}

export function registerModel(initial: (key: string) => RegisterState = () => ({ value: '', version: 0 })): Model<RegisterState, RegisterInput, RegisterOutput> {
  return {
    init: initial,
    stateKey: (s) => `${s.version}:${s.value}`,
    step(s, input, output) {
      switch (input.f) {
        case 'read': {
          if (output === undefined) return s;
          if (!('value' in output)) return undefined;
          return output.value === s.value && output.version === s.version ? s : undefined;
        }
        case 'write': {
          const next = { value: input.value, version: s.version + 1 };
          if (output === undefined) return next;
          return 'version' in output && !('value' in output) && output.version === next.version ? next : undefined;
        }
        case 'cas': {
          const matches = s.version === input.expectedVersion;
          const next = { value: input.value, version: s.version + 1 };
          if (output === undefined) return matches ? next : s;
          if ('badVersion' in output) return matches ? undefined : s;
          return matches && 'version' in output && !('value' in output) && output.version === next.version ? next : undefined;
        }
      }
    },
  };
}

/**
 * The operations the register check looks at: acknowledged ones, BADVERSION answers (they
 * read the version), and unknown writes (maybe happened). Unknown reads say nothing and
 * other definite failures did not take effect, so both are left out.
 */
export function registerLinOps(ops: readonly OpRecord[]): LinOp<RegisterInput, RegisterOutput>[] {
  const out: LinOp<RegisterInput, RegisterOutput>[] = [];
  for (const op of ops) {
    if (op.outcome === 'unknown') {
      if (op.input.f === 'read') continue;
      out.push({ id: op.id, key: op.key, input: op.input, output: undefined, invokeMs: op.invokeMs, returnMs: undefined });
    } else if (op.outcome === 'ok' || (op.outcome === 'failed' && op.output !== undefined && 'badVersion' in op.output)) {
      out.push({ id: op.id, key: op.key, input: op.input, output: op.output, invokeMs: op.invokeMs, returnMs: op.returnMs });
    }
  }
  return out;
}
