/**
 * Goal: the server's log file rotates by size keeping N backups (oldest dropped), never
 * splits a line, keeps appending across restarts, and reopen() follows an external
 * logrotate that moved the file away.
 */
import { existsSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LogFile } from '../../../server/cli/log-file.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function logPath(): string {
  const d = mkdtempSync(join(tmpdir(), 'warden-logfile-'));
  dirs.push(d);
  return join(d, 'warden.log');
}
const lines = (file: string): string[] => readFileSync(file, 'utf8').split('\n').filter((l) => l !== '');

describe('LogFile', () => {
  it('rotates by size into .1 .. .N and drops the oldest', () => {
    const path = logPath();
    const log = new LogFile(path, { maxBytes: 100, keep: 2 });
    // 10 lines of 40 bytes (39 + newline): two per file before the next would pass 100
    for (let i = 0; i < 10; i++) log.write(`line ${String(i).padStart(2, '0')} ${'x'.repeat(30)}`);
    log.close();
    expect(lines(path).map((l) => l.slice(0, 7))).toEqual(['line 08', 'line 09']);
    expect(lines(`${path}.1`).map((l) => l.slice(0, 7))).toEqual(['line 06', 'line 07']);
    expect(lines(`${path}.2`).map((l) => l.slice(0, 7))).toEqual(['line 04', 'line 05']);
    expect(existsSync(`${path}.3`)).toBe(false);
  });

  it('writes a line longer than the limit whole, and keeps no backups with keep 0', () => {
    const path = logPath();
    const log = new LogFile(path, { maxBytes: 10, keep: 0 });
    log.write('a'.repeat(50));
    log.write('b'.repeat(50));
    log.close();
    expect(lines(path)).toEqual(['b'.repeat(50)]);
    expect(existsSync(`${path}.1`)).toBe(false);
  });

  it('appends to an existing file and counts its size', () => {
    const path = logPath();
    const first = new LogFile(path, { maxBytes: 30, keep: 1 });
    first.write('0123456789');
    first.close();
    const second = new LogFile(path, { maxBytes: 30, keep: 1 });
    second.write('abcdefghij');
    second.write('ABCDEFGHIJ'); // 11 + 11 + 11 > 30: rotates first
    second.close();
    expect(lines(`${path}.1`)).toEqual(['0123456789', 'abcdefghij']);
    expect(lines(path)).toEqual(['ABCDEFGHIJ']);
  });

  it('reopen() starts a new file after logrotate moved the old one; writes after close are refused', () => {
    const path = logPath();
    const log = new LogFile(path, { maxBytes: 0, keep: 5 });
    log.write('before');
    renameSync(path, `${path}.moved`);
    log.write('still to the moved file');
    log.reopen();
    log.write('after');
    log.close();
    expect(log.write('late')).toBe(false);
    expect(lines(`${path}.moved`)).toEqual(['before', 'still to the moved file']);
    expect(lines(path)).toEqual(['after']);
  });
});
