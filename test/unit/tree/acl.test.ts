/**
 * Goal: ACL checks and fix-ups behave as ZooKeeper's: digest ids match ZooKeeper's
 * generateDigest (known vectors), world/auth/digest/ip with /bits (IPv4, IPv6, IPv4-mapped)
 * grant exactly the bits they name, super bypasses everything, and malformed ACLs are
 * INVALIDACL, bad addauth AUTHFAILED.
 */
import { describe, expect, it } from 'vitest';
import { Code } from '../../../proto/codes.js';
import { authFromAddAuth, checkAcl, digestId, fixupAcl, ipMatches } from '../../../server/tree/acl.js';
import { Perms, type Acl, type AuthInfo } from '../../../server/tree/types.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const acl = (perms: number, scheme: string, id: string): Acl => ({ perms, id: { scheme, id } });

describe('digestId', () => {
  it('matches ZooKeeper DigestAuthenticationProvider.generateDigest on published vectors', () => {
    // Vectors as printed in ZooKeeper set-up guides (superDigest lines) and go-zookeeper's tests.
    expect(digestId('super', 'test')).toBe('super:D/InIHSb7yEEbrWz8b9l71RjZJU=');
    expect(digestId('super', 'admin')).toBe('super:xQJmxLMiHGwaqBvst5y6rkB6HQs=');
    expect(digestId('root', 'root')).toBe('root:qiTlqPLK7XM2ht3HMn02qRpkKIE=');
  });

  it('hashes the whole "user:password", so a colon in the password is kept', () => {
    const r = authFromAddAuth('digest', enc('bob:pa:ss'));
    expect(r.ok && r.ids[0]!.id).toBe(digestId('bob', 'pa:ss'));
  });
});

describe('checkAcl', () => {
  const bob: AuthInfo[] = [{ scheme: 'digest', id: digestId('bob', 'pw') }];

  it('world:anyone grants only the bits it carries', () => {
    const a = [acl(Perms.READ | Perms.WRITE, 'world', 'anyone')];
    expect(checkAcl(a, Perms.READ, [])).toBe(true);
    expect(checkAcl(a, Perms.WRITE, [])).toBe(true);
    expect(checkAcl(a, Perms.DELETE, [])).toBe(false);
    expect(checkAcl(a, Perms.ADMIN, [])).toBe(false);
    expect(checkAcl(a, Perms.CREATE, [])).toBe(false);
  });

  it('digest grants to the connection that added the matching identity only', () => {
    const a = [acl(Perms.ALL, 'digest', digestId('bob', 'pw'))];
    expect(checkAcl(a, Perms.READ, bob)).toBe(true);
    expect(checkAcl(a, Perms.READ, [])).toBe(false);
    expect(checkAcl(a, Perms.READ, [{ scheme: 'digest', id: digestId('bob', 'wrong') }])).toBe(false);
  });

  it('an empty ACL grants nothing; any one matching entry is enough', () => {
    expect(checkAcl([], Perms.READ, bob)).toBe(false);
    const a = [acl(Perms.READ, 'digest', digestId('eve', 'x')), acl(Perms.WRITE, 'digest', digestId('bob', 'pw'))];
    expect(checkAcl(a, Perms.WRITE, bob)).toBe(true);
    expect(checkAcl(a, Perms.READ, bob)).toBe(false);
  });

  it('super bypasses every check, even an empty ACL', () => {
    expect(checkAcl([], Perms.ADMIN, [{ scheme: 'super', id: 'root' }])).toBe(true);
  });

  it('ip entries match the client address with a prefix length', () => {
    const a = [acl(Perms.READ, 'ip', '10.1.0.0/16')];
    expect(checkAcl(a, Perms.READ, [], '10.1.200.3')).toBe(true);
    expect(checkAcl(a, Perms.READ, [], '10.2.0.1')).toBe(false);
    expect(checkAcl(a, Perms.READ, [])).toBe(false);
    expect(checkAcl(a, Perms.WRITE, [], '10.1.0.1')).toBe(false);
  });
});

describe('ipMatches', () => {
  it('IPv4 exact and with bits', () => {
    expect(ipMatches('127.0.0.1', '127.0.0.1')).toBe(true);
    expect(ipMatches('127.0.0.1', '127.0.0.2')).toBe(false);
    expect(ipMatches('192.168.0.0/24', '192.168.0.255')).toBe(true);
    expect(ipMatches('192.168.0.0/24', '192.168.1.0')).toBe(false);
    expect(ipMatches('192.168.0.0/23', '192.168.1.7')).toBe(true);
    expect(ipMatches('0.0.0.0/0', '8.8.8.8')).toBe(true);
    expect(ipMatches('10.0.0.0/33', '10.0.0.0')).toBe(false);
  });

  it('IPv6 exact, compressed forms, and with bits', () => {
    expect(ipMatches('::1', '0:0:0:0:0:0:0:1')).toBe(true);
    expect(ipMatches('2001:db8::/32', '2001:db8:ffff::1')).toBe(true);
    expect(ipMatches('2001:db8::/32', '2001:db9::1')).toBe(false);
    expect(ipMatches('fe80::/10', 'febf::1')).toBe(true);
    expect(ipMatches('fe80::/10', 'fec0::1')).toBe(false);
  });

  it('an IPv4-mapped client address matches an IPv4 pattern; families never cross otherwise', () => {
    expect(ipMatches('127.0.0.1', '::ffff:127.0.0.1')).toBe(true);
    expect(ipMatches('10.0.0.0/8', '::FFFF:10.9.9.9')).toBe(true);
    expect(ipMatches('::1', '127.0.0.1')).toBe(false);
    expect(ipMatches('not-an-ip', '127.0.0.1')).toBe(false);
  });
});

describe('fixupAcl', () => {
  const bob: AuthInfo[] = [{ scheme: 'digest', id: digestId('bob', 'pw') }];
  const bad = (a: Acl[], auth: AuthInfo[] = []): number => {
    const r = fixupAcl(a, auth, 64);
    return r.ok ? Code.OK : r.err;
  };

  it('refuses empty lists, unknown schemes, world ids other than anyone, bad perms', () => {
    expect(bad([])).toBe(Code.INVALIDACL);
    expect(bad([acl(Perms.ALL, 'kerberos', 'x')])).toBe(Code.INVALIDACL);
    expect(bad([acl(Perms.ALL, 'world', 'everyone')])).toBe(Code.INVALIDACL);
    expect(bad([acl(32, 'world', 'anyone')])).toBe(Code.INVALIDACL);
    expect(bad([acl(-1, 'world', 'anyone')])).toBe(Code.INVALIDACL);
  });

  it('refuses malformed digest and ip ids', () => {
    expect(bad([acl(Perms.ALL, 'digest', 'bob:plaintext')])).toBe(Code.INVALIDACL);
    expect(bad([acl(Perms.ALL, 'digest', digestId('bob', 'pw'))])).toBe(Code.OK);
    expect(bad([acl(Perms.ALL, 'ip', '10.0.0.1/33')])).toBe(Code.INVALIDACL);
    expect(bad([acl(Perms.ALL, 'ip', '10.0.0.1/')])).toBe(Code.INVALIDACL);
    expect(bad([acl(Perms.ALL, 'ip', 'host.example')])).toBe(Code.INVALIDACL);
    expect(bad([acl(Perms.ALL, 'ip', '2001:db8::/129')])).toBe(Code.INVALIDACL);
    expect(bad([acl(Perms.ALL, 'ip', '2001:db8::/64')])).toBe(Code.OK);
  });

  it('expands auth into the connection identities (not ip, not super), and needs one', () => {
    expect(bad([acl(Perms.ALL, 'auth', '')])).toBe(Code.INVALIDACL);
    expect(bad([acl(Perms.ALL, 'auth', '')], [{ scheme: 'super', id: 'root' }])).toBe(Code.INVALIDACL);
    const r = fixupAcl([acl(Perms.READ | Perms.WRITE, 'auth', '')], [...bob, { scheme: 'super', id: 'root' }], 64);
    expect(r).toEqual({ ok: true, acl: [acl(Perms.READ | Perms.WRITE, 'digest', digestId('bob', 'pw'))] });
  });

  it('drops duplicates and enforces aclEntriesMax by name', () => {
    const r = fixupAcl([acl(Perms.ALL, 'world', 'anyone'), acl(Perms.ALL, 'world', 'anyone')], [], 64);
    expect(r.ok && r.acl).toHaveLength(1);
    const many = Array.from({ length: 3 }, (_, i) => acl(Perms.ALL, 'ip', `10.0.0.${i}`));
    const over = fixupAcl(many, [], 2);
    expect(over.ok).toBe(false);
    expect(!over.ok && over.message).toMatch(/aclEntriesMax=2/);
  });
});

describe('authFromAddAuth', () => {
  it('digest user:password gives the digest identity; the super password also gives super', () => {
    const superDigest = digestId('super', 'test');
    expect(authFromAddAuth('digest', enc('bob:pw'), superDigest)).toEqual({ ok: true, ids: [{ scheme: 'digest', id: digestId('bob', 'pw') }] });
    const r = authFromAddAuth('digest', enc('super:test'), superDigest);
    expect(r.ok && r.ids.map((i) => i.scheme)).toEqual(['digest', 'super']);
    const wrong = authFromAddAuth('digest', enc('super:nope'), superDigest);
    expect(wrong.ok && wrong.ids.map((i) => i.scheme)).toEqual(['digest']);
  });

  it('other schemes and malformed digests are AUTHFAILED', () => {
    const r1 = authFromAddAuth('ip', enc('1.2.3.4'));
    const r2 = authFromAddAuth('digest', enc('nocolon'));
    const r3 = authFromAddAuth('digest', enc(':pw'));
    for (const r of [r1, r2, r3]) expect(!r.ok && r.err).toBe(Code.AUTHFAILED);
  });
});
