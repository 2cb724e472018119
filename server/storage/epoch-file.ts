/**
 * Zab's two durable epochs, as ZooKeeper keeps them: `<dataDir>/acceptedEpoch` and
 * `<dataDir>/currentEpoch`, each one decimal number. Missing files (a data dir from a
 * standalone server, or a new one) read as undefined.
 *
 * A new file is made via temp file + fsync + rename + directory fsync. After that the value
 * is overwritten in place, always 11 bytes (10 zero-padded digits and a newline) at offset
 * 0, and fdatasynced: one fsync instead of three on the election path, and a write that
 * small lies inside one disk sector, so a crash leaves the old value or the new one.
 */
import { readFileSync } from 'node:fs';
import { open, rename } from 'node:fs/promises';
import { join } from 'node:path';

export type EpochName = 'acceptedEpoch' | 'currentEpoch';

export class EpochFileError extends Error {
  override name = 'EpochFileError';
}

export function readEpoch(dataDir: string, name: EpochName): number | undefined {
  const file = join(dataDir, name);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  const t = text.trim();
  if (!/^\d+$/.test(t)) throw new EpochFileError(`${file}: expected a number, got "${t.slice(0, 40)}"`);
  return Number(t);
}

const WIDTH = 10;

export async function writeEpoch(dataDir: string, name: EpochName, epoch: number): Promise<void> {
  const file = join(dataDir, name);
  const text = `${String(epoch).padStart(WIDTH, '0')}\n`;
  let existing;
  try {
    existing = await open(file, 'r+');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  if (existing) {
    try {
      const { size } = await existing.stat();
      if (size === text.length) {
        await existing.write(text, 0, 'utf8');
        await existing.datasync();
        return;
      }
    } finally {
      await existing.close();
    }
  }
  const temp = `${file}.tmp`;
  const fh = await open(temp, 'w');
  try {
    await fh.writeFile(text);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(temp, file);
  const dir = await open(dataDir, 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}
