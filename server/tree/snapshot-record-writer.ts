/**
 * The encoding side of snapshot-record-reader.ts: SnapshotRecord (proto/warden/v1/
 * storage.proto) in the protobuf wire format, written straight into shared chunks.
 *
 * The generated encoder made, per node, a message object per field, a Long per 64-bit
 * value, a writer and a buffer of its own; a snapshot of 100k nodes then held 100k buffers
 * until it was written. Here records are appended to 1 MiB chunks and remembered by their
 * end offsets only, an ACL list is encoded once (lists are interned by the tree) and copied
 * per node, and zero values are left out, as proto3 allows. Any protobuf decoder reads the
 * records (the tests check the generated one). Pure.
 */
import type { Acl, NodeKind, SessionId, Stat } from './types.js';
import { KIND_TO_PB } from './node-kind-pb.js';

const CHUNK_BYTES = 1024 * 1024;
const TWO_32 = 4294967296;
const LEN = 2;

/** What a node record is made from (a live node, or the image a snapshot cursor kept). */
export interface EncodableNode {
  readonly path: string;
  readonly data: Uint8Array;
  /** the same data as a latin1 string, when the node keeps it so (read instead of `data`) */
  readonly dataText?: string;
  readonly acl: readonly Acl[];
  readonly stat: Readonly<Stat>;
  readonly kind: NodeKind;
  readonly ttlMs: number;
}

/** Encoded records, in order: iterating yields a view of each (valid while this lives). */
export class SnapshotRecords implements Iterable<Uint8Array> {
  private readonly chunks: Buffer[] = [];
  /** per chunk, the end offset of each of its records */
  private readonly ends: number[][] = [];
  private chunk: Buffer = Buffer.alloc(0);
  private chunkEnds: number[] = [];
  private at = 0;
  private count = 0;
  private readonly aclBytes = new Map<readonly Acl[], Buffer>();

  get length(): number {
    return this.count;
  }

  *[Symbol.iterator](): Iterator<Uint8Array> {
    for (let c = 0; c < this.chunks.length; c++) {
      const chunk = this.chunks[c]!;
      let start = 0;
      for (const end of this.ends[c]!) {
        yield chunk.subarray(start, end);
        start = end;
      }
    }
  }

  addSession(id: SessionId, timeoutMs: number, password: Uint8Array): void {
    const [idLo, idHi] = split64(id);
    const body = size64(idLo, idHi) + sizeInt32(timeoutMs) + sizeBytes(password.length);
    const b = this.room(1 + varintSize(body) + body);
    let p = this.at;
    p = tagLen(b, p, 2, body);
    p = field64(b, p, 1, idLo, idHi);
    p = fieldInt32(b, p, 2, timeoutMs);
    p = fieldBytes(b, p, 3, password);
    this.finish(p);
  }

  addNode(n: EncodableNode): void {
    const s = n.stat;
    const [cLo, cHi] = split64(s.czxid);
    const [mLo, mHi] = s.mzxid === s.czxid ? [cLo, cHi] : split64(s.mzxid);
    const [pLo, pHi] = s.pzxid === s.czxid ? [cLo, cHi] : split64(s.pzxid);
    const [oLo, oHi] = s.ephemeralOwner === 0n ? [0, 0] : split64(s.ephemeralOwner);
    const ctLo = lo64(s.ctime);
    const ctHi = hi64(s.ctime);
    const mtLo = lo64(s.mtime);
    const mtHi = hi64(s.mtime);
    const stat =
      size64(cLo, cHi) +
      size64(mLo, mHi) +
      size64(ctLo, ctHi) +
      size64(mtLo, mtHi) +
      sizeInt32(s.version) +
      sizeInt32(s.cversion) +
      sizeInt32(s.aversion) +
      size64(oLo, oHi) +
      size64(pLo, pHi);
    const pathBytes = Buffer.byteLength(n.path, 'utf8');
    const acl = this.encodedAcl(n.acl);
    const kind = KIND_TO_PB[n.kind];
    const ttlLo = lo64(n.ttlMs);
    const ttlHi = hi64(n.ttlMs);
    const text = n.dataText;
    const data = text === undefined ? n.data : undefined;
    const dataBytes = text === undefined ? data!.length : text.length;
    const node = sizeBytes(pathBytes) + sizeBytes(dataBytes) + acl.length + (1 + varintSize(stat) + stat) + sizeInt32(kind) + size64(ttlLo, ttlHi);
    const b = this.room(1 + varintSize(node) + node);
    let p = this.at;
    p = tagLen(b, p, 1, node);
    if (pathBytes > 0) {
      p = tagLen(b, p, 1, pathBytes);
      p += b.write(n.path, p, pathBytes, 'utf8');
    }
    if (dataBytes > 0) {
      p = tagLen(b, p, 2, dataBytes);
      p += text === undefined ? (b.set(data!, p), dataBytes) : b.write(text, p, dataBytes, 'latin1');
    }
    p += acl.copy(b, p);
    p = tagLen(b, p, 4, stat);
    p = field64(b, p, 1, cLo, cHi);
    p = field64(b, p, 2, mLo, mHi);
    p = field64(b, p, 3, ctLo, ctHi);
    p = field64(b, p, 4, mtLo, mtHi);
    p = fieldInt32(b, p, 5, s.version);
    p = fieldInt32(b, p, 6, s.cversion);
    p = fieldInt32(b, p, 7, s.aversion);
    p = field64(b, p, 8, oLo, oHi);
    p = field64(b, p, 11, pLo, pHi);
    p = fieldInt32(b, p, 5, kind);
    p = field64(b, p, 6, ttlLo, ttlHi);
    this.finish(p);
  }

  /** The ACL entries as repeated field 3 of a node, encoded once per (interned) list. */
  private encodedAcl(acl: readonly Acl[]): Buffer {
    let bytes = this.aclBytes.get(acl);
    if (bytes) return bytes;
    const parts: Buffer[] = [];
    for (const a of acl) {
      const scheme = Buffer.from(a.id.scheme, 'utf8');
      const id = Buffer.from(a.id.id, 'utf8');
      const idSize = sizeBytes(scheme.length) + sizeBytes(id.length);
      const entry = sizeInt32(a.perms) + 1 + varintSize(idSize) + idSize;
      const b = Buffer.alloc(1 + varintSize(entry) + entry);
      let p = tagLen(b, 0, 3, entry);
      p = fieldInt32(b, p, 1, a.perms);
      p = tagLen(b, p, 2, idSize);
      p = fieldBytes(b, p, 1, scheme);
      p = fieldBytes(b, p, 2, id);
      parts.push(b.subarray(0, p));
    }
    bytes = Buffer.concat(parts);
    this.aclBytes.set(acl, bytes);
    return bytes;
  }

  /** The current chunk, with room for `bytes` more at `this.at`. */
  private room(bytes: number): Buffer {
    if (this.at + bytes <= this.chunk.length) return this.chunk;
    this.chunk = Buffer.allocUnsafe(Math.max(CHUNK_BYTES, bytes));
    this.chunkEnds = [];
    this.chunks.push(this.chunk);
    this.ends.push(this.chunkEnds);
    this.at = 0;
    return this.chunk;
  }

  private finish(end: number): void {
    this.chunkEnds.push(end);
    this.at = end;
    this.count++;
  }
}

// ------------------------------------------------------------------ wire primitives

/** The low and high 32 bits of an unsigned 64-bit value. */
function split64(v: bigint): [number, number] {
  if (v >= 0n && v <= 0x1f_ffff_ffff_ffffn) {
    const n = Number(v);
    return [n >>> 0, Math.floor(n / TWO_32) >>> 0];
  }
  const u = BigInt.asUintN(64, v);
  return [Number(u & 0xffff_ffffn), Number(u >> 32n)];
}

/** A signed whole number (|n| < 2^53) as the halves of its 64-bit two's complement. */
const lo64 = (n: number): number => n >>> 0;
const hi64 = (n: number): number => Math.floor(n / TWO_32) >>> 0;

function varintSize(n: number): number {
  let size = 1;
  while (n > 127) {
    n = Math.floor(n / 128);
    size++;
  }
  return size;
}

/** Bytes of the varint of the 64-bit value hi:lo: seven bits a byte. */
function varint64Size(lo: number, hi: number): number {
  if (hi === 0) return varintSize(lo);
  return Math.ceil((64 - Math.clz32(hi)) / 7);
}

/** Bytes of a field (one-byte tag, fields 1..15) holding hi:lo; nothing for zero. */
const size64 = (lo: number, hi: number): number => (lo === 0 && hi === 0 ? 0 : 1 + varint64Size(lo, hi));
const sizeInt32 = (v: number): number => size64(v >>> 0, v < 0 ? 0xffffffff : 0);
const sizeBytes = (length: number): number => (length === 0 ? 0 : 1 + varintSize(length) + length);

function writeVarint(b: Buffer, p: number, n: number): number {
  while (n > 127) {
    b[p++] = (n & 0x7f) | 0x80;
    n = Math.floor(n / 128);
  }
  b[p++] = n;
  return p;
}

function writeVarint64(b: Buffer, p: number, lo: number, hi: number): number {
  while (hi !== 0) {
    b[p++] = (lo & 0x7f) | 0x80;
    lo = ((lo >>> 7) | (hi << 25)) >>> 0;
    hi >>>= 7;
  }
  return writeVarint(b, p, lo);
}

function tagLen(b: Buffer, p: number, field: number, length: number): number {
  b[p++] = (field << 3) | LEN;
  return writeVarint(b, p, length);
}

function field64(b: Buffer, p: number, field: number, lo: number, hi: number): number {
  if (lo === 0 && hi === 0) return p;
  b[p++] = field << 3;
  return writeVarint64(b, p, lo, hi);
}

const fieldInt32 = (b: Buffer, p: number, field: number, v: number): number => field64(b, p, field, v >>> 0, v < 0 ? 0xffffffff : 0);

function fieldBytes(b: Buffer, p: number, field: number, bytes: Uint8Array): number {
  if (bytes.length === 0) return p;
  p = tagLen(b, p, field, bytes.length);
  b.set(bytes, p);
  return p + bytes.length;
}
