/**
 * One call for the common case: a standalone server in a fresh temp dir on a free port,
 * fast timings (tickTime 200 ms), any extra zoo.cfg keys.
 *
 * @example
 * afterEach(killAllServers); afterAll(removeTempDirs);
 * const { server } = await startStandalone({ maxClientCnxns: 5 });
 * const client = await connect({ servers: server.address });
 */
import { freePort } from './ports.js';
import { ServerProcess, type ServerProcessOptions } from './server-process.js';
import { tempDir } from './temp-dir.js';
import { writeStandaloneCfg, type CfgValues, type StandaloneCfg } from './zoo-cfg.js';

export interface Standalone {
  server: ServerProcess;
  cfg: StandaloneCfg;
  dir: string;
}

export async function startStandalone(extra: CfgValues = {}, opts: Partial<ServerProcessOptions> = {}): Promise<Standalone> {
  const dir = tempDir('warden-standalone-');
  // A fixed port (not 0) so that restart() comes back where clients expect it.
  const cfg = writeStandaloneCfg(dir, await freePort(), extra);
  const server = await ServerProcess.start({ name: `standalone:${cfg.clientPort}`, ...opts, config: cfg.file });
  return { server, cfg, dir };
}
