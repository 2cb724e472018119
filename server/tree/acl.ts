/**
 * Access control, as ZooKeeper's: an ACL is a list of (perms, scheme:id); a request is
 * allowed when any entry grants the permission to any identity of the connection.
 *
 * Schemes: world:anyone; digest (id = user:base64(sha1("user:password"))); ip (an address
 * or addr/bits, IPv4 or IPv6); auth (only at create/setACL time: expands to every digest
 * identity the connection has); super (an identity that bypasses every check, granted by
 * `addauth digest` with the configured super digest's password). Pure.
 */
import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import { Code } from '../../proto/codes.js';
import { Perms, type Acl, type AuthInfo } from './types.js';

export const OPEN_ACL_UNSAFE: readonly Acl[] = Object.freeze([{ perms: Perms.ALL, id: { scheme: 'world', id: 'anyone' } }]);
export const READ_ACL_UNSAFE: readonly Acl[] = Object.freeze([{ perms: Perms.READ, id: { scheme: 'world', id: 'anyone' } }]);

/** ZooKeeper's DigestAuthenticationProvider.generateDigest: "user:base64(sha1(user:password))". */
export function digestId(user: string, password: string): string {
  const hash = createHash('sha1').update(`${user}:${password}`, 'utf8').digest('base64');
  return `${user}:${hash}`;
}

export function isSuper(auth: readonly AuthInfo[]): boolean {
  return auth.some((a) => a.scheme === 'super');
}

export function checkAcl(acl: readonly Acl[], perm: number, auth: readonly AuthInfo[], clientIp?: string): boolean {
  if (isSuper(auth)) return true;
  for (const entry of acl) {
    if ((entry.perms & perm) === 0) continue;
    const { scheme, id } = entry.id;
    if (scheme === 'world' && id === 'anyone') return true;
    if (scheme === 'ip') {
      if (clientIp !== undefined && ipMatches(id, clientIp)) return true;
      continue;
    }
    for (const a of auth) {
      if (a.scheme === scheme && a.id === id) return true;
    }
  }
  return false;
}

/** "addr" or "addr/bits" against a client address (IPv4, IPv6, or IPv4-mapped IPv6). */
export function ipMatches(pattern: string, clientIp: string): boolean {
  const [addr, bitsText] = pattern.split('/');
  if (addr === undefined) return false;
  const want = ipBytes(addr);
  const have = ipBytes(clientIp);
  if (!want || !have || want.length !== have.length) return false;
  const bits = bitsText === undefined ? want.length * 8 : Number(bitsText);
  if (!Number.isInteger(bits) || bits < 0 || bits > want.length * 8) return false;
  for (let i = 0; i < bits; i++) {
    const byte = i >> 3;
    const mask = 0x80 >> (i & 7);
    if (((want[byte] ?? 0) & mask) !== ((have[byte] ?? 0) & mask)) return false;
  }
  return true;
}

function ipBytes(ip: string): number[] | undefined {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) ip = mapped[1]!;
  const kind = isIP(ip);
  if (kind === 4) return ip.split('.').map(Number);
  if (kind !== 6) return undefined;
  const [head = '', tail] = ip.split('::');
  const parse = (s: string): number[] => (s === '' ? [] : s.split(':').map((h) => parseInt(h, 16)));
  const left = parse(head);
  const right = tail === undefined ? [] : parse(tail);
  const groups = [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
  return groups.flatMap((g) => [(g >> 8) & 0xff, g & 0xff]);
}

export type AclCheck = { ok: true; acl: Acl[] } | { ok: false; err: number; message: string };

/**
 * Validates an ACL list for create/setACL and expands the `auth` scheme into the
 * connection's identities. ZooKeeper: an empty list, an unknown scheme, a malformed id, or
 * `auth` with no identity to expand to is INVALIDACL.
 */
export function fixupAcl(acl: readonly Acl[], auth: readonly AuthInfo[], aclEntriesMax: number): AclCheck {
  if (acl.length === 0) return { ok: false, err: Code.INVALIDACL, message: 'ACL list is empty' };
  if (acl.length > aclEntriesMax) {
    return { ok: false, err: Code.INVALIDACL, message: `limit aclEntriesMax=${aclEntriesMax} exceeded: ${acl.length} entries` };
  }
  const out: Acl[] = [];
  for (const entry of acl) {
    const { perms, id } = entry;
    if (!Number.isInteger(perms) || perms < 0 || perms > Perms.ALL) {
      return { ok: false, err: Code.INVALIDACL, message: `invalid perms ${perms} for ${id.scheme}:${id.id}` };
    }
    switch (id.scheme) {
      case 'world':
        if (id.id !== 'anyone') return { ok: false, err: Code.INVALIDACL, message: `world scheme only has id "anyone", not "${id.id}"` };
        out.push({ perms, id: { scheme: 'world', id: 'anyone' } });
        break;
      case 'auth': {
        const ids = auth.filter((a) => a.scheme !== 'ip' && a.scheme !== 'super');
        if (ids.length === 0) return { ok: false, err: Code.INVALIDACL, message: 'auth scheme needs an authenticated identity (addauth first)' };
        for (const a of ids) out.push({ perms, id: { scheme: a.scheme, id: a.id } });
        break;
      }
      case 'digest':
        if (!/^[^:]+:[A-Za-z0-9+/]{27}=$/.test(id.id)) {
          return { ok: false, err: Code.INVALIDACL, message: `digest id must be user:base64(sha1(user:password)), got "${id.id}"` };
        }
        out.push({ perms, id: { scheme: 'digest', id: id.id } });
        break;
      case 'ip': {
        const [addr, bits] = id.id.split('/');
        const maxBits = isIP(addr ?? '') === 4 ? 32 : isIP(addr ?? '') === 6 ? 128 : -1;
        if (maxBits < 0 || (bits !== undefined && !(/^\d+$/.test(bits) && Number(bits) <= maxBits))) {
          return { ok: false, err: Code.INVALIDACL, message: `invalid ip ACL id "${id.id}"` };
        }
        out.push({ perms, id: { scheme: 'ip', id: id.id } });
        break;
      }
      case 'x509':
        if (id.id.length === 0) return { ok: false, err: Code.INVALIDACL, message: 'x509 id must not be empty' };
        out.push({ perms, id: { scheme: 'x509', id: id.id } });
        break;
      default:
        return { ok: false, err: Code.INVALIDACL, message: `unknown ACL scheme "${id.scheme}"` };
    }
  }
  return { ok: true, acl: dedupe(out) };
}

function dedupe(acl: Acl[]): Acl[] {
  const seen = new Set<string>();
  return acl.filter((a) => {
    const key = `${a.perms}|${a.id.scheme}|${a.id.id}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * `addauth scheme auth`. Only "digest" is a client-side scheme ("user:password"); with the
 * configured super digest's password it also grants the super identity.
 */
export function authFromAddAuth(
  scheme: string,
  auth: Uint8Array,
  superDigest?: string,
): { ok: true; ids: AuthInfo[] } | { ok: false; err: number; message: string } {
  if (scheme !== 'digest') return { ok: false, err: Code.AUTHFAILED, message: `unsupported auth scheme "${scheme}" (only digest)` };
  const text = new TextDecoder().decode(auth);
  const colon = text.indexOf(':');
  if (colon <= 0) return { ok: false, err: Code.AUTHFAILED, message: 'digest auth must be "user:password"' };
  const id = digestId(text.slice(0, colon), text.slice(colon + 1));
  const ids: AuthInfo[] = [{ scheme: 'digest', id }];
  if (superDigest !== undefined && id === superDigest) ids.push({ scheme: 'super', id: text.slice(0, colon) });
  return { ok: true, ids };
}
