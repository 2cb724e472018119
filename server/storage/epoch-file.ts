/**
 * Zab's two durable epochs, as ZooKeeper keeps them: `<dataDir>/acceptedEpoch` and
 * `<dataDir>/currentEpoch`, each one decimal number. Written to a temp file, fsynced,
 * renamed and the directory fsynced, so a crash leaves the old value or the new one.
 * Missing files (a data dir from a standalone server, or a new one) read as undefined.
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

export async function writeEpoch(dataDir: string, name: EpochName, epoch: number): Promise<void> {
  const file = join(dataDir, name);
  const temp = `${file}.tmp`;
  const fh = await open(temp, 'w');
  try {
    await fh.writeFile(`${epoch}\n`);
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
