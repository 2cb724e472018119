/**
 * A throw-away PKI for the TLS tests, made with the openssl command line: a CA, a server
 * certificate for 127.0.0.1/localhost, a client certificate, and a key that belongs to
 * neither (for the mismatch error). Files land in the given directory.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface TestPki {
  caCert: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  strayKey: string;
  /** the client certificate's subject as an x509 ACL id */
  clientId: string;
}

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

function keyPair(dir: string, name: string): string {
  const key = join(dir, `${name}.key`);
  openssl(dir, ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', key]);
  return key;
}

function signed(dir: string, name: string, subject: string, caCert: string, caKey: string, ext: string): { cert: string; key: string } {
  const key = keyPair(dir, name);
  const csr = join(dir, `${name}.csr`);
  const cert = join(dir, `${name}.pem`);
  const extFile = join(dir, `${name}.ext`);
  writeFileSync(extFile, ext);
  openssl(dir, ['req', '-new', '-key', key, '-subj', subject, '-out', csr]);
  openssl(dir, ['x509', '-req', '-in', csr, '-CA', caCert, '-CAkey', caKey, '-CAcreateserial', '-days', '2', '-out', cert, '-extfile', extFile]);
  return { cert, key };
}

export function makeTestPki(dir: string): TestPki {
  const caKey = keyPair(dir, 'ca');
  const caCert = join(dir, 'ca.pem');
  openssl(dir, ['req', '-x509', '-new', '-key', caKey, '-subj', '/O=Warden Test/CN=Warden Test CA', '-days', '2', '-out', caCert]);
  const server = signed(dir, 'server', '/O=Warden Test/CN=localhost', caCert, caKey, 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n');
  const client = signed(dir, 'client', '/O=Warden Test/OU=ops/CN=alice', caCert, caKey, 'extendedKeyUsage=clientAuth\n');
  return {
    caCert,
    serverCert: server.cert,
    serverKey: server.key,
    clientCert: client.cert,
    clientKey: client.key,
    strayKey: keyPair(dir, 'stray'),
    clientId: 'CN=alice,OU=ops,O=Warden Test',
  };
}
