/**
 * A decoder for SnapshotRecord (proto/warden/v1/storage.proto) that reads the protobuf wire
 * format straight into one reused object, for loading a snapshot of millions of nodes.
 *
 * The generated decoder builds, per node, a record, a node message, a Stat message, an Acl
 * and an Id per ACL entry, a Long per 64-bit field and a buffer view per bytes field, and
 * almost all of it is garbage a moment later; at start-up with 100k nodes that was a third
 * of the time. This reads the fields a node is built from and nothing more: strings and
 * zxids are the only values allocated, equal zxids of one node share one bigint, and an ACL
 * list is decoded once per distinct encoding (`aclKey`), not once per node.
 *
 * It accepts what any protobuf encoder may write: fields in any order, unknown fields
 * (skipped), negative int32s as ten-byte varints. Malformed input throws
 * SnapshotRecordError. Pure.
 */
import type { Acl, NodeKind } from './types.js';
import { KIND_FROM_PB } from './node-kind-pb.js';

export class SnapshotRecordError extends Error {
  override name = 'SnapshotRecordError';
}

const TWO_32 = 4294967296;
/** Above this high word, lo + hi * 2^32 is no longer exact in a double. */
const EXACT_HI_MAX = 0x1fffff;
const EMPTY = new Uint8Array(0);

export class SnapshotRecordReader {
  /** true: a session (sessionId, timeoutMs, password); false: a node (the rest). */
  isSession = false;
  sessionId = 0n;
  timeoutMs = 0;
  password: Uint8Array = EMPTY;

  path = '';
  /** a view into the record: copy it to keep it */
  data: Uint8Array = EMPTY;
  kind: NodeKind = 'persistent';
  ttlMs = 0;
  czxid = 0n;
  mzxid = 0n;
  pzxid = 0n;
  ctime = 0;
  mtime = 0;
  version = 0;
  cversion = 0;
  aversion = 0;
  ephemeralOwner = 0n;
  /** the node's ACL entries, encoded: equal keys mean equal lists (see acl()) */
  aclKey = '';

  private buf: Buffer = Buffer.alloc(0);
  private pos = 0;
  /** the last varint read, as two unsigned 32-bit halves */
  private lo = 0;
  private hi = 0;
  private readonly aclParts: string[] = [];
  private readonly acls = new Map<string, Acl[]>();

  /** Decodes one record into this object's fields. */
  read(bytes: Uint8Array): void {
    this.buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.pos = 0;
    let seen = false;
    while (this.pos < this.buf.length) {
      const tag = this.varint32();
      const end = this.lengthIfLen(tag);
      if (tag === ((1 << 3) | 2)) {
        this.node(end);
        seen = true;
      } else if (tag === ((2 << 3) | 2)) {
        this.session(end);
        seen = true;
      } else {
        this.skip(tag, end);
      }
    }
    if (!seen) throw new SnapshotRecordError('snapshot record is neither a node nor a session');
  }

  /** The ACL list of the node just read; equal lists are the same array. */
  acl(): Acl[] {
    const known = this.acls.get(this.aclKey);
    if (known) return known;
    const list: Acl[] = [];
    for (const part of this.aclParts) list.push(decodeAcl(Buffer.from(part, 'latin1')));
    this.acls.set(this.aclKey, list);
    return list;
  }

  private node(end: number): void {
    this.isSession = false;
    this.path = '';
    this.data = EMPTY;
    this.kind = 'persistent';
    this.ttlMs = 0;
    this.czxid = this.mzxid = this.pzxid = this.ephemeralOwner = 0n;
    this.ctime = this.mtime = this.version = this.cversion = this.aversion = 0;
    this.aclParts.length = 0;
    while (this.pos < end) {
      const tag = this.varint32();
      const len = this.lengthIfLen(tag);
      switch (tag) {
        case (1 << 3) | 2:
          this.path = this.buf.toString('utf8', this.pos, len);
          this.pos = len;
          break;
        case (2 << 3) | 2:
          this.data = this.buf.subarray(this.pos, len);
          this.pos = len;
          break;
        case (3 << 3) | 2:
          // Kept as latin1 text (one char per byte): the key that finds an equal list.
          this.aclParts.push(this.buf.toString('latin1', this.pos, len));
          this.pos = len;
          break;
        case (4 << 3) | 2:
          this.stat(len);
          break;
        case (5 << 3) | 0: {
          const n = this.varint32();
          const kind = KIND_FROM_PB[n];
          if (!kind) throw new SnapshotRecordError(`snapshot node ${this.path || '(path not yet read)'} has unknown kind ${n}`);
          this.kind = kind;
          break;
        }
        case (6 << 3) | 0:
          this.varint64();
          this.ttlMs = this.int64Number();
          break;
        default:
          this.skip(tag, len);
      }
    }
    this.end(end);
    const parts = this.aclParts;
    this.aclKey = parts.length === 1 ? parts[0]! : parts.map((p) => `${p.length}:${p}`).join('');
  }

  private stat(end: number): void {
    let cLo = 0;
    let cHi = 0;
    let mLo = -1;
    let mHi = -1;
    let m: bigint | undefined;
    while (this.pos < end) {
      const tag = this.varint32();
      const len = this.lengthIfLen(tag);
      switch (tag) {
        case (1 << 3) | 0:
          this.varint64();
          cLo = this.lo;
          cHi = this.hi;
          this.czxid = this.uint64();
          break;
        case (2 << 3) | 0:
          this.varint64();
          mLo = this.lo;
          mHi = this.hi;
          m = this.lo === cLo && this.hi === cHi ? this.czxid : this.uint64();
          this.mzxid = m;
          break;
        case (3 << 3) | 0:
          this.varint64();
          this.ctime = this.int64Number();
          break;
        case (4 << 3) | 0:
          this.varint64();
          this.mtime = this.int64Number();
          break;
        case (5 << 3) | 0:
          this.version = this.varint32() | 0;
          break;
        case (6 << 3) | 0:
          this.cversion = this.varint32() | 0;
          break;
        case (7 << 3) | 0:
          this.aversion = this.varint32() | 0;
          break;
        case (8 << 3) | 0:
          this.varint64();
          this.ephemeralOwner = this.lo === 0 && this.hi === 0 ? 0n : this.uint64();
          break;
        case (11 << 3) | 0:
          this.varint64();
          this.pzxid = this.lo === cLo && this.hi === cHi ? this.czxid : this.lo === mLo && this.hi === mHi && m !== undefined ? m : this.uint64();
          break;
        default:
          // data_length and num_children are recomputed on load; anything else is unknown
          this.skip(tag, len);
      }
    }
    // A zxid left out (zero) is 0n; czxid is read first by every encoder we know, but a
    // missing czxid must still compare as zero for the sharing above.
    if (mLo === -1) this.mzxid = cLo === 0 && cHi === 0 ? this.czxid : 0n;
    this.end(end);
  }

  private session(end: number): void {
    this.isSession = true;
    this.sessionId = 0n;
    this.timeoutMs = 0;
    this.password = EMPTY;
    while (this.pos < end) {
      const tag = this.varint32();
      const len = this.lengthIfLen(tag);
      switch (tag) {
        case (1 << 3) | 0:
          this.varint64();
          this.sessionId = this.uint64();
          break;
        case (2 << 3) | 0:
          this.timeoutMs = this.varint32() | 0;
          break;
        case (3 << 3) | 2:
          this.password = Uint8Array.prototype.slice.call(this.buf, this.pos, len);
          this.pos = len;
          break;
        default:
          this.skip(tag, len);
      }
    }
    this.end(end);
  }

  // ---------------------------------------------------------------- wire primitives

  /** For a length-delimited tag: reads the length and returns where the field ends; else -1. */
  private lengthIfLen(tag: number): number {
    if ((tag & 7) !== 2) return -1;
    const n = this.varint32();
    const end = this.pos + n;
    if (end > this.buf.length) throw new SnapshotRecordError(`field ${tag >>> 3} runs past the end of the record`);
    return end;
  }

  private end(end: number): void {
    if (this.pos !== end) throw new SnapshotRecordError('a nested message runs past its length');
  }

  private skip(tag: number, end: number): void {
    switch (tag & 7) {
      case 0:
        this.varint64();
        return;
      case 1:
        this.pos += 8;
        break;
      case 2:
        this.pos = end;
        return;
      case 5:
        this.pos += 4;
        break;
      default:
        throw new SnapshotRecordError(`unknown wire type ${tag & 7}`);
    }
    if (this.pos > this.buf.length) throw new SnapshotRecordError('a fixed-size field runs past the end of the record');
  }

  /** A varint's low 32 bits (tags, lengths, int32s; higher bits are read and dropped). */
  private varint32(): number {
    this.varint64();
    return this.lo;
  }

  private varint64(): void {
    const b = this.buf;
    let lo = 0;
    let hi = 0;
    let shift = 0;
    for (let i = 0; ; i++) {
      if (this.pos >= b.length) throw new SnapshotRecordError('a varint runs past the end of the record');
      if (i === 10) throw new SnapshotRecordError('a varint longer than ten bytes');
      const byte = b[this.pos++]!;
      if (i < 4) lo |= (byte & 0x7f) << shift;
      else if (i === 4) {
        lo |= (byte & 0x0f) << 28;
        hi = (byte & 0x7f) >> 4;
      } else hi |= (byte & 0x7f) << (shift - 32);
      shift += 7;
      if ((byte & 0x80) === 0) break;
    }
    this.lo = lo >>> 0;
    this.hi = hi >>> 0;
  }

  private uint64(): bigint {
    if (this.hi <= EXACT_HI_MAX) return BigInt(this.hi * TWO_32 + this.lo);
    return (BigInt(this.hi) << 32n) | BigInt(this.lo);
  }

  /** The last varint as a signed 64-bit number (times in ms fit a double exactly). */
  private int64Number(): number {
    return (this.hi | 0) * TWO_32 + this.lo;
  }
}

/** Decodes one encoded Acl message (perms, Id{scheme, id}): a few per distinct list. */
function decodeAcl(b: Buffer): Acl {
  let perms = 0;
  let scheme = '';
  let id = '';
  for (const f of fields(b)) {
    if (f.field === 1 && f.value !== undefined) perms = f.value | 0;
    if (f.field === 2 && f.bytes) {
      for (const g of fields(f.bytes)) {
        if (g.field === 1 && g.bytes) scheme = g.bytes.toString('utf8');
        if (g.field === 2 && g.bytes) id = g.bytes.toString('utf8');
      }
    }
  }
  return { perms, id: { scheme, id } };
}

/** The fields of a small message, in order. */
function fields(b: Buffer): Array<{ field: number; value?: number; bytes?: Buffer }> {
  const out: Array<{ field: number; value?: number; bytes?: Buffer }> = [];
  let pos = 0;
  const varint = (): number => {
    let v = 0;
    let mul = 1;
    for (let i = 0; ; i++) {
      if (pos >= b.length || i === 10) throw new SnapshotRecordError('a bad varint in an ACL entry');
      const byte = b[pos++]!;
      if (i < 5) v += (byte & 0x7f) * mul;
      mul *= 128;
      if ((byte & 0x80) === 0) return v;
    }
  };
  while (pos < b.length) {
    const tag = varint();
    const field = Math.floor(tag / 8);
    switch (tag & 7) {
      case 0:
        out.push({ field, value: varint() });
        break;
      case 2: {
        const n = varint();
        if (pos + n > b.length) throw new SnapshotRecordError('an ACL entry field runs past its end');
        out.push({ field, bytes: b.subarray(pos, pos + n) });
        pos += n;
        break;
      }
      case 1:
        pos += 8;
        break;
      case 5:
        pos += 4;
        break;
      default:
        throw new SnapshotRecordError(`unknown wire type ${tag & 7} in an ACL entry`);
    }
  }
  if (pos > b.length) throw new SnapshotRecordError('an ACL entry runs past its end');
  return out;
}
