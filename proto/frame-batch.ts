/**
 * Frame batching on the Session stream, shared by the server's edge and the SDK: frames
 * queued together (see FlushAt) leave as one gRPC message (ClientFrame.batch or
 * ServerFrame.batch in proto/warden/v1/client.proto), so many small requests or answers
 * cost one HTTP/2 DATA frame and one socket write instead of one each.
 *
 * Invariants:
 * - Order: frames leave in the order they were pushed, batched or not, and the receiver
 *   handles a batch's frames in that order, so FIFO per session and "watch event before
 *   the data that reflects it" hold exactly as without batching.
 * - Size: no batch is larger than `batchBytesMax` (the receiver's message limit); a frame
 *   that alone is larger leaves by itself, unwrapped, as it would without batching.
 * - A batch of one frame is that frame, unwrapped (readable by any peer).
 *
 * Format (protobuf wire format, written here so encoded frames are reused as they are):
 * a batch is field 6 (length-delimited) of the frame message, holding a message whose
 * field 1 (length-delimited, repeated) is each encoded frame.
 */

/** Tag of field 6, wire type 2 (length-delimited): `batch` in ClientFrame and ServerFrame. */
const BATCH_TAG = (6 << 3) | 2;
/** Tag of field 1, wire type 2: `frames` in ClientFrames and ServerFrames. */
const FRAMES_TAG = (1 << 3) | 2;

function varintBytes(n: number): number {
  let k = 1;
  while (n >= 0x80) {
    n >>>= 7;
    k++;
  }
  return k;
}

function writeVarint(buf: Uint8Array, at: number, n: number): number {
  while (n >= 0x80) {
    buf[at++] = (n & 0x7f) | 0x80;
    n >>>= 7;
  }
  buf[at++] = n;
  return at;
}

/** Bytes one frame takes inside a batch. */
function framedBytes(frame: Uint8Array): number {
  return 1 + varintBytes(frame.byteLength) + frame.byteLength;
}

/** Bytes of the whole batch message whose frames take `inner` bytes. */
function batchBytes(inner: number): number {
  return 1 + varintBytes(inner) + inner;
}

/** One message carrying `frames` (already encoded) in order. */
export function encodeFrameBatch(frames: readonly Uint8Array[]): Uint8Array {
  let inner = 0;
  for (const f of frames) inner += framedBytes(f);
  const out = Buffer.allocUnsafe(batchBytes(inner));
  let at = 0;
  out[at++] = BATCH_TAG;
  at = writeVarint(out, at, inner);
  for (const f of frames) {
    out[at++] = FRAMES_TAG;
    at = writeVarint(out, at, f.byteLength);
    out.set(f, at);
    at += f.byteLength;
  }
  return out;
}

/**
 * When queued frames leave: 'callback' at the end of the current callback (a microtask:
 * the server, whose answers to one message or one commit are all produced in one
 * callback, loses no batching and adds no delay), 'turn' at the end of the current turn of
 * the event loop (setImmediate: the SDK, where the code awaiting each answer of a batch
 * sends its next request a few promise steps later).
 */
export type FlushAt = 'callback' | 'turn';

/**
 * Queues encoded frames and writes them as few messages as `batchBytesMax` allows, at
 * `flushAt`. With `batchBytesMax` 0 the peer takes no batches: every frame leaves at once.
 */
export class FrameBatcher {
  private frames: Uint8Array[] = [];
  private pending: NodeJS.Immediate | undefined;
  private microtask = false;

  constructor(
    private readonly write: (message: Uint8Array) => void,
    private batchBytesMax: number,
    private readonly flushAt: FlushAt,
  ) {}

  /** Frames queued and not yet written. */
  get queued(): number {
    return this.frames.length;
  }

  /** From now on, batches up to this size (0: none; what was queued leaves at once). */
  setBatchBytesMax(bytes: number): void {
    this.batchBytesMax = bytes;
    if (bytes <= 0) this.flush();
  }

  push(frame: Uint8Array): void {
    if (this.batchBytesMax <= 0) {
      this.write(frame);
      return;
    }
    this.frames.push(frame);
    if (this.flushAt === 'turn') {
      this.pending ??= setImmediate(() => this.flush());
    } else if (!this.microtask) {
      this.microtask = true;
      queueMicrotask(() => {
        this.microtask = false;
        this.flush();
      });
    }
  }

  /** Writes everything queued now (before the stream ends, for instance). */
  flush(): void {
    if (this.pending) clearImmediate(this.pending);
    this.pending = undefined;
    const frames = this.frames;
    if (frames.length === 0) return;
    this.frames = [];
    let group: Uint8Array[] = [];
    let inner = 0;
    for (const f of frames) {
      const size = framedBytes(f);
      if (group.length > 0 && batchBytes(inner + size) > this.batchBytesMax) {
        this.emit(group);
        group = [];
        inner = 0;
      }
      group.push(f);
      inner += size;
    }
    this.emit(group);
  }

  /** Forgets what is queued (the stream is gone). */
  drop(): void {
    if (this.pending) clearImmediate(this.pending);
    this.pending = undefined;
    this.frames = [];
  }

  private emit(group: Uint8Array[]): void {
    this.write(group.length === 1 ? group[0]! : encodeFrameBatch(group));
  }
}
