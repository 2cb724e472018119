/**
 * Per-peer message order across persists, for drivers of the Zab core.
 *
 * The core stamps every session message with a sequence number as it creates it, and a
 * durable message (an ACK) is created before its persist completes. A plain send created
 * after it must therefore not overtake it, or the peer sees a gap and drops the session.
 * The outbox keeps one FIFO per peer: a durable message holds its place (unready) until
 * its persist is durable, and nothing behind it leaves before it.
 */
import type { ServerId } from './types.js';

export interface Slot<M> {
  readonly to: ServerId;
  readonly msg: M;
  ready: boolean;
}

export class Outbox<M> {
  private readonly queues = new Map<ServerId, Array<Slot<M>>>();

  /** Queues a message that may leave at once; returns what may leave now, in order. */
  send(to: ServerId, msg: M): Array<Slot<M>> {
    this.queue(to).push({ to, msg, ready: true });
    return this.flush(to);
  }

  /** Reserves places for messages that must wait for a persist. */
  hold(items: ReadonlyArray<{ readonly to: ServerId; readonly msg: M }>): Array<Slot<M>> {
    const slots: Array<Slot<M>> = [];
    for (const it of items) {
      const slot: Slot<M> = { to: it.to, msg: it.msg, ready: false };
      this.queue(it.to).push(slot);
      slots.push(slot);
    }
    return slots;
  }

  /** The persist behind these slots is durable; returns what may leave now, in order. */
  release(slots: ReadonlyArray<Slot<M>>): Array<Slot<M>> {
    const peers = new Set<ServerId>();
    for (const s of slots) {
      s.ready = true;
      peers.add(s.to);
    }
    const out: Array<Slot<M>> = [];
    for (const p of peers) out.push(...this.flush(p));
    return out;
  }

  /** Forgets everything queued (a crash, or a connection that is gone). */
  clear(to?: ServerId): void {
    if (to === undefined) this.queues.clear();
    else this.queues.delete(to);
  }

  pending(): number {
    let n = 0;
    for (const q of this.queues.values()) n += q.length;
    return n;
  }

  private queue(to: ServerId): Array<Slot<M>> {
    let q = this.queues.get(to);
    if (!q) this.queues.set(to, (q = []));
    return q;
  }

  private flush(to: ServerId): Array<Slot<M>> {
    const q = this.queues.get(to);
    if (!q) return [];
    let n = 0;
    while (n < q.length && q[n]!.ready) n++;
    return q.splice(0, n);
  }
}
