/**
 * Seeded random register histories for checking the checker: processes issue operations one
 * after another with random durations; each operation takes effect at a random point inside
 * its interval (so the history is linearizable by construction), some writes end with an
 * unknown outcome (taking effect later, or never), and `corrupt` then changes one output so
 * the history may or may not stay legal.
 */
import type { RegisterInput, RegisterOutput } from '../../support/checker/history.js';
import type { LinOp } from '../../support/checker/linearizability.js';
import type { Random } from '../../support/random.js';

export interface GenOptions {
  processes: number;
  opsPerProcess: number;
  keys: string[];
  unknownChance: number;
}

export function generateHistory(rnd: Random, o: GenOptions): LinOp<RegisterInput, RegisterOutput>[] {
  interface Planned {
    op: LinOp<RegisterInput, RegisterOutput>;
    at: number;
    effective: boolean;
  }
  const planned: Planned[] = [];
  let id = 0;
  for (let p = 0; p < o.processes; p++) {
    let t = rnd.int(0, 5);
    for (let i = 0; i < o.opsPerProcess; i++) {
      const invoke = t;
      const ret = invoke + rnd.int(0, 10);
      const key = rnd.pick(o.keys);
      const kind = rnd.int(0, 2);
      const value = `v${id}`;
      const input: RegisterInput = kind === 0 ? { f: 'read' } : kind === 1 ? { f: 'write', value } : { f: 'cas', expectedVersion: rnd.int(0, 3), value };
      const unknown = input.f !== 'read' && rnd.chance(o.unknownChance);
      const effective = !unknown || rnd.chance(0.5);
      // An unknown op may take effect any time after its invoke, even after it "returned".
      const at = unknown ? invoke + rnd.next() * 20 : invoke + rnd.next() * (ret - invoke);
      planned.push({ op: { id: id++, key, input, output: undefined, invokeMs: invoke, returnMs: unknown ? undefined : ret }, at, effective });
      t = ret + rnd.int(0, 3);
      // a process with an unknown outcome moves on (as a client does after a timeout)
    }
  }
  const state = new Map<string, { value: string; version: number }>();
  for (const k of o.keys) state.set(k, { value: '', version: 0 });
  for (const pl of [...planned].sort((a, b) => a.at - b.at)) {
    if (!pl.effective) continue;
    const s = state.get(pl.op.key)!;
    const inp = pl.op.input;
    let out: RegisterOutput;
    if (inp.f === 'read') out = { value: s.value, version: s.version };
    else if (inp.f === 'write' || s.version === inp.expectedVersion) {
      s.value = inp.value;
      s.version++;
      out = { version: s.version };
    } else out = { badVersion: true };
    if (pl.op.returnMs !== undefined) pl.op.output = out;
  }
  return planned.map((p) => p.op);
}

/** Changes one completed op's output in a small way (may or may not make it illegal). */
export function corrupt(rnd: Random, ops: LinOp<RegisterInput, RegisterOutput>[]): void {
  const done = ops.filter((op) => op.output !== undefined);
  if (done.length === 0) return;
  const op = rnd.pick(done);
  const out = op.output!;
  if ('value' in out) {
    op.output = rnd.chance(0.5) ? { value: out.value, version: out.version + rnd.pick([-1, 1]) } : { value: rnd.chance(0.5) ? '' : `v${rnd.int(0, ops.length)}`, version: out.version };
  } else if ('badVersion' in out) {
    op.output = { version: rnd.int(1, 4) };
  } else if (op.input.f === 'cas' && rnd.chance(0.5)) {
    op.output = { badVersion: true };
  } else {
    op.output = { version: out.version + rnd.pick([-1, 1]) };
  }
}
