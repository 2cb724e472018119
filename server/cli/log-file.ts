/**
 * The server's log file: synchronous appends (a line is on disk before the event it
 * reports goes further), rotated by size like log4j's RollingFileAppender in ZooKeeper
 * (warden.log -> warden.log.1 -> ... -> warden.log.N, the oldest dropped), and reopened
 * on demand so an external logrotate that moves the file away can signal us (SIGHUP).
 */
import { closeSync, fstatSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';

export interface LogFileOptions {
  /** rotate once the file would grow past this many bytes; 0 = never */
  maxBytes: number;
  /** rotated files kept besides the live one */
  keep: number;
}

export class LogFile {
  private fd: number;
  private size: number;
  private closed = false;

  /** Opens (appending to) `path`; throws the fs error when it cannot. */
  constructor(
    readonly path: string,
    private readonly opts: LogFileOptions,
  ) {
    this.fd = openSync(path, 'a', 0o644);
    this.size = fstatSync(this.fd).size;
  }

  /** Appends one line (the newline is added). After close() it is a no-op returning false. */
  write(line: string): boolean {
    if (this.closed) return false;
    const bytes = Buffer.byteLength(line) + 1;
    if (this.opts.maxBytes > 0 && this.size > 0 && this.size + bytes > this.opts.maxBytes) this.rotate();
    writeSync(this.fd, `${line}\n`);
    this.size += bytes;
    return true;
  }

  /** Shifts warden.log.(i) to .(i+1), drops what falls past `keep`, and starts a new file. */
  rotate(): void {
    closeSync(this.fd);
    if (this.opts.keep === 0) rmSync(this.path, { force: true });
    else {
      rmSync(`${this.path}.${this.opts.keep}`, { force: true });
      for (let i = this.opts.keep - 1; i >= 1; i--) renameIfThere(`${this.path}.${i}`, `${this.path}.${i + 1}`);
      renameIfThere(this.path, `${this.path}.1`);
    }
    this.fd = openSync(this.path, 'a', 0o644);
    this.size = 0;
  }

  /** Reopens the path (after logrotate moved the file away), keeping the old descriptor until the new one is open. */
  reopen(): void {
    if (this.closed) return;
    const fd = openSync(this.path, 'a', 0o644);
    closeSync(this.fd);
    this.fd = fd;
    this.size = fstatSync(fd).size;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.fd);
  }
}

function renameIfThere(from: string, to: string): void {
  try {
    renameSync(from, to);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
}
