/**
 * A tiny synchronous driver for unit tests of the Zab core: perfect FIFO links (that the
 * test can cut), persists that complete when the test says so (or at once), and a record
 * of every effect, so a test can state a sentence of the protocol and check it.
 */
import { Outbox, type Slot } from '../../../server/zab/outbox.js';
import type { Effect, Entry, Member, Msg, PersistOp, ServerId, ZabInit } from '../../../server/zab/types.js';
import { Zab } from '../../../server/zab/zab.js';

export const TIMING = { initLimitTicks: 10, syncLimitTicks: 5, heartbeatTicks: 1, electionResendTicks: 2, finalizeTicks: 2, logRetainMax: 100 };

export function entry(zxid: bigint, text = `txn-${zxid.toString(16)}`): Entry {
  return { zxid, data: new TextEncoder().encode(text) };
}

export interface TestNode {
  id: ServerId;
  zab: Zab;
  effects: Effect[];
  applied: Entry[];
  persisted: PersistOp[];
  outbox: Outbox<Msg>;
  pendingPersists: Array<{ ops: readonly PersistOp[]; slots: Array<Slot<Msg>> }>;
  up: boolean;
}

let rngState = 1;
const rng = (): number => {
  rngState = (rngState * 1103515245 + 12345) % 2147483648;
  return rngState / 2147483648;
};

export class Cluster {
  readonly nodes = new Map<ServerId, TestNode>();
  private readonly wire: Array<{ from: ServerId; to: ServerId; msg: Msg }> = [];
  readonly cut = new Set<string>();
  /** when false, persists wait for flushPersists() */
  autoPersist = true;

  constructor(
    readonly members: Member[],
    inits: Partial<Record<ServerId, ZabInit>> = {},
    start: ServerId[] = members.map((m) => m.id),
    /** over TIMING, for every node (e.g. a smaller logRetainMax, a diffBytesMax) */
    readonly timing: Partial<typeof TIMING> & { diffBytesMax?: () => number } = {},
  ) {
    for (const m of members) {
      const init = inits[m.id] ?? { acceptedEpoch: 0, currentEpoch: 0, snapshotZxid: 0n, entries: [] };
      const node: TestNode = {
        id: m.id,
        zab: undefined as unknown as Zab,
        effects: [],
        applied: [],
        persisted: [],
        outbox: new Outbox<Msg>(),
        pendingPersists: [],
        up: false,
      };
      this.nodes.set(m.id, node);
      if (start.includes(m.id)) this.startNode(m.id, init);
    }
  }

  startNode(id: ServerId, init: ZabInit): void {
    const n = this.node(id);
    n.up = true;
    n.outbox = new Outbox<Msg>();
    n.pendingPersists = [];
    n.zab = new Zab({ id, members: this.members, ...TIMING, ...this.timing, snapshot: () => ({ zxid: n.zab.applied, records: [] }), random: rng }, init);
    this.drain(n);
  }

  stop(id: ServerId): void {
    const n = this.node(id);
    n.up = false;
    n.pendingPersists = [];
    n.outbox.clear();
  }

  node(id: ServerId): TestNode {
    const n = this.nodes.get(id);
    if (!n) throw new Error(`no node ${id}`);
    return n;
  }

  private drain(n: TestNode): void {
    if (!n.up) return;
    for (const e of n.zab.ready()) {
      n.effects.push(e);
      switch (e.kind) {
        case 'send':
          this.post(n, n.outbox.send(e.to, e.msg));
          break;
        case 'persist':
          n.pendingPersists.push({ ops: e.ops, slots: n.outbox.hold(e.then) });
          if (this.autoPersist) this.flushPersists(n.id);
          break;
        case 'apply':
          n.applied.push(e.entry);
          break;
        case 'install':
        case 'role':
          break;
      }
    }
  }

  /** Completes every persist of node `id` that is waiting. */
  flushPersists(id: ServerId): void {
    const n = this.node(id);
    while (n.pendingPersists.length > 0) {
      const p = n.pendingPersists.shift()!;
      n.persisted.push(...p.ops);
      this.post(n, n.outbox.release(p.slots));
    }
  }

  private post(from: TestNode, slots: Array<Slot<Msg>>): void {
    for (const s of slots) this.wire.push({ from: from.id, to: s.to, msg: s.msg });
  }

  /** Delivers messages until none are left (a message to a cut link or a stopped node is lost). */
  run(limit = 100_000): void {
    for (let i = 0; i < limit && this.wire.length > 0; i++) {
      const m = this.wire.shift()!;
      const to = this.nodes.get(m.to);
      if (!to?.up || this.cut.has(`${m.from}>${m.to}`) || this.cut.has(`${m.to}>${m.from}`)) continue;
      to.zab.step(m.from, m.msg);
      this.drain(to);
    }
  }

  /** Ticks every running node `n` times, delivering messages after each tick. */
  tick(n = 1): void {
    for (let i = 0; i < n; i++) {
      for (const node of this.nodes.values()) {
        if (!node.up) continue;
        node.zab.tick();
        this.drain(node);
      }
      this.run();
    }
  }

  isolate(id: ServerId): void {
    for (const m of this.members) if (m.id !== id) this.cut.add(`${id}>${m.id}`);
  }

  heal(): void {
    this.cut.clear();
  }

  /** Runs until some node is an established leader (or gives up). */
  elect(maxTicks = 100): TestNode {
    this.run();
    for (let i = 0; i < maxTicks; i++) {
      const leader = [...this.nodes.values()].find((n) => n.up && n.zab.canPropose);
      if (leader && [...this.nodes.values()].every((n) => !n.up || n.zab.mode !== 'looking' || this.isCut(n.id))) return leader;
      this.tick();
    }
    const leader = [...this.nodes.values()].find((n) => n.up && n.zab.canPropose);
    if (!leader) throw new Error('no leader elected');
    return leader;
  }

  private isCut(id: ServerId): boolean {
    for (const k of this.cut) if (k.startsWith(`${id}>`)) return true;
    return false;
  }

  /** Proposes the next entry at the leader and lets it run. */
  write(leader: TestNode, text?: string): Entry {
    const e = entry(leader.zab.nextZxid(), text);
    leader.zab.propose(e);
    this.drain(leader);
    this.run();
    return e;
  }

  sent(id: ServerId, type: Msg['type']): Array<{ to: ServerId; msg: Msg }> {
    return this.node(id).effects.flatMap((e) => {
      if (e.kind === 'send' && e.msg.type === type) return [{ to: e.to, msg: e.msg as Msg }];
      if (e.kind === 'persist') return e.then.filter((t) => t.msg.type === type).map((t) => ({ to: t.to, msg: t.msg as Msg }));
      return [];
    });
  }
}

export const voters = (n: number, observers = 0): Member[] => [
  ...Array.from({ length: n }, (_, i) => ({ id: i + 1, voter: true })),
  ...Array.from({ length: observers }, (_, i) => ({ id: n + i + 1, voter: false })),
];
