/**
 * Corruption in the committed part of ONE member's txn log, on a real 3-voter ensemble
 * (issue 7 item 3): the damaged member must refuse to start with an error naming the file
 * and the byte offset (never a silent loss), while the other two keep serving reads and
 * writes; then the operator's repair, as ZooKeeper operators do it (move the member's data
 * dir aside, keep `myid`, start it again), must bring it back by a SNAP from the leader,
 * holding every acknowledged write.
 *
 * Order matters for "committed": every write the damaged member logged before its kill was
 * acknowledged (they are written one at a time and the kill comes after the last answer),
 * and the bit flipped lies in a record with a valid record after it, so recovery cannot
 * take it for a torn tail. Enough writes follow (more than the leader keeps for a DIFF) that
 * the repaired member, which comes back with an empty log, needs a SNAP.
 */
import { copyFileSync, mkdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { connect, type Client } from '../../../sdk/index.js';
import { startEnsemble, type Ensemble } from '../ensemble.js';
import { waitStable } from '../ensemble-status.js';
import { Random } from '../random.js';
import { waitFor } from '../wait-for.js';
import { bitFlipCommitted } from './log-damage.js';
import type { Verdict } from './storage-scenarios.js';

export const MEMBER_FLIP_FAULT = 'bit flip (committed), one member of 3';
const REQUIRED = 'refused, named file and offset; the other 2 served; rejoined by SNAP, none lost';

/** Writes the leader keeps for DIFFs (DESIGN: 500) plus a margin: past it a member with an empty log needs a SNAP. */
const WRITES_PAST_DIFF = 650;
const SESSION_MS = 10_000;

interface Load {
  acked: string[];
  readsOk: number;
  failures: number;
  stop(): Promise<void>;
}

/** Writers creating /m/<tag>-<w>-<i> (each one read back) through `c` until stopped. */
function load(c: Client, tag: string, writers: number): Load {
  const out: Load = { acked: [], readsOk: 0, failures: 0, stop: async () => {} };
  let stopped = false;
  const loops = Array.from({ length: writers }, async (_, w) => {
    for (let i = 0; !stopped; i++) {
      const name = `${tag}-${w}-${i}`;
      try {
        await c.create(`/m/${name}`, name, { timeoutMs: 5000 });
        out.acked.push(name);
        if ((await c.getData(`/m/${name}`, { timeoutMs: 5000 })).data.toString() === name) out.readsOk++;
      } catch {
        // outcome unknown: counted, and the node may or may not exist
        out.failures++;
        await new Promise((r) => setTimeout(r, 20));
      }
    }
  });
  out.stop = async () => {
    stopped = true;
    await Promise.all(loops);
  };
  return out;
}

/** Names of `want` that member `id` lacks (or holds with other data), read there after a sync. */
async function missingOn(e: Ensemble, id: number, want: readonly string[]): Promise<string[]> {
  const c = await connect({ servers: e.address(id), sessionTimeoutMs: SESSION_MS, requestTimeoutMs: 10_000 });
  try {
    await c.sync('/m');
    const have = new Set(await c.getChildren('/m'));
    const lost = want.filter((n) => !have.has(n));
    // the data too, for a sample spread over the whole history
    for (let i = 0; i < want.length; i += Math.max(1, Math.floor(want.length / 50))) {
      const n = want[i]!;
      if (have.has(n) && (await c.getData(`/m/${n}`)).data.toString() !== n) lost.push(`${n} (wrong data)`);
    }
    return lost;
  } finally {
    await c.close().catch(() => undefined);
  }
}

/** The repair: the damaged data dir moved aside (kept for a post-mortem), a fresh one with the same myid. */
function moveDataDirAside(dataDir: string): string {
  const aside = `${dataDir}.corrupt`;
  renameSync(dataDir, aside);
  mkdirSync(dataDir);
  copyFileSync(join(aside, 'myid'), join(dataDir, 'myid'));
  return aside;
}

export async function memberBitFlipScenario(seed: number): Promise<Verdict> {
  const rnd = new Random(seed);
  const fail = (outcome: string, detail: string): Verdict => ({ fault: MEMBER_FLIP_FAULT, outcome, ok: false, detail });
  const e = await startEnsemble({ voters: 3, extra: { preAllocSize: 64, snapCount: 100_000 } });
  const clients: Client[] = [];
  try {
    const leader = await waitStable(e);
    const victim = rnd.pick([1, 2, 3].filter((id) => id !== leader));
    const others = [1, 2, 3].filter((id) => id !== victim);
    const first = await connect({ servers: e.address(leader), sessionTimeoutMs: SESSION_MS, requestTimeoutMs: 10_000 });
    clients.push(first);
    await first.create('/m', '');
    const acked: string[] = [];
    for (let i = 0; i < 40; i++) {
      await first.create(`/m/before-${i}`, `before-${i}`);
      acked.push(`before-${i}`);
    }
    // The victim has logged (and fsynced) what the quorum acknowledged; make sure it has the last one.
    await waitFor(() => missingOn(e, victim, acked).then((l) => l.length === 0), { what: `member ${victim} holding the first writes`, timeoutMs: 60_000 });
    await e.member(victim).kill('SIGKILL');

    // The other two serve from now on: a client that only knows them.
    const viaOthers = await connect({ servers: others.map((id) => e.address(id)).join(','), sessionTimeoutMs: SESSION_MS, requestTimeoutMs: 10_000 });
    clients.push(viaOthers);
    const during = load(viaOthers, 'during', 8);

    const damage = bitFlipCommitted(join(e.cfgs.find((c) => c.id === victim)!.dataDir, 'log'), rnd);
    if (!damage) return fail('no record to damage', `member ${victim}`);
    const started = await e.member(victim).restart().then(
      () => true,
      () => false,
    );
    const out = e.member(victim).output();
    const named = out.includes(damage.file) && new RegExp(`byte ${damage.offset}\\b`).test(out);
    const refusal = /cannot start: (.*)/.exec(out)?.[1] ?? '';
    if (started) return fail('started anyway (silent)', `${damage.file} record at byte ${damage.offset}`);
    if (!named) return fail('refused to start; file/offset not named', `${damage.file} byte ${damage.offset}; said: ${refusal}`);

    // While it is down (refused), the other two keep serving: enough writes that DIFF cannot reach back.
    const atRefusal = during.acked.length;
    await waitFor(() => during.acked.length >= Math.max(atRefusal + 50, WRITES_PAST_DIFF), { what: `${WRITES_PAST_DIFF} writes through the other two members`, timeoutMs: 120_000 });
    const servedWrites = during.acked.length;
    const servedReads = during.readsOk;

    const dataDir = e.cfgs.find((c) => c.id === victim)!.dataDir;
    moveDataDirAside(dataDir);
    await e.start(victim);
    await waitStable(e, [1, 2, 3], 120_000);
    await during.stop();
    const all = [...acked, ...during.acked];
    const bySnap = /installed a snapshot from the leader/.test(e.member(victim).output());
    const lost = await missingOn(e, victim, all);
    const ok = bySnap && lost.length === 0 && servedWrites > 0 && servedReads > 0;
    return {
      fault: MEMBER_FLIP_FAULT,
      outcome: ok ? REQUIRED : `rejoined by SNAP=${bySnap}; lost=${lost.length}; writes served while down=${servedWrites}; reads=${servedReads}`,
      ok,
      detail: `member ${victim} of 3 (leader ${leader}): "${refusal}"; ${servedWrites} writes and ${servedReads} reads served by the others while it was down (${during.failures} failed or unknown); ${all.length} acknowledged writes checked on it after the repair${lost.length ? `; lost: ${lost.slice(0, 5).join(', ')}` : ''}`,
    };
  } finally {
    for (const c of clients) await c.close({ timeoutMs: 1000 }).catch(() => undefined);
    await Promise.all(e.members.map((m) => (tryMember(e, m.id)?.kill('SIGKILL') ?? Promise.resolve())));
  }
}

function tryMember(e: Ensemble, id: number): ReturnType<Ensemble['member']> | undefined {
  try {
    return e.member(id);
  } catch {
    return undefined;
  }
}
