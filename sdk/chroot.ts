/**
 * ZooKeeper's chroot: a connect string ending in a path (`h1:p1,h2:p2/app`) roots every
 * path of the client there. Paths are translated at the edge of the client and back for
 * what the server returns (created paths, ephemerals, watch events), so the rest of the
 * SDK and the application see only their own tree. A path that is not absolute is passed
 * on untranslated, for the server to refuse (BADARGUMENTS) rather than to be silently
 * glued onto the root.
 */
import type { RequestOp } from './codec.js';

export class Chroot {
  /** `root` is '' for none, else an absolute path without a trailing '/'. */
  constructor(readonly root: string) {}

  toServer(path: string): string {
    if (this.root === '' || !path.startsWith('/')) return path;
    return path === '/' ? this.root : this.root + path;
  }

  toClient(path: string): string {
    if (this.root === '') return path;
    if (path === this.root) return '/';
    return path.startsWith(`${this.root}/`) ? path.slice(this.root.length) : path;
  }

  /** The request with every path in it rooted. */
  op(op: RequestOp): RequestOp {
    if (this.root === '') return op;
    switch (op.op) {
      case 'getEphemerals':
        return { ...op, prefixPath: this.toServer(op.prefixPath) };
      case 'multi':
        return { ...op, ops: op.ops.map((o) => ({ ...o, path: this.toServer(o.path) })) };
      case 'multiRead':
        return { ...op, ops: op.ops.map((o) => ({ ...o, path: this.toServer(o.path) })) };
      case 'addAuth':
      case 'whoAmI':
        return op;
      default:
        return { ...op, path: this.toServer(op.path) };
    }
  }
}
