/**
 * Goal: TLS on the client port with client certificates, using a CA and certificates the
 * test generates. A client presenting a certificate the CA signed is served and holds the
 * x509 identity of its subject (an ACL for it admits only that client); a client without
 * a certificate is refused by the TLS port; bad certificate files stop start-up with one
 * line naming the key and the file.
 */
import * as grpc from '@grpc/grpc-js';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { freePorts, killAllServers, removeTempDirs, ServerProcess, tempDir, waitFor, writeStandaloneCfg } from '../support/index.js';
import { makeTestPki } from '../support/ops-certs.js';
import { startEnsemble } from '../support/ensemble.js';
import { waitStable } from '../support/ensemble-status.js';
import { connect as tcpConnect } from 'node:net';
import { runCli } from '../support/ops-cli.js';
import { rawSession } from '../support/ops-raw-client.js';
import { connect, Perms } from '../../sdk/index.js';

afterEach(killAllServers);
afterAll(removeTempDirs);

const NOAUTH = -102;

/** A standalone server with a TLS client port that requires client certificates from the test CA. */
async function startMutualTlsServer(): Promise<{ pki: ReturnType<typeof makeTestPki>; securePort: number; server: ServerProcess }> {
  const dir = tempDir('warden-tls-');
  const pki = makeTestPki(dir);
  const [port, securePort] = await freePorts(2);
  const cfg = writeStandaloneCfg(dir, port!, {
    secureClientPort: securePort!,
    'ssl.certFile': pki.serverCert,
    'ssl.keyFile': pki.serverKey,
    'ssl.caFile': pki.caCert,
    'ssl.clientAuth': 'need',
  });
  return { pki, securePort: securePort!, server: await ServerProcess.start({ config: cfg.file }) };
}

describe('TLS client port', () => {
  it('serves clients with certificates and maps them to x509 identities', async () => {
    const { pki, securePort, server } = await startMutualTlsServer();
    expect(server.output()).toMatch(/secureClient=127\.0\.0\.1:\d+/);

    const ca = readFileSync(pki.caCert);
    const withCert = grpc.credentials.createSsl(ca, readFileSync(pki.clientKey), readFileSync(pki.clientCert));
    const alice = await rawSession(`localhost:${securePort}`, { credentials: withCert });
    expect(await alice.create('/alice-only', { acl: [{ perms: 31, scheme: 'x509', id: pki.clientId }] })).toBe(0);
    expect(await alice.getData('/alice-only', false)).toBe(0);

    const plain = await rawSession(server.address);
    expect(await plain.getData('/alice-only', false)).toBe(NOAUTH);
    await plain.close();
    await alice.close();

    // No client certificate: the handshake is refused.
    const noCert = grpc.credentials.createSsl(ca);
    await expect(rawSession(`localhost:${securePort}`, { credentials: noCert })).rejects.toThrow();
  });

  it('the SDK and the shell connect with TLS and a client certificate', async () => {
    const { pki, securePort } = await startMutualTlsServer();
    const tls = { ca: readFileSync(pki.caCert), cert: readFileSync(pki.clientCert), key: readFileSync(pki.clientKey) };
    const c = await connect({ servers: `localhost:${securePort}`, tls, connectTimeoutMs: 10_000 });
    try {
      // the certificate's subject is this session's x509 identity
      await c.create('/tls-alice', 'from the SDK', { acl: [{ perms: Perms.ALL, id: { scheme: 'x509', id: pki.clientId } }] });
      expect((await c.getData('/tls-alice')).data.toString()).toBe('from the SDK');
    } finally {
      await c.close();
    }
    // no client certificate: the server's TLS handshake refuses it, connect() gives up
    await expect(connect({ servers: `localhost:${securePort}`, tls: { ca: tls.ca }, connectTimeoutMs: 1500 })).rejects.toThrow();

    const files = ['-tls-ca', pki.caCert, '-tls-cert', pki.clientCert, '-tls-key', pki.clientKey];
    const get = await runCli(['shell', '-server', `localhost:${securePort}`, ...files, 'get', '/tls-alice']);
    expect(get.stdout).toContain('from the SDK');
    expect(get.code).toBe(0);
    const half = await runCli(['shell', '-server', `localhost:${securePort}`, '-tls-cert', pki.clientCert, 'ls', '/']);
    expect(half.code).not.toBe(0);
    expect(half.stderr).toContain('-tls-cert and -tls-key go together');
  });

  it('stops start-up on unreadable or mismatched certificate files', async () => {
    const dir = tempDir('warden-tls-');
    const pki = makeTestPki(dir);
    const [port, securePort] = await freePorts(2);
    const mismatched = writeStandaloneCfg(join(dir, 'a'), port!, { secureClientPort: securePort!, 'ssl.certFile': pki.serverCert, 'ssl.keyFile': pki.strayKey });
    const r = await runCli(['start', '--foreground', '--config', mismatched.file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`ssl.keyFile: ${pki.strayKey} does not match the certificate in ${pki.serverCert}`);

    const missing = writeStandaloneCfg(join(dir, 'b'), port!, { secureClientPort: securePort!, 'ssl.certFile': join(dir, 'nope.pem'), 'ssl.keyFile': pki.serverKey });
    const r2 = await runCli(['start', '--foreground', '--config', missing.file]);
    expect(r2.code).toBe(1);
    expect(r2.stderr).toMatch(/ssl\.certFile: cannot read .*nope\.pem: ENOENT/);

    const notCert = writeStandaloneCfg(join(dir, 'c'), port!, { secureClientPort: securePort!, 'ssl.certFile': pki.serverKey, 'ssl.keyFile': pki.serverKey });
    const r3 = await runCli(['start', '--foreground', '--config', notCert.file]);
    expect(r3.code).toBe(1);
    expect(r3.stderr).toContain('holds no PEM certificate');

    const noKey = writeStandaloneCfg(join(dir, 'd'), port!, { secureClientPort: securePort! });
    const r4 = await runCli(['start', '--foreground', '--config', noKey.file]);
    expect(r4.code).toBe(1);
    expect(r4.stderr).toContain('secureClientPort: needs ssl.certFile and ssl.keyFile');
  });

  it('runs an ensemble over mutual-TLS peer links and refuses plain peers and foreign certificates', async () => {
    const pki = makeTestPki(tempDir('warden-tls-'));
    const quorum = { sslQuorum: true, 'ssl.quorum.certFile': pki.serverCert, 'ssl.quorum.keyFile': pki.serverKey, 'ssl.quorum.caFile': pki.caCert };
    const ens = await startEnsemble({ voters: 3, extra: quorum });
    await waitStable(ens);
    expect(ens.member(1).output()).toContain('peerTls=mutual');
    // Writes replicate over the TLS links: a write through each member commits.
    // (A member may still be syncing right after the election: retry until it serves.)
    const NODEEXISTS = -110;
    for (const id of [1, 2, 3]) {
      await waitFor(
        async () => {
          const s = await rawSession(ens.address(id));
          const err = await s.create(`/via-${id}`);
          await s.close();
          return err === 0 || err === NODEEXISTS;
        },
        { what: `a write through member ${id}` },
      );
    }
    // A plain TCP peer is refused at the handshake.
    const member = ens.members[0]!;
    const sock = tcpConnect({ host: member.host, port: member.quorumPort });
    sock.on('error', () => {});
    sock.write('not a TLS hello\n');
    await waitFor(() => ens.member(1).output().includes('refused a peer connection: TLS handshake failed'), { what: 'plain peer refused' });
    sock.destroy();

    // A member whose certificate another CA signed does not start.
    const other = makeTestPki(tempDir('warden-tls-other-'));
    const [port, qp, ep] = await freePorts(3);
    const cfg = writeStandaloneCfg(tempDir('warden-tls-'), port!, {
      'server.1': `127.0.0.1:${qp}:${ep}`,
      ...quorum,
      'ssl.quorum.certFile': other.serverCert,
      'ssl.quorum.keyFile': other.serverKey,
    });
    writeFileSync(join(cfg.dataDir, 'myid'), '1\n');
    const r = await runCli(['start', '--foreground', '--config', cfg.file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`ssl.quorum.caFile: ${other.serverCert} is not signed by a certificate in ${pki.caCert}`);
  });
});
