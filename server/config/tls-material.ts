/**
 * Reads and checks the PEM files for the TLS client port before anything listens, so that
 * a wrong path, an unreadable file, a key that does not belong to the certificate, an
 * expired certificate or a certificate the CA did not sign stops start-up with one line
 * naming the config key and the file, instead of a TLS handshake failing later for every
 * client.
 */
import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ConfigError, type ServerConfig, type TlsFiles } from './server-config.js';

export interface TlsMaterial {
  cert: Buffer;
  key: Buffer;
  ca?: Buffer;
  clientAuth: TlsFiles['clientAuth'];
  /** the certificate's subject, for the start-up log */
  subject: string;
  notAfter: string;
}

function read(configFile: string, key: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new ConfigError(configFile, 0, key, `cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/** All certificates in a PEM bundle. */
function certificates(configFile: string, key: string, path: string, pem: Buffer): X509Certificate[] {
  const blocks = pem.toString('utf8').match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) throw new ConfigError(configFile, 0, key, `${path} holds no PEM certificate`);
  return blocks.map((b) => {
    try {
      return new X509Certificate(b);
    } catch (e) {
      throw new ConfigError(configFile, 0, key, `${path}: not a valid certificate: ${(e as Error).message}`);
    }
  });
}

interface PemFiles {
  cert: [key: string, path: string];
  key: [key: string, path: string];
  ca?: [key: string, path: string];
  /** used as both a server and a client certificate (peer links) */
  bothEnds?: boolean;
}

const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';

/** Reads and cross-checks one certificate, its key and an optional CA bundle. */
function loadPem(file: string, f: PemFiles, nowMs: number): { cert: Buffer; key: Buffer; ca?: Buffer; subject: string; notAfter: string } {
  const [certKey, certPath] = f.cert;
  const [keyKey, keyPath] = f.key;
  const certPem = read(file, certKey, certPath);
  const keyPem = read(file, keyKey, keyPath);
  const [leaf] = certificates(file, certKey, certPath, certPem);
  let key: KeyObject;
  try {
    key = createPrivateKey(keyPem);
  } catch (e) {
    throw new ConfigError(file, 0, keyKey, `${keyPath}: not a readable PEM private key (encrypted keys are not supported): ${(e as Error).message}`);
  }
  if (!leaf!.checkPrivateKey(key)) {
    throw new ConfigError(file, 0, keyKey, `${keyPath} does not match the certificate in ${certPath} (${leaf!.subject.replace(/\n/g, ', ')})`);
  }
  if (Date.parse(leaf!.validTo) < nowMs) throw new ConfigError(file, 0, certKey, `${certPath} expired on ${leaf!.validTo}`);
  if (Date.parse(leaf!.validFrom) > nowMs) throw new ConfigError(file, 0, certKey, `${certPath} is not valid before ${leaf!.validFrom}`);
  // A peer certificate serves both ends of a link: it must allow client and server use.
  const eku = leaf!.keyUsage;
  if (f.bothEnds && eku && eku.length > 0 && !(eku.includes(SERVER_AUTH) && eku.includes(CLIENT_AUTH))) {
    throw new ConfigError(file, 0, certKey, `${certPath} must allow both TLS server and client authentication (extendedKeyUsage serverAuth,clientAuth): each member dials and accepts`);
  }
  let ca: Buffer | undefined;
  if (f.ca) {
    const [caKey, caPath] = f.ca;
    ca = read(file, caKey, caPath);
    const roots = certificates(file, caKey, caPath, ca);
    if (!roots.some((r) => leaf!.checkIssued(r) && leaf!.verify(r.publicKey))) {
      throw new ConfigError(file, 0, caKey, `${certPath} is not signed by a certificate in ${caPath}; peers and clients would refuse it`);
    }
  }
  return { cert: certPem, key: keyPem, ca, subject: leaf!.subject.replace(/\n/g, ','), notAfter: leaf!.validTo };
}

/** Undefined when no TLS port is configured. Throws ConfigError naming the key and file. */
export function loadTlsMaterial(config: ServerConfig, nowMs = Date.now()): TlsMaterial | undefined {
  const t = config.tls;
  if (config.secureClientPort === undefined || !t?.certFile || !t.keyFile) return undefined;
  const m = loadPem(config.configFile ?? '(defaults)', { cert: ['ssl.certFile', t.certFile], key: ['ssl.keyFile', t.keyFile], ca: t.caFile ? ['ssl.caFile', t.caFile] : undefined }, nowMs);
  return { ...m, clientAuth: t.clientAuth };
}

/** The peer-link material (sslQuorum); undefined when peer TLS is off. */
export function loadQuorumTlsMaterial(config: ServerConfig, nowMs = Date.now()): { cert: Buffer; key: Buffer; ca: Buffer; subject: string } | undefined {
  const q = config.quorumTls;
  if (!q) return undefined;
  const m = loadPem(
    config.configFile ?? '(defaults)',
    { cert: ['ssl.quorum.certFile', q.certFile], key: ['ssl.quorum.keyFile', q.keyFile], ca: ['ssl.quorum.caFile', q.caFile], bothEnds: true },
    nowMs,
  );
  return { cert: m.cert, key: m.key, ca: m.ca!, subject: m.subject };
}
