/**
 * Goal: ACLs through the SDK with ZooKeeper's schemes and codes: world, auth, digest, ip
 * (with /bits) and the super digest from zoo.cfg; NOAUTH for a missing permission,
 * INVALIDACL for a bad ACL, AUTHFAILED for a bad addAuth; setACL with an aversion check.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  Acls,
  AuthFailedError,
  BadVersionError,
  digestAcl,
  digestId,
  InvalidAclError,
  ipAcl,
  NoAuthError,
  Perms,
  worldAcl,
} from '../../sdk/index.js';
import { closeAllClients, killAllServers, openClient, removeTempDirs, startStandalone, type Standalone } from '../support/index.js';

let srv: Standalone;

beforeAll(async () => {
  srv = await startStandalone({ superDigest: digestId('super', 'letmein') });
});
afterEach(closeAllClients);
afterAll(async () => {
  await killAllServers();
  removeTempDirs();
});

describe('ACLs', () => {
  it('world: a read-only node refuses writes with NOAUTH', async () => {
    const c = await openClient(srv.server.address);
    await c.create('/ro', 'x', { acl: Acls.READ_ACL_UNSAFE });
    expect((await c.getData('/ro')).data.toString()).toBe('x');
    await expect(c.setData('/ro', 'y')).rejects.toBeInstanceOf(NoAuthError);
    await expect(c.create('/ro/kid')).rejects.toBeInstanceOf(NoAuthError);
    await expect(c.setACL('/ro', Acls.OPEN_ACL_UNSAFE)).rejects.toBeInstanceOf(NoAuthError);
    const { acl } = await c.getACL('/ro');
    expect(acl).toEqual([{ perms: Perms.READ, id: { scheme: 'world', id: 'anyone' } }]);
  });

  it('delete needs DELETE on the parent', async () => {
    const c = await openClient(srv.server.address);
    await c.create('/nodel', null, { acl: [worldAcl(Perms.READ | Perms.CREATE)] });
    await c.create('/nodel/kid');
    await expect(c.delete('/nodel/kid')).rejects.toBeInstanceOf(NoAuthError);
  });

  it('digest: only a connection authenticated as the user gets in; whoAmI shows it', async () => {
    const alice = await openClient(srv.server.address);
    const other = await openClient(srv.server.address);
    await alice.create('/alice', 'secret', { acl: [digestAcl('alice', 'pw', Perms.ALL)] });
    await expect(alice.getData('/alice')).rejects.toBeInstanceOf(NoAuthError);
    await alice.addAuth('digest', 'alice:pw');
    expect((await alice.getData('/alice')).data.toString()).toBe('secret');
    expect(await alice.whoAmI()).toContainEqual({ scheme: 'digest', id: digestId('alice', 'pw') });
    const err = await other.getData('/alice').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NoAuthError);
    expect((err as NoAuthError).path).toBe('/alice');
    await other.addAuth('digest', 'alice:wrong');
    await expect(other.getData('/alice')).rejects.toBeInstanceOf(NoAuthError);
  });

  it('auth: expands to the creator identities, and is INVALIDACL without any', async () => {
    const c = await openClient(srv.server.address);
    await expect(c.create('/mine', null, { acl: Acls.CREATOR_ALL_ACL })).rejects.toBeInstanceOf(InvalidAclError);
    await c.addAuth('digest', 'bob:pw');
    await c.create('/mine', null, { acl: Acls.CREATOR_ALL_ACL });
    expect((await c.getACL('/mine')).acl).toEqual([{ perms: Perms.ALL, id: { scheme: 'digest', id: digestId('bob', 'pw') } }]);
  });

  it('ip: an address or network matches the client address', async () => {
    const c = await openClient(srv.server.address);
    await c.create('/ip-local', 'l', { acl: [ipAcl('127.0.0.1')] });
    await c.create('/ip-net', 'n', { acl: [ipAcl('127.0.0.0/8', Perms.READ)] });
    await c.create('/ip-far', 'f', { acl: [ipAcl('10.0.0.0/8')] });
    expect((await c.getData('/ip-local')).data.toString()).toBe('l');
    expect((await c.getData('/ip-net')).data.toString()).toBe('n');
    await expect(c.setData('/ip-net', 'x')).rejects.toBeInstanceOf(NoAuthError);
    await expect(c.getData('/ip-far')).rejects.toBeInstanceOf(NoAuthError);
    expect(await c.whoAmI()).toContainEqual({ scheme: 'ip', id: '127.0.0.1' });
  });

  it('super digest from the config bypasses every ACL', async () => {
    const owner = await openClient(srv.server.address);
    await owner.create('/locked', 'l', { acl: [digestAcl('carol', 'pw')] });
    const admin = await openClient(srv.server.address, { auth: [{ scheme: 'digest', auth: 'super:letmein' }] });
    expect((await admin.getData('/locked')).data.toString()).toBe('l');
    await admin.setACL('/locked', Acls.OPEN_ACL_UNSAFE);
    expect((await owner.getData('/locked')).data.toString()).toBe('l');
  });

  it('rejects bad ACLs with INVALIDACL and bad auth with AUTHFAILED', async () => {
    const c = await openClient(srv.server.address);
    await expect(c.create('/bad1', null, { acl: [] })).rejects.toBeInstanceOf(InvalidAclError);
    await expect(c.create('/bad2', null, { acl: [{ perms: 31, id: { scheme: 'world', id: 'somebody' } }] })).rejects.toBeInstanceOf(InvalidAclError);
    await expect(c.create('/bad3', null, { acl: [{ perms: 31, id: { scheme: 'digest', id: 'no-hash' } }] })).rejects.toBeInstanceOf(InvalidAclError);
    await expect(c.create('/bad4', null, { acl: [{ perms: 31, id: { scheme: 'nosuch', id: 'x' } }] })).rejects.toBeInstanceOf(InvalidAclError);
    await expect(c.create('/bad5', null, { acl: [ipAcl('300.1.1.1')] })).rejects.toBeInstanceOf(InvalidAclError);
    await expect(c.addAuth('digest', 'no-colon')).rejects.toBeInstanceOf(AuthFailedError);
    await expect(c.addAuth('kerberos', 'x')).rejects.toBeInstanceOf(AuthFailedError);
  });

  it('setACL checks the aversion', async () => {
    const c = await openClient(srv.server.address);
    await c.create('/av');
    const s = await c.setACL('/av', Acls.OPEN_ACL_UNSAFE, { version: 0 });
    expect(s.aversion).toBe(1);
    await expect(c.setACL('/av', Acls.OPEN_ACL_UNSAFE, { version: 0 })).rejects.toBeInstanceOf(BadVersionError);
  });
});
