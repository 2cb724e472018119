/**
 * Znode path rules, as ZooKeeper's PathUtils: absolute, "/"-separated, no trailing slash
 * (except the root), no empty, "." or ".." segments, and none of the characters ZooKeeper
 * forbids (NUL, control characters, and a few Unicode ranges). Pure.
 */

export type PathCheck = { ok: true } | { ok: false; message: string };

const utf8 = new TextEncoder();

function forbidden(c: number): boolean {
  return (
    c === 0 ||
    (c > 0x00 && c <= 0x1f) ||
    (c >= 0x7f && c <= 0x9f) ||
    (c >= 0xd800 && c <= 0xf8ff) ||
    (c >= 0xfff0 && c <= 0xffff)
  );
}

/**
 * `sequential`: the path is a prefix a sequence number will be appended to, so it may end
 * with "/" (ZooKeeper allows `create -s /parent/`).
 */
export function validatePath(path: string, opts: { sequential?: boolean; pathBytesMax?: number } = {}): PathCheck {
  if (typeof path !== 'string' || path.length === 0) return { ok: false, message: 'path must not be empty' };
  if (path[0] !== '/') return { ok: false, message: `path must start with "/": ${JSON.stringify(path)}` };
  if (opts.pathBytesMax !== undefined && utf8.encode(path).length > opts.pathBytesMax) {
    return { ok: false, message: `limit pathBytesMax=${opts.pathBytesMax} exceeded: path is ${utf8.encode(path).length} bytes` };
  }
  if (path.length === 1) return { ok: true };
  const body = opts.sequential && path.endsWith('/') ? path.slice(0, -1) : path;
  if (body.length > 1 && body.endsWith('/')) return { ok: false, message: `path must not end with "/": ${JSON.stringify(path)}` };
  if (body.length === 0) return { ok: true };
  const segments = body.slice(1).split('/');
  for (const seg of segments) {
    if (seg.length === 0) return { ok: false, message: `empty segment in path ${JSON.stringify(path)}` };
    if (seg === '.' || seg === '..') return { ok: false, message: `relative segment "${seg}" in path ${JSON.stringify(path)}` };
  }
  for (let i = 0; i < path.length; i++) {
    const c = path.charCodeAt(i);
    if (forbidden(c)) return { ok: false, message: `invalid character \\u${c.toString(16).padStart(4, '0')} at index ${i} of path` };
  }
  return { ok: true };
}

export function parentOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

export function basename(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

export function joinPath(parent: string, child: string): string {
  return parent === '/' ? `/${child}` : `${parent}/${child}`;
}

/** True when `path` is `ancestor` or below it. */
export function isUnder(path: string, ancestor: string): boolean {
  if (ancestor === '/') return true;
  return path === ancestor || path.startsWith(`${ancestor}/`);
}

export const RESERVED_ROOT = '/zookeeper';
