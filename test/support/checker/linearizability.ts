/**
 * A Wing & Gong linearizability checker with Lowe's memoisation, partitioned per key (the
 * algorithm porcupine uses; this is Warden's own code).
 *
 * The history becomes a doubly linked list of call and return entries in time order (a call
 * before a return at the same instant, so touching operations count as concurrent). The
 * search walks the list: at a call it tries to linearize that operation now (the model's
 * step must accept its output), lifts the call and its return out of the list and starts
 * again from the head; at a return whose call was not linearized it backtracks. A set of
 * (linearized operations, model state) pairs already explored cuts the search, which is
 * what makes it practical. Keys are independent registers, so each key is checked alone
 * (P-compositionality).
 *
 * Unknown outcomes: the operation has no return entry at all, so it may be linearized at
 * any point after its call or left out ("never happened"), and its step accepts any output.
 * That is exactly "maybe happened".
 *
 * Invariants: pure (no clock, no randomness); a search that exceeds `stepsMax` answers
 * `unknown`, never `linearizable`.
 */

export interface Model<S, I, O> {
  init(key: string): S;
  /** The state after `input` with observed `output` (undefined: unknown outcome), or undefined if impossible. */
  step(state: S, input: I, output: O | undefined): S | undefined;
  /** A string that is equal for equal states (memoisation key). */
  stateKey(state: S): string;
}

export interface LinOp<I, O> {
  id: number;
  key: string;
  input: I;
  /** undefined when the outcome is unknown */
  output: O | undefined;
  invokeMs: number;
  /** undefined when the outcome is unknown: the operation may take effect any time after invoke, or never */
  returnMs: number | undefined;
}

export type LinResult = 'linearizable' | 'illegal' | 'unknown';

export interface KeyResult {
  key: string;
  result: LinResult;
  ops: number;
  /** search steps spent */
  steps: number;
  /** for illegal keys: the longest prefix linearized before the search gave up (op ids) */
  longestPrefix?: number[];
}

export interface CheckResult {
  result: LinResult;
  keys: KeyResult[];
}

interface Node<I, O> {
  id: number;
  call: boolean;
  input: I;
  output: O | undefined;
  /** for a call entry: its return entry (undefined for an unknown outcome) */
  match: Node<I, O> | undefined;
  /** for a call entry of an op with an unknown outcome */
  open: boolean;
  prev: Node<I, O> | undefined;
  next: Node<I, O> | undefined;
}

/** Checks every key's sub-history; the whole is linearizable iff every key is. */
export function checkLinearizable<S, I, O>(model: Model<S, I, O>, ops: readonly LinOp<I, O>[], opts: { stepsMax?: number } = {}): CheckResult {
  const byKey = new Map<string, LinOp<I, O>[]>();
  for (const op of ops) {
    let list = byKey.get(op.key);
    if (!list) byKey.set(op.key, (list = []));
    list.push(op);
  }
  const keys: KeyResult[] = [];
  for (const [key, list] of [...byKey].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    keys.push(checkKey(model, key, list, opts.stepsMax ?? 2_000_000));
  }
  const result: LinResult = keys.some((k) => k.result === 'illegal') ? 'illegal' : keys.some((k) => k.result === 'unknown') ? 'unknown' : 'linearizable';
  return { result, keys };
}

function buildList<I, O>(ops: readonly LinOp<I, O>[]): Node<I, O> {
  interface Ev {
    t: number;
    call: boolean;
    node: Node<I, O>;
  }
  const events: Ev[] = [];
  ops.forEach((op, index) => {
    const unknown = op.returnMs === undefined;
    const call: Node<I, O> = { id: index, call: true, input: op.input, output: op.output, match: undefined, open: unknown, prev: undefined, next: undefined };
    events.push({ t: op.invokeMs, call: true, node: call });
    if (!unknown) {
      if (op.returnMs! < op.invokeMs) throw new RangeError(`op ${op.id} returns (${op.returnMs}) before it is invoked (${op.invokeMs})`);
      const ret: Node<I, O> = { id: index, call: false, input: op.input, output: op.output, match: undefined, open: false, prev: undefined, next: undefined };
      call.match = ret;
      events.push({ t: op.returnMs!, call: false, node: ret });
    }
  });
  events.sort((a, b) => a.t - b.t || (a.call === b.call ? 0 : a.call ? -1 : 1));
  const head: Node<I, O> = { id: -1, call: false, input: undefined as I, output: undefined, match: undefined, open: false, prev: undefined, next: undefined };
  let last = head;
  for (const e of events) {
    last.next = e.node;
    e.node.prev = last;
    last = e.node;
  }
  return head;
}

function lift<I, O>(n: Node<I, O>): void {
  n.prev!.next = n.next;
  if (n.next) n.next.prev = n.prev;
  const m = n.match;
  if (m) {
    m.prev!.next = m.next;
    if (m.next) m.next.prev = m.prev;
  }
}

function unlift<I, O>(n: Node<I, O>): void {
  const m = n.match;
  if (m) {
    m.prev!.next = m;
    if (m.next) m.next.prev = m;
  }
  n.prev!.next = n;
  if (n.next) n.next.prev = n;
}

/** A growable bit set with a compact string form for the memo key. */
class Bits {
  readonly words: Uint32Array;
  constructor(n: number) {
    this.words = new Uint32Array(Math.ceil(n / 32) || 1);
  }
  set(i: number): void {
    this.words[i >>> 5]! |= 1 << (i & 31);
  }
  clear(i: number): void {
    this.words[i >>> 5]! &= ~(1 << (i & 31));
  }
  key(): string {
    return Array.from(this.words, (w) => w.toString(36)).join('.');
  }
}

function checkKey<S, I, O>(model: Model<S, I, O>, key: string, ops: readonly LinOp<I, O>[], stepsMax: number): KeyResult {
  const head = buildList(ops);
  const linearized = new Bits(ops.length);
  const seen = new Set<string>();
  const calls: Array<{ node: Node<I, O>; state: S }> = [];
  let longest: number[] = [];
  let state = model.init(key);
  let entry = head.next;
  let steps = 0;
  // Done when only open (unknown-outcome) calls remain: each of them may be left out.
  let closedLeft = ops.filter((op) => op.returnMs !== undefined).length;
  for (;;) {
    if (closedLeft === 0) return { key, result: 'linearizable', ops: ops.length, steps };
    if (++steps > stepsMax) return { key, result: 'unknown', ops: ops.length, steps };
    // A closed call still in the list has its return after it, so the walk meets a return
    // entry before it can run off the end.
    if (entry === undefined) throw new Error('linearizability search ran off the end of the history');
    if (entry.call) {
      const next = model.step(state, entry.input, entry.open ? undefined : entry.output);
      if (next !== undefined) {
        linearized.set(entry.id);
        const memo = `${linearized.key()}|${model.stateKey(next)}`;
        if (!seen.has(memo)) {
          seen.add(memo);
          calls.push({ node: entry, state });
          state = next;
          lift(entry);
          if (!entry.open) closedLeft--;
          entry = head.next;
          continue;
        }
        linearized.clear(entry.id);
      }
      entry = entry.next;
      continue;
    }
    // A return entry whose call is not linearized: this path is a dead end.
    if (calls.length > longest.length) longest = calls.map((c) => ops[c.node.id]!.id);
    const resumed = backtrack();
    if (resumed === null) return { key, result: 'illegal', ops: ops.length, steps, longestPrefix: longest };
    entry = resumed;
  }

  function backtrack(): Node<I, O> | undefined | null {
    const top = calls.pop();
    if (!top) return null;
    state = top.state;
    linearized.clear(top.node.id);
    unlift(top.node);
    if (!top.node.open) closedLeft++;
    return top.node.next;
  }
}
