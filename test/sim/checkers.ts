/**
 * Safety checkers, run after every simulated step. Each violation is a sentence naming the
 * guarantee (DESIGN §1, §3) and the evidence.
 *
 * - committed prefixes agree: every replica applies the same entries in the same order
 *   (one canonical committed sequence; each replica's applied history is a prefix of it);
 * - zxids strictly increase (in each replica's applied history and durable log);
 * - epochs never go back (durable acceptedEpoch/currentEpoch; currentEpoch <= accepted);
 * - tree digests are equal at equal zxid;
 * - no acknowledged write is lost (it stays in the canonical sequence, and after the
 *   liveness phase every live replica has applied it);
 * - ephemerals match live sessions on every replica (across expiry, crashes and leader changes);
 * - at most one leader per epoch.
 */
import type { Zxid } from '../../server/base/zxid.js';
import type { Effect, Entry, ServerId, Snapshot } from '../../server/zab/types.js';
import type { NodeObserver, SimNode } from './sim-node.js';

function hash(data: Uint8Array): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < data.length; i++) h = Math.imul(h ^ data[i]!, 0x01000193);
  return `${data.length}:${(h >>> 0).toString(16)}`;
}

export class Checkers implements NodeObserver {
  readonly violations: string[] = [];
  /** the one committed sequence every replica must follow */
  private readonly canon: Array<{ zxid: Zxid; hash: string }> = [];
  private readonly canonIndex = new Map<Zxid, number>();
  /** per node: index in canon of its last applied entry (-1: empty tree) */
  private readonly pos = new Map<ServerId, number>();
  private readonly digestAt = new Map<Zxid, bigint>();
  private readonly leaderOf = new Map<number, ServerId>();
  private readonly epochs = new Map<ServerId, { accepted: number; current: number }>();
  readonly acked = new Map<Zxid, string>();
  elections = 0;
  applies = 0;

  fail(msg: string): void {
    if (this.violations.length < 20) this.violations.push(msg);
  }

  private at(node: SimNode): string {
    return `server ${node.id}`;
  }

  applied(node: SimNode, entry: Entry, digest: bigint): void {
    this.applies++;
    const h = hash(entry.data);
    const p = this.pos.get(node.id) ?? -1;
    const next = p + 1;
    if (next < this.canon.length) {
      const c = this.canon[next]!;
      if (c.zxid !== entry.zxid || c.hash !== h) {
        this.fail(`committed prefixes disagree: ${this.at(node)} applied 0x${entry.zxid.toString(16)} (${h}) where the committed sequence has 0x${c.zxid.toString(16)} (${c.hash})`);
      }
    } else {
      const last = this.canon.at(-1)?.zxid ?? 0n;
      if (entry.zxid <= last) this.fail(`zxids must strictly increase: 0x${entry.zxid.toString(16)} committed after 0x${last.toString(16)}`);
      this.canon.push({ zxid: entry.zxid, hash: h });
      this.canonIndex.set(entry.zxid, next);
    }
    this.pos.set(node.id, next);
    this.checkDigest(node, entry.zxid, digest);
    this.checkEphemerals(node);
  }

  installed(node: SimNode, snapshot: Snapshot, digest: bigint): void {
    if (snapshot.zxid === 0n) {
      this.pos.set(node.id, -1);
      return;
    }
    const i = this.canonIndex.get(snapshot.zxid);
    if (i === undefined) {
      this.fail(`${this.at(node)} installed a snapshot at 0x${snapshot.zxid.toString(16)}, which is not a committed zxid`);
      return;
    }
    this.pos.set(node.id, i);
    this.checkDigest(node, snapshot.zxid, digest);
  }

  /** A restart: the tree is back at its snapshot (or empty). */
  restarted(node: SimNode): void {
    if (node.tree.lastZxid === 0n) this.pos.set(node.id, -1);
  }

  role(node: SimNode, e: Extract<Effect, { kind: 'role' }>): void {
    if (e.mode !== 'leader') return;
    this.elections++;
    const prev = this.leaderOf.get(e.epoch);
    if (prev !== undefined && prev !== node.id) this.fail(`two leaders in epoch ${e.epoch}: servers ${prev} and ${node.id}`);
    this.leaderOf.set(e.epoch, node.id);
  }

  acknowledged(node: SimNode, zxid: Zxid, entry: Entry): void {
    const i = this.canonIndex.get(zxid);
    if (i === undefined || this.canon[i]!.hash !== hash(entry.data)) this.fail(`${this.at(node)} acknowledged 0x${zxid.toString(16)} which is not in the committed sequence`);
    this.acked.set(zxid, hash(entry.data));
  }

  persisted(node: SimNode): void {
    const d = node.disk;
    const prev = this.epochs.get(node.id) ?? { accepted: 0, current: 0 };
    if (d.acceptedEpoch < prev.accepted) this.fail(`${this.at(node)}: acceptedEpoch went back from ${prev.accepted} to ${d.acceptedEpoch}`);
    if (d.currentEpoch < prev.current) this.fail(`${this.at(node)}: currentEpoch went back from ${prev.current} to ${d.currentEpoch}`);
    if (d.currentEpoch > d.acceptedEpoch) this.fail(`${this.at(node)}: currentEpoch ${d.currentEpoch} above acceptedEpoch ${d.acceptedEpoch}`);
    this.epochs.set(node.id, { accepted: d.acceptedEpoch, current: d.currentEpoch });
    for (let i = 1; i < d.log.length; i++) {
      if (d.log[i]!.zxid <= d.log[i - 1]!.zxid) {
        this.fail(`${this.at(node)}: durable log does not strictly increase at 0x${d.log[i]!.zxid.toString(16)}`);
        break;
      }
    }
  }

  private checkDigest(node: SimNode, zxid: Zxid, digest: bigint): void {
    const seen = this.digestAt.get(zxid);
    if (seen === undefined) this.digestAt.set(zxid, digest);
    else if (seen !== digest) this.fail(`tree digests differ at 0x${zxid.toString(16)}: ${this.at(node)} has ${digest.toString(16)}, another replica had ${seen.toString(16)}`);
  }

  private checkEphemerals(node: SimNode): void {
    const tree = node.tree;
    const sessions = tree.sessions();
    let found = 0;
    const stack = ['/'];
    while (stack.length > 0) {
      const path = stack.pop()!;
      const n = tree.get(path);
      if (!n) continue;
      const owner = n.stat.ephemeralOwner;
      if (owner !== 0n) {
        found++;
        if (!sessions.has(owner)) this.fail(`${this.at(node)}: ephemeral ${path} outlives its session 0x${owner.toString(16)} at 0x${tree.lastZxid.toString(16)}`);
        else if (!tree.ephemeralsOf(owner).has(path)) this.fail(`${this.at(node)}: ephemeral ${path} missing from its session's set`);
      }
      for (const name of n.children) stack.push(path === '/' ? `/${name}` : `${path}/${name}`);
    }
    if (found !== tree.ephemeralCount()) this.fail(`${this.at(node)}: ${found} ephemeral nodes but sessions list ${tree.ephemeralCount()}`);
  }

  /** After the liveness phase: every acknowledged write is applied on every live replica. */
  checkAcknowledgedEverywhere(nodes: readonly SimNode[]): void {
    for (const [zxid, h] of this.acked) {
      const i = this.canonIndex.get(zxid);
      if (i === undefined || this.canon[i]!.hash !== h) {
        this.fail(`acknowledged write 0x${zxid.toString(16)} was lost from the committed sequence`);
        continue;
      }
      for (const n of nodes) {
        if (!n.up) continue;
        if ((this.pos.get(n.id) ?? -1) < i) this.fail(`acknowledged write 0x${zxid.toString(16)} is missing on server ${n.id} after healing`);
      }
    }
  }

  position(id: ServerId): number {
    return this.pos.get(id) ?? -1;
  }

  get committedCount(): number {
    return this.canon.length;
  }
}
