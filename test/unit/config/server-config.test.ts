/**
 * Goal: zoo.cfg parsing. Every key of DESIGN §5 is read into the config, defaults hold
 * when a key is absent, a bad value stops start-up with ONE line naming file, line and key,
 * an unknown key suggests the likely one, duplicate keys and duplicate server ids are
 * refused, server.N lines and myid (missing, unknown, non-numeric) are checked, and the
 * zoo.cfg files of the seed documents parse unchanged once their hosts are 127.0.0.1.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_LIMITS } from '../../../server/base/limits.js';
import { ConfigError, defaultConfig, loadConfig, parseConfig } from '../../../server/config/server-config.js';

const myid = (id: string | undefined) => (): string | undefined => id;
const parse = (text: string, id?: string) => parseConfig(text, 'zoo.cfg', myid(id));
function error(text: string, id?: string): ConfigError {
  try {
    parse(text, id);
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

describe('keys and defaults', () => {
  it('no config means standalone on defaults with ./data', () => {
    const c = defaultConfig();
    expect(c).toMatchObject({
      tickTimeMs: 2000,
      initLimit: 10,
      syncLimit: 5,
      clientPort: 2181,
      dataDir: resolve('data'),
      dataLogDir: resolve('data'),
      maxClientCnxns: 60,
      globalOutstandingLimit: 1000,
      preAllocBytes: 64 * 1024 * 1024,
      snapCount: 100_000,
      forceSync: true,
      leaderServes: true,
      autopurgeSnapRetainCount: 3,
      autopurgePurgeIntervalHours: 0,
      minSessionTimeoutMs: 4000,
      maxSessionTimeoutMs: 40_000,
      servers: [],
      extendedTypesEnabled: true,
    });
    expect(c.metricsHttpPort).toBeUndefined();
    expect(c.myid).toBeUndefined();
    expect(c.limits).toEqual(DEFAULT_LIMITS);
  });

  it('reads every key of DESIGN §5', () => {
    const c = parse(
      [
        'tickTime=100',
        'initLimit=7',
        'syncLimit=3',
        'dataDir=/tmp/w-data',
        'dataLogDir=/tmp/w-log',
        'clientPort=3181',
        'maxClientCnxns=5',
        'globalOutstandingLimit=50',
        'preAllocSize=1024',
        'snapCount=500',
        'forceSync=no',
        'leaderServes=no',
        'autopurge.snapRetainCount=4',
        'autopurge.purgeInterval=2',
        'minSessionTimeout=300',
        'maxSessionTimeout=9000',
        'metricsProvider.httpPort=7000',
        'server.1=127.0.0.1:2888:3888',
        'server.2=127.0.0.1:2889:3889:observer',
      ].join('\n'),
      '1',
    );
    expect(c).toMatchObject({
      tickTimeMs: 100,
      initLimit: 7,
      syncLimit: 3,
      dataDir: '/tmp/w-data',
      dataLogDir: '/tmp/w-log',
      clientPort: 3181,
      maxClientCnxns: 5,
      globalOutstandingLimit: 50,
      preAllocBytes: 1024 * 1024,
      snapCount: 500,
      forceSync: false,
      leaderServes: false,
      autopurgeSnapRetainCount: 4,
      autopurgePurgeIntervalHours: 2,
      minSessionTimeoutMs: 300,
      maxSessionTimeoutMs: 9000,
      metricsHttpPort: 7000,
      myid: 1,
    });
    expect(c.servers).toEqual([
      { id: 1, host: '127.0.0.1', quorumPort: 2888, electionPort: 3888, observer: false },
      { id: 2, host: '127.0.0.1', quorumPort: 2889, electionPort: 3889, observer: true },
    ]);
    expect(c.limits.connectionsPerAddressMax).toBe(5);
    expect(c.limits.outstandingRequestsMax).toBe(50);
  });

  it('session timeout bounds default to 2x and 20x tickTime', () => {
    expect(parse('tickTime=500\ndataDir=/d')).toMatchObject({ minSessionTimeoutMs: 1000, maxSessionTimeoutMs: 10_000 });
  });

  it('server lines: IPv6 in brackets, participant, client port part', () => {
    const c = parse('dataDir=/d\nserver.1=[::1]:2888:3888:participant;2181\nserver.2=127.0.0.1:2889:3889;0.0.0.0:2182', '2');
    expect(c.servers).toEqual([
      { id: 1, host: '::1', quorumPort: 2888, electionPort: 3888, observer: false, clientPort: 2181 },
      { id: 2, host: '127.0.0.1', quorumPort: 2889, electionPort: 3889, observer: false, clientPort: 2182 },
    ]);
  });

  it('log rotation: ZooKeeper\'s log4j keys with KB/MB/GB sizes, 256MB x 20 by default', () => {
    expect(defaultConfig()).toMatchObject({ logMaxFileBytes: 256 * 1024 * 1024, logMaxBackupIndex: 20 });
    expect(parse('dataDir=/d\nzookeeper.log.maxfilesize=10MB\nzookeeper.log.maxbackupindex=3')).toMatchObject({ logMaxFileBytes: 10 * 1024 * 1024, logMaxBackupIndex: 3 });
    expect(parse('dataDir=/d\nlogMaxFileSize=4096')).toMatchObject({ logMaxFileBytes: 4096 });
    expect(parse('dataDir=/d\nlogMaxFileSize=2kb')).toMatchObject({ logMaxFileBytes: 2048 });
  });

  it('comments, blank lines, CRLF, a BOM and ZooKeeper-only keys (as warnings) are accepted', () => {
    const c = parse('\uFEFF# comment\r\n\r\ntickTime=3000   # trailing comment\r\ndataDir=/d\r\n4lw.commands.whitelist=*\r\n');
    expect(c.tickTimeMs).toBe(3000);
    expect(c.warnings).toEqual(['zoo.cfg:5: 4lw.commands.whitelist has no effect in Warden; ignored']);
  });
});

describe('DIFF window (commitLogCount, snapshotSizeFactor)', () => {
  it("defaults to ZooKeeper's: 500 txns, and 0.33 of the last snapshot's size beyond them", () => {
    expect(parse('dataDir=/d')).toMatchObject({ commitLogCount: 500, snapshotSizeFactor: 0.33 });
  });

  it('takes both keys, also in their zookeeper.* spelling', () => {
    expect(parse('dataDir=/d\ncommitLogCount=2000\nsnapshotSizeFactor=1.5')).toMatchObject({ commitLogCount: 2000, snapshotSizeFactor: 1.5 });
    expect(parse('dataDir=/d\nzookeeper.commitLogCount=50\nzookeeper.snapshotSizeFactor=-1')).toMatchObject({ commitLogCount: 50, snapshotSizeFactor: -1 });
  });

  it('refuses a value that is not a number', () => {
    expect(error('dataDir=/d\nsnapshotSizeFactor=a third').message).toBe('zoo.cfg:2: snapshotSizeFactor: expected a number like 0.33, got "a third"');
    expect(error('dataDir=/d\ncommitLogCount=0').message).toMatch(/^zoo\.cfg:2: commitLogCount: must be between 1/);
  });
});

describe('bad input: one line naming file, line and key', () => {
  const cases: Array<[string, string, RegExp]> = [
    ['dataDir=/d\ntickTime=abc', 'tickTime', /^zoo\.cfg:2: tickTime: expected a whole number, got "abc"$/],
    ['dataDir=/d\n\nclientPort=70000', 'clientPort', /^zoo\.cfg:3: clientPort: must be between 0 and 65535, got 70000$/],
    ['dataDir=/d\nforceSync=maybe', 'forceSync', /^zoo\.cfg:2: forceSync: expected yes\/no/],
    ['dataDir=/d\ninitLimit=0', 'initLimit', /^zoo\.cfg:2: initLimit: must be between 1/],
    ['dataDir=/d\nsnapCount=1.5', 'snapCount', /^zoo\.cfg:2: snapCount: expected a whole number/],
    ['dataDir=/d\nclientPort=', 'clientPort', /^zoo\.cfg:2: clientPort: expected a whole number, got ""$/],
    ['dataDir=/d\nsuperDigest=bob:plain', 'superDigest', /^zoo\.cfg:2: superDigest: expected user:base64/],
    ['dataDir=/d\nserver.1=host-only', 'server.1', /^zoo\.cfg:2: server\.1: expected host:quorumPort:electionPort/],
    ['dataDir=/d\nserver.1=h:2888:2888', 'server.1', /quorum and election ports must differ/],
    ['dataDir=/d\nserver.0=h:1:2', 'server.0', /must be between 1 and 255/],
    ['dataDir=/d\nserver.x=h:1:2', 'server.x', /expected server\.N/],
    ['dataDir=/d\njust some words', 'just some words', /^zoo\.cfg:2: just some words: expected key=value$/],
    ['dataDir=/d\nminSessionTimeout=5000\nmaxSessionTimeout=4000', 'minSessionTimeout', /^zoo\.cfg:2: minSessionTimeout: minSessionTimeout \(5000 ms\) must not exceed maxSessionTimeout/],
    ['tickTime=2000', 'dataDir', /^zoo\.cfg: dataDir: is required in a config file$/],
    ['dataDir=/d\nzookeeper.log.maxfilesize=lots', 'zookeeper.log.maxfilesize', /expected a size like 256MB/],
    ['dataDir=/d\nlogMaxBackupIndex=-1', 'logMaxBackupIndex', /must be between 0 and 1000/],
  ];
  it.each(cases)('%j names %s', (text, key, message) => {
    const e = error(text);
    expect(e.key).toBe(key);
    expect(e.message).toMatch(message);
    expect(e.message).not.toContain('\n');
  });

  it('an unknown key is refused with a suggestion when one is close', () => {
    expect(error('dataDir=/d\ntickTim=2000').message).toBe('zoo.cfg:2: tickTim: unknown key (did you mean tickTime?)');
    expect(error('dataDir=/d\nsnapcount=5').message).toContain('did you mean snapCount?');
    expect(error('dataDir=/d\ncompletelyDifferent=1').message).toBe('zoo.cfg:2: completelyDifferent: unknown key');
  });

  it('a key set twice is refused, naming the first line', () => {
    expect(error('dataDir=/d\ntickTime=1\n\ntickTime=2').message).toBe('zoo.cfg:4: tickTime: set twice (first on line 2)');
  });

  it('the same server id twice is refused, however it is spelled (regression: server.01 and server.1 both counted)', () => {
    expect(error('dataDir=/d\nserver.1=a:1:2\nserver.01=b:1:2', '1').message).toBe('zoo.cfg:3: server.01: server id 1 is already defined on line 2');
  });

  it('myid: missing, non-numeric, or matching no server line', () => {
    const ensemble = 'dataDir=/d\nserver.1=a:1:2\nserver.2=b:1:2';
    expect(error(ensemble, undefined).message).toMatch(/^zoo\.cfg: myid: missing file \/d\/myid/);
    expect(error(ensemble, 'one\n').message).toBe('/d/myid:1: myid: expected a number, got "one"');
    expect(error(ensemble, '3').message).toBe('/d/myid:1: myid: 3 matches no server.N line in zoo.cfg');
    expect(parse(ensemble, ' 2\n').myid).toBe(2);
  });

  it('an ensemble of observers only is refused', () => {
    expect(error('dataDir=/d\nserver.1=a:1:2:observer', '1').message).toMatch(/at least one participant/);
  });
});

describe('the seed documents\' zoo.cfg files, hosts replaced by 127.0.0.1', () => {
  // 001: ZooKeeper's zoo_sample.cfg with notes, as given in the seed.
  const seed001 = `# The number of milliseconds of each tick
# tick是指该应用的基本计时单位
tickTime=2000



# The number of ticks that the initial
# synchronization phase（同步） can take
initLimit=10


# The number of ticks that can pass between
# sending a request and getting an acknowledgement
syncLimit=5

# the directory where the snapshot is stored.
dataDir=/tmp/zookeeper


# the port at which the clients will connect
clientPort=2181

#maxClientCnxns=10
#autopurge.snapRetainCount=3
#autopurge.purgeInterval=1

## Metrics Providers
#
# https://prometheus.io Metrics Exporter
#metricsProvider.className=org.apache.zookeeper.metrics.prometheus.PrometheusMetricsProvider
#metricsProvider.httpPort=7000
#metricsProvider.exportJvmInfo=true
`;
  // 000: values followed by "#" comments, indented, then three servers. Two lines of the seed
  // carry prose after the value with no "#" ("clientPort=2181  客户端连接..."); ZooKeeper would
  // refuse that too, so the prose is left out. On one host the three servers need distinct ports.
  const seed000 = `      tickTime=2000 #服务器之间或客户端与服务器的单次心跳检测时间间隔，单位为毫秒
      initLimit=10  #集群中leader服务器与follower服务器第一次连接最多次数
      syncLimit=5   #leader 与follower 之间发送和应答时间
      dataDir=/data/zookeeper
      clientPort=2181
      server.1=127.0.0.1:2888:3888
      server.2=127.0.0.1:2889:3889
      server.3=127.0.0.1:2890:3890       
`;
  // 003: a comment line, trailing spaces after values (distinct ports on one host).
  const seed003 = ` #zookeeper服务心跳检测时间，单位ms
 tickTime=2000 
 dataDir=/var/lib/zookeeper 
 clientPort=2181
 #投票选取新leader的初始化时间
 initLimit=5 
 syncLimit=2
 server.1=127.0.0.1:2888:3888
 server.2=127.0.0.1:2889:3889
 server.3=127.0.0.1:2890:3890
`;
  // 004: zoo_sample with dataDir changed and servers appended with long trailing comments.
  const seed004 = `tickTime=2000
initLimit=10
syncLimit=5
clientPort=2181
dataDir=/usr/local/zookeeper/data
server.1=127.0.0.1:2888:3888                 #2888为选举端口
server.2=127.0.0.1:2889:3889                 #2888和3888都需要写出来  最后最后添加
`;
  // 002: dataDir plus three servers (distinct ports on one host).
  const seed002 = `dataDir=/data/zookeeper
server.1=127.0.0.1:2888:3888
server.2=127.0.0.1:2889:3889
server.3=127.0.0.1:2890:3890
`;

  it('001 (zoo_sample.cfg) is a standalone server', () => {
    expect(parse(seed001)).toMatchObject({ tickTimeMs: 2000, initLimit: 10, syncLimit: 5, dataDir: '/tmp/zookeeper', clientPort: 2181, servers: [], warnings: [] });
  });

  it.each([
    ['000', seed000, 3, { tickTimeMs: 2000, initLimit: 10, syncLimit: 5, dataDir: '/data/zookeeper' }],
    ['002', seed002, 3, { dataDir: '/data/zookeeper' }],
    ['003', seed003, 3, { tickTimeMs: 2000, initLimit: 5, syncLimit: 2, dataDir: '/var/lib/zookeeper' }],
    ['004', seed004, 2, { tickTimeMs: 2000, dataDir: '/usr/local/zookeeper/data' }],
  ] as const)('%s parses as an ensemble with myid', (_name, text, servers, expected) => {
    const c = parse(text, '1\n');
    expect(c).toMatchObject({ ...expected, myid: 1, warnings: [] });
    expect(c.servers.map((s) => `${s.id} ${s.host}:${s.quorumPort}:${s.electionPort}`)).toHaveLength(servers);
    expect(c.servers[0]).toEqual({ id: 1, host: '127.0.0.1', quorumPort: 2888, electionPort: 3888, observer: false });
  });
});

describe('loadConfig from disk', () => {
  it('reads the file and the myid beside dataDir; an unreadable file is one line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'warden-config-'));
    try {
      const file = join(dir, 'zoo.cfg');
      writeFileSync(file, `dataDir=${dir}\nserver.1=127.0.0.1:2888:3888\n`);
      writeFileSync(join(dir, 'myid'), '1\n');
      expect(loadConfig(file)).toMatchObject({ myid: 1, configFile: file, dataDir: dir });
      expect(() => loadConfig(join(dir, 'nope.cfg'))).toThrow(`${join(dir, 'nope.cfg')}: file: cannot read: ENOENT`);
      expect(loadConfig(undefined).dataDir).toBe(resolve('data'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
