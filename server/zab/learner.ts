/**
 * The FOLLOWING and OBSERVING roles (a learner): connect, accept the epoch, sync, then
 * follow the broadcast.
 *
 * - LEADERINFO with an epoch below our acceptedEpoch: that leader is stale; look again.
 *   A higher one is persisted as acceptedEpoch before ACKEPOCH leaves (ACKEPOCH is durable).
 * - SYNC: the log is brought in line (truncate / install snapshot / append) and
 *   currentEpoch is set; all of it is one persist, and ACK of NEWLEADER is sent only once
 *   it is durable (ZOOKEEPER-3911). Nothing is applied before UPTODATE.
 * - PROPOSAL: appended and persisted, then ACKed (a follower); a duplicate of an entry the
 *   SYNC already carried is ignored (spec issue 2). COMMIT and UPTODATE are cumulative.
 * - INFORM (an observer): a committed entry, logged and applied; never acknowledged.
 * - Silence from the leader past syncLimit (initLimit while syncing), a gap in its message
 *   sequence or a RESET: the session is over; look again.
 */
import { assert } from '../base/assert.js';
import { maxZxid, type Zxid } from '../base/zxid.js';
import type { Host } from './host.js';
import type { LeaderMsg, LearnerMsg, PersistOp, ServerId } from './types.js';

type Phase = 'connecting' | 'epoch' | 'syncing' | 'synced' | 'broadcast';

const MAX_CONNECT_ATTEMPTS = 10;

export class LearnerRole {
  conn: number;
  phase: Phase = 'connecting';
  /** a leader that resets us before LEADERINFO may just not lead yet: retry a few times */
  private connectAttempts = 1;
  private retryAt: number | undefined;
  private sendSeq = 0;
  private recvSeq = -1;
  private readonly started: number;
  private lastHeard: number;
  private commitTarget: Zxid = 0n;
  private epoch: number | undefined;

  constructor(
    private readonly host: Host,
    readonly leader: ServerId,
    readonly observer: boolean,
  ) {
    this.conn = host.newConnId();
    this.started = host.now;
    this.lastHeard = host.now;
    this.sendOut({ type: 'learnerInfo', observer, acceptedEpoch: host.acceptedEpoch });
  }

  get synced(): boolean {
    return this.phase === 'broadcast';
  }

  receive(from: ServerId, msg: LeaderMsg): void {
    if (from !== this.leader || msg.conn !== this.conn) return;
    if (msg.seq <= this.recvSeq) return; // duplicate
    if (msg.seq !== this.recvSeq + 1) {
      this.host.lookAgain(`lost messages from leader ${from} (got #${msg.seq}, expected #${this.recvSeq + 1})`);
      return;
    }
    this.recvSeq = msg.seq;
    this.lastHeard = this.host.now;
    switch (msg.type) {
      case 'leaderInfo':
        return this.onLeaderInfo(msg.epoch);
      case 'sync':
        return this.onSync(msg);
      case 'proposal':
        return this.onProposal(msg.entry.zxid, msg.entry);
      case 'commit':
        return this.onCommit(msg.zxid);
      case 'inform':
        this.onProposal(msg.entry.zxid, msg.entry);
        return this.onCommit(msg.entry.zxid);
      case 'upToDate':
        return this.onUpToDate(msg.committedZxid);
      case 'leaderPing':
        this.sendOut({ type: 'learnerPing' });
        return;
    }
  }

  onReset(from: ServerId, conn: number): void {
    if (from !== this.leader || conn !== this.conn) return;
    if (this.phase === 'connecting' && this.connectAttempts < MAX_CONNECT_ATTEMPTS) {
      // The election decided before the leader itself did; ask again next tick.
      this.retryAt = this.host.now + 1;
      return;
    }
    this.host.lookAgain(`leader ${from} reset the session`);
  }

  private reconnect(): void {
    this.retryAt = undefined;
    this.connectAttempts++;
    this.conn = this.host.newConnId();
    this.sendSeq = 0;
    this.recvSeq = -1;
    this.sendOut({ type: 'learnerInfo', observer: this.observer, acceptedEpoch: this.host.acceptedEpoch });
  }

  private onLeaderInfo(epoch: number): void {
    if (this.phase !== 'connecting') return this.host.lookAgain('unexpected LEADERINFO');
    if (epoch < this.host.acceptedEpoch) return this.host.lookAgain(`leader proposes epoch ${epoch} below our accepted epoch ${this.host.acceptedEpoch}`);
    const ops: PersistOp[] = [];
    if (epoch > this.host.acceptedEpoch) {
      this.host.acceptedEpoch = epoch;
      ops.push({ kind: 'acceptedEpoch', epoch });
    }
    this.epoch = epoch;
    this.phase = 'syncing';
    this.host.persist(ops, [
      { to: this.leader, msg: { type: 'ackEpoch', conn: this.conn, seq: this.sendSeq++, epoch, currentEpoch: this.host.currentEpoch, lastZxid: this.host.log.lastZxid } },
    ]);
  }

  private onSync(msg: Extract<LeaderMsg, { type: 'sync' }>): void {
    if (this.phase !== 'syncing' || msg.epoch !== this.epoch) return this.host.lookAgain('unexpected SYNC');
    const log = this.host.log;
    const ops: PersistOp[] = [];
    if (msg.mode === 'trunc') {
      assert(msg.truncZxid >= this.host.applied, `TRUNC to 0x${msg.truncZxid.toString(16)} below what is applied (0x${this.host.applied.toString(16)})`);
      log.truncateAfter(msg.truncZxid);
      ops.push({ kind: 'truncate', zxid: msg.truncZxid });
    } else if (msg.mode === 'snap') {
      assert(msg.snapshot !== undefined, 'SNAP carries a snapshot');
      this.host.install(msg.snapshot);
      log.resetTo(msg.snapshot.zxid);
      ops.push({ kind: 'snapshot', snapshot: msg.snapshot });
    }
    const fresh = msg.entries.filter((e) => e.zxid > log.lastZxid);
    for (const e of fresh) log.append(e);
    if (fresh.length > 0) ops.push({ kind: 'append', entries: fresh });
    if (log.lastZxid !== msg.newLeaderZxid) {
      return this.host.lookAgain(`after SYNC our log ends at 0x${log.lastZxid.toString(16)}, not NEWLEADER's 0x${msg.newLeaderZxid.toString(16)}`);
    }
    this.host.currentEpoch = msg.epoch;
    ops.push({ kind: 'currentEpoch', epoch: msg.epoch });
    this.phase = 'synced';
    this.host.persist(ops, [{ to: this.leader, msg: { type: 'ackNewLeader', conn: this.conn, seq: this.sendSeq++, zxid: msg.newLeaderZxid } }]);
  }

  private onProposal(zxid: Zxid, entry: { zxid: Zxid; data: Uint8Array }): void {
    if (this.phase !== 'synced' && this.phase !== 'broadcast') return this.host.lookAgain('PROPOSAL before SYNC');
    if (zxid <= this.host.log.lastZxid) return; // already had it from SYNC
    this.host.log.append(entry);
    if (this.observer) {
      this.host.persist([{ kind: 'append', entries: [entry] }], []);
      return;
    }
    this.host.persist([{ kind: 'append', entries: [entry] }], [{ to: this.leader, msg: { type: 'ack', conn: this.conn, seq: this.sendSeq++, zxid } }]);
  }

  private onCommit(zxid: Zxid): void {
    this.commitTarget = maxZxid(this.commitTarget, zxid);
    if (this.phase === 'broadcast') this.host.applyUpTo(this.commitTarget < this.host.log.lastZxid ? this.commitTarget : this.host.log.lastZxid);
  }

  private onUpToDate(committed: Zxid): void {
    if (this.phase !== 'synced') return this.host.lookAgain('UPTODATE before SYNC was acked');
    this.phase = 'broadcast';
    this.onCommit(committed);
    this.host.serving(this.observer ? 'observer' : 'follower', this.epoch!, this.leader, 'synced with the leader');
  }

  tick(): void {
    const now = this.host.now;
    const cfg = this.host.cfg;
    if (this.retryAt !== undefined && now >= this.retryAt) this.reconnect();
    if (this.phase !== 'broadcast' && now - this.started > cfg.initLimitTicks) {
      this.host.lookAgain(`not synced with leader ${this.leader} within initLimit`);
    } else if (this.phase === 'broadcast' && now - this.lastHeard > cfg.syncLimitTicks) {
      this.host.lookAgain(`leader ${this.leader} silent past syncLimit`);
    }
  }

  peerDown(from: ServerId): void {
    if (from === this.leader) this.host.lookAgain(`connection to leader ${from} closed`);
  }

  private sendOut(msg: DistributiveOmit<Exclude<LearnerMsg, { type: 'ackEpoch' | 'ackNewLeader' | 'ack' }>, 'conn' | 'seq'>): void {
    this.host.send(this.leader, { ...msg, conn: this.conn, seq: this.sendSeq++ } as Exclude<LearnerMsg, { type: 'ackEpoch' | 'ackNewLeader' | 'ack' }>);
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
