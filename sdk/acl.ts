/**
 * ACL helpers: digest ids in ZooKeeper's `user:base64(sha1(user:password))` form, and ip
 * ids. A digest id is what the server compares with the identity `addAuth('digest',
 * 'user:password')` gives a connection, and what `superDigest` in zoo.cfg holds.
 */
import { createHash } from 'node:crypto';
import { Perms, type Acl } from './types.js';

/** `user:base64(sha1("user:password"))`, ZooKeeper's digest id. */
export function digestId(user: string, password: string): string {
  return `${user}:${createHash('sha1').update(`${user}:${password}`).digest('base64')}`;
}

/**
 * An ACL entry for a digest user.
 * @example
 * await client.create('/private', 'x', { acl: [digestAcl('alice', 'secret', Perms.ALL)] });
 */
export function digestAcl(user: string, password: string, perms: number = Perms.ALL): Acl {
  return { perms, id: { scheme: 'digest', id: digestId(user, password) } };
}

/** An ACL entry for a client address or network, e.g. `ipAcl('10.0.0.0/8', Perms.READ)`. */
export function ipAcl(addressOrNetwork: string, perms: number = Perms.ALL): Acl {
  return { perms, id: { scheme: 'ip', id: addressOrNetwork } };
}

/** world:anyone with the given permissions. */
export function worldAcl(perms: number = Perms.ALL): Acl {
  return { perms, id: { scheme: 'world', id: 'anyone' } };
}
