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

/** Undefined when no TLS port is configured. Throws ConfigError naming the key and file. */
export function loadTlsMaterial(config: ServerConfig, nowMs = Date.now()): TlsMaterial | undefined {
  const t = config.tls;
  if (config.secureClientPort === undefined || !t?.certFile || !t.keyFile) return undefined;
  const file = config.configFile ?? '(defaults)';
  const certPem = read(file, 'ssl.certFile', t.certFile);
  const keyPem = read(file, 'ssl.keyFile', t.keyFile);
  const [leaf] = certificates(file, 'ssl.certFile', t.certFile, certPem);
  let key: KeyObject;
  try {
    key = createPrivateKey(keyPem);
  } catch (e) {
    throw new ConfigError(file, 0, 'ssl.keyFile', `${t.keyFile}: not a readable PEM private key (encrypted keys are not supported): ${(e as Error).message}`);
  }
  if (!leaf!.checkPrivateKey(key)) {
    throw new ConfigError(file, 0, 'ssl.keyFile', `${t.keyFile} does not match the certificate in ${t.certFile} (${leaf!.subject.replace(/\n/g, ', ')})`);
  }
  if (Date.parse(leaf!.validTo) < nowMs) throw new ConfigError(file, 0, 'ssl.certFile', `${t.certFile} expired on ${leaf!.validTo}`);
  if (Date.parse(leaf!.validFrom) > nowMs) throw new ConfigError(file, 0, 'ssl.certFile', `${t.certFile} is not valid before ${leaf!.validFrom}`);
  let ca: Buffer | undefined;
  if (t.caFile) {
    ca = read(file, 'ssl.caFile', t.caFile);
    certificates(file, 'ssl.caFile', t.caFile, ca);
  }
  return { cert: certPem, key: keyPem, ca, clientAuth: t.clientAuth, subject: leaf!.subject.replace(/\n/g, ','), notAfter: leaf!.validTo };
}
