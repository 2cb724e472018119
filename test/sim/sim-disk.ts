/**
 * The simulated disk of one server: what survives a crash. It holds exactly what the real
 * storage persists for Zab (acceptedEpoch, currentEpoch, the txn log, the newest snapshot)
 * and applies persist ops the way server/storage does.
 *
 * A crash during a write keeps a random prefix of the ops of the batch being written (a
 * torn tail: a log append is cut at an entry boundary, as recovery truncates a torn record)
 * and loses every batch not yet started. Nothing that was acknowledged is ever torn, because
 * acknowledgements leave only after their whole batch is durable.
 */
import type { Zxid } from '../../server/base/zxid.js';
import type { Entry, PersistOp, Snapshot } from '../../server/zab/types.js';
import type { Rng } from './rng.js';

export interface DiskImage {
  acceptedEpoch: number;
  currentEpoch: number;
  snapshot: Snapshot | undefined;
  log: Entry[];
}

export class SimDisk {
  acceptedEpoch = 0;
  currentEpoch = 0;
  snapshot: Snapshot | undefined;
  /** the newest snapshot's size (its records), which bounds how far back a DIFF reaches */
  snapshotBytes = 0;
  log: Entry[] = [];
  /** what an empty log continues from */
  private logBase = 0n;
  /** durable writes done, for the checkers */
  writes = 0;

  /** Carries out one persist op durably. */
  apply(op: PersistOp): void {
    this.writes++;
    switch (op.kind) {
      case 'acceptedEpoch':
        this.acceptedEpoch = op.epoch;
        return;
      case 'currentEpoch':
        this.currentEpoch = op.epoch;
        return;
      case 'append': {
        for (const e of op.entries) {
          // Like server/storage: a record must follow the log's last record (a snapshot of
          // committed state may be ahead of a log whose fsync has not landed yet).
          const last = this.log.at(-1)?.zxid ?? this.logBase;
          if (e.zxid <= last) throw new Error(`sim disk: append 0x${e.zxid.toString(16)} does not follow 0x${last.toString(16)}`);
          this.log.push(e);
        }
        return;
      }
      case 'truncate':
        this.log = this.log.filter((e) => e.zxid <= op.zxid);
        if (this.log.length === 0) this.logBase = op.zxid;
        return;
      case 'snapshot':
        this.setSnapshot(op.snapshot);
        // server/storage keeps older records, which recovery skips; dropping them is equivalent.
        this.log = [];
        this.logBase = op.snapshot.zxid;
        return;
    }
  }

  /** A crash in the middle of writing `ops`: a random prefix (entry-granular) lands. */
  tear(ops: readonly PersistOp[], rng: Rng): void {
    const cut = rng.int(0, ops.length);
    for (let i = 0; i < cut; i++) this.apply(ops[i]!);
    const partial = ops[cut];
    if (partial?.kind === 'append' && partial.entries.length > 1) {
      this.apply({ kind: 'append', entries: partial.entries.slice(0, rng.int(0, partial.entries.length - 1)) });
    }
  }

  /** A snapshot the server took of its own (committed) state. */
  saveSnapshot(s: Snapshot): void {
    if (this.snapshot && this.snapshot.zxid >= s.zxid) return;
    this.setSnapshot(s);
  }

  private setSnapshot(s: Snapshot): void {
    this.snapshot = s;
    this.snapshotBytes = s.records.reduce((n, r) => n + r.length, 0);
  }

  /** What recovery reads back: the snapshot and the log records after it. */
  recover(): { snapshotZxid: Zxid; snapshot: Snapshot | undefined; entries: Entry[] } {
    const base = this.snapshot?.zxid ?? 0n;
    return { snapshotZxid: base, snapshot: this.snapshot, entries: this.log.filter((e) => e.zxid > base) };
  }
}
