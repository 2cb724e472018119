/**
 * Launching Apache ZooKeeper 3.8 as Debian installs it (`apt-get install zookeeper`): the JVM
 * runs QuorumPeerMain directly (so the pid we hold is the server's, for kill -9 and RSS) with
 * the heap zkEnv.sh would give it, the AdminServer off, and the `srvr` four-letter word
 * allowed, which is how the benchmark asks a member whether it leads.
 */
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import type { Launcher, Member, Mode } from './cluster.js';
import { Proc } from './proc.js';

export const ZOOKEEPER_JAR = '/usr/share/java/zookeeper.jar';

/** Why ZooKeeper cannot be run here, or undefined when it can. */
export function zookeeperMissing(): string | undefined {
  if (!existsSync(ZOOKEEPER_JAR)) return `${ZOOKEEPER_JAR} is missing: apt-get update && apt-get install -y zookeeper`;
  if (!existsSync('/usr/bin/java')) return '/usr/bin/java is missing: apt-get install -y default-jre-headless';
  return undefined;
}

/** Sends a four-letter word and returns the whole answer. */
export function fourLetterWord(host: string, port: number, word: string, timeoutMs = 1000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, host, () => socket.write(word));
    let text = '';
    socket.setEncoding('utf8');
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`${word}: no answer in ${timeoutMs} ms`)));
    socket.on('data', (s: string) => (text += s));
    socket.on('error', reject);
    socket.on('close', () => resolve(text));
  });
}

export function zookeeperLauncher(heapMb: number): Launcher {
  return {
    extraCfg: { 'admin.enableServer': 'false', '4lw.commands.whitelist': 'srvr,ruok,mntr' },
    proc: ({ id, dir, cfgFile }) =>
      new Proc({
        name: `zookeeper-${id}`,
        command: '/usr/bin/java',
        args: [`-Xmx${heapMb}m`, `-Dzookeeper.log.dir=${dir}`, '-cp', ZOOKEEPER_JAR, 'org.apache.zookeeper.server.quorum.QuorumPeerMain', cfgFile],
        cwd: dir,
        logFile: join(dir, 'server.log'),
      }),
    mode: async (m: Member): Promise<Mode> => {
      const text = await fourLetterWord(m.host, m.clientPort, 'srvr');
      const mode = /Mode: (\w+)/.exec(text)?.[1];
      return mode === 'standalone' || mode === 'leader' || mode === 'follower' || mode === 'observer' ? mode : 'looking';
    },
    close: () => undefined,
  };
}
