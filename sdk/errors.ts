/**
 * Typed errors: one class per wire code (ZooKeeper's names, plus Warden's LIMITEXCEEDED,
 * SERVERBEHIND and NOTSERVING), each with `name`, `code` (the code's name, e.g. 'NONODE'),
 * `errno` (the wire number), `path` (when the error is about one) and `cause`.
 *
 * `isRetryable(err)` is the one place that decides whether trying again is safe. A write
 * that was sent but whose answer was lost is an `OutcomeUnknownError`: it may or may not
 * have been applied, so it is never retryable blindly (use a version check, or a protected
 * create, to find out).
 */
import { Code, codeName, isKnownCode, type CodeName } from '../proto/codes.js';

/** What an error is about, beyond its code and message. */
export interface WardenErrorOptions {
  /** The path the failed request was about, if any (becomes `err.path`). */
  path?: string;
  /** The underlying error or abort reason (becomes `err.cause`). */
  cause?: unknown;
  /** A write was sent but its answer never came: it may or may not have been applied. */
  outcomeUnknown?: boolean;
}

/** Base class of every error the SDK reports for a request or a session. */
export class WardenError extends Error {
  /** Always 'WardenError'. */
  override name = 'WardenError';
  /** The code's name, as ZooKeeper spells it: 'NONODE', 'BADVERSION', ... */
  readonly code: CodeName | 'UNKNOWN';
  /** The number on the wire (ZooKeeper's numbering). */
  readonly errno: number;
  /** The path the failed request was about, when there is one. */
  readonly path: string | undefined;
  /**
   * True when a write was sent and its answer was lost (connection loss, or its own
   * timeout): it may have been applied. Such an error is never retryable blindly.
   */
  readonly outcomeUnknown: boolean;

  constructor(errno: number, message: string, opts: WardenErrorOptions = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.errno = errno;
    this.code = isKnownCode(errno) ? (codeName(errno) as CodeName) : 'UNKNOWN';
    this.path = opts.path;
    this.outcomeUnknown = opts.outcomeUnknown ?? false;
  }
}

type WardenErrorClass = new (message: string, opts?: WardenErrorOptions) => WardenError;

// One class per code. Each narrows `code` to its own literal, so that `instanceof` checks
// on different classes narrow to different types.

/** SYSTEMERROR: ZooKeeper's generic server-side failure (and the boundary of its system-error range); the Warden server does not send it today. */
export class SystemError extends WardenError {
  /** Always 'SystemError'. */
  override name = 'SystemError';
  declare readonly code: 'SYSTEMERROR';
  constructor(message: string, opts: WardenErrorOptions = {}) {
    super(Code.SYSTEMERROR, message, opts);
  }
}

/** RUNTIMEINCONSISTENCY: ZooKeeper's "a runtime inconsistency was found"; in Warden it is also the code a `multi` reports for the ops after the one that failed (they were not applied). */
export class RuntimeInconsistencyError extends WardenError {
  /** Always 'RuntimeInconsistencyError'. */
  override name = 'RuntimeInconsistencyError';
  declare readonly code: 'RUNTIMEINCONSISTENCY';
  constructor(message: string, opts: WardenErrorOptions = {}) {
    super(Code.RUNTIMEINCONSISTENCY, message, opts);
  }
}

/** DATAINCONSISTENCY: ZooKeeper's "a data inconsistency was found"; the Warden server does not send it today. */
export class DataInconsistencyError extends WardenError {
  /** Always 'DataInconsistencyError'. */
  override name = 'DataInconsistencyError';
  declare readonly code: 'DATAINCONSISTENCY';
  constructor(message: string, opts: WardenErrorOptions = {}) {
    super(Code.DATAINCONSISTENCY, message, opts);
  }
}

/** MARSHALLINGERROR: a request or response could not be encoded or decoded (a malformed frame). */
export class MarshallingError extends WardenError {
  /** Always 'MarshallingError'. */
  override name = 'MarshallingError';
  declare readonly code: 'MARSHALLINGERROR';
  constructor(message: string, opts: WardenErrorOptions = {}) {
    super(Code.MARSHALLINGERROR, message, opts);
  }
}

/** UNIMPLEMENTED: the server does not implement, or has disabled, the requested operation (e.g. a TTL create while the server has `extendedTypesEnabled=false`). */
export class UnimplementedError extends WardenError {
  /** Always 'UnimplementedError'. */
  override name = 'UnimplementedError';
  declare readonly code: 'UNIMPLEMENTED';
  constructor(message: string, opts: WardenErrorOptions = {}) {
    super(Code.UNIMPLEMENTED, message, opts);
  }
}

/** OPERATIONTIMEOUT: the call got no answer within its `timeoutMs` (or the client's `requestTimeoutMs`), or the client did not connect in time; raised by the SDK, not by the server. */
export class OperationTimeoutError extends WardenError {
  /** Always 'OperationTimeoutError'. */
  override name = 'OperationTimeoutError';
  declare readonly code: 'OPERATIONTIMEOUT';
  constructor(message: string, opts: WardenErrorOptions = {}) {
    super(Code.OPERATIONTIMEOUT, message, opts);
  }
}

/** BADARGUMENTS: the server rejected the request's arguments (e.g. an invalid path, a TTL out of range or without a TTL mode, or a path in the server's reserved subtree). */
export class BadArgumentsError extends WardenError {
  /** Always 'BadArgumentsError'. */
  override name = 'BadArgumentsError';
  declare readonly code: 'BADARGUMENTS';
  constructor(message: string, opts: WardenErrorOptions = {}) {
    super(Code.BADARGUMENTS, message, opts);
  }
}

/** UNKNOWNSESSION: ZooKeeper's "the session is unknown to the server"; the Warden server does not send it today. */
export class UnknownSessionError extends WardenError {
  /** Always 'UnknownSessionError'. */
  override name = 'UnknownSessionError';
  declare readonly code: 'UNKNOWNSESSION';
  constructor(message: string, opts: WardenErrorOptions = {}) {
    super(Code.UNKNOWNSESSION, message, opts);
  }
}

/** NEWCONFIGNOQUORUM: ZooKeeper's reconfig refusal when the proposed configuration has no quorum of connected followers; the Warden server does not send it today. */
export class NewConfigNoQuorumError extends WardenError {
  /** Always 'NewConfigNoQuorumError'. */
  override name = 'NewConfigNoQuorumError';
  declare readonly code: 'NEWCONFIGNOQUORUM';
  constructor(message: string, opts: WardenErrorOptions = {}) {
    super(Code.NEWCONFIGNOQUORUM, message, opts);
  }
}

/** RECONFIGINPROGRESS: ZooKeeper's refusal of a reconfig while another is in progress; the Warden server does not send it today. */
export class ReconfigInProgressError extends WardenError {
  /** Always 'ReconfigInProgressError'. */
  override name = 'ReconfigInProgressError';
  declare readonly code: 'RECONFIGINPROGRESS';
  constructor(message: string, opts: WardenErrorOptions = {}) {
    super(Code.RECONFIGINPROGRESS, message, opts);
  }
}

/** APIERROR: ZooKeeper's generic API error (and the boundary of its API-error range); the Warden server does not send it today. */
export class ApiError extends WardenError {
  /** Always 'ApiError'. */
  override name = 'ApiError';
  declare readonly code: 'APIERROR';
  constructor(message: string, opts: WardenErrorOptions = {}) {
    super(Code.APIERROR, message, opts);
  }
}

/** NONODE: the node does not exist (or, for create, its parent does not). */
export class NoNodeError extends WardenError {
  /** Always 'NoNodeError'. */
  override name = 'NoNodeError';
  declare readonly code: 'NONODE';
  constructor(message: string, opts: WardenErrorOptions = {}) {
    super(Code.NONODE, message, opts);
  }
}

/** NOAUTH: the connection's identities lack the permission the node's ACL requires for this operation. */
export class NoAuthError extends WardenError {
  /** Always 'NoAuthError'. */
  override name = 'NoAuthError';
  declare readonly code: 'NOAUTH';
  constructor(message: string, opts: WardenErrorOptions = {}) {
    super(Code.NOAUTH, message, opts);
  }
}

/** BADVERSION: the expected `version` did not match the node's current version (a conditional write or check lost a race). */
export class BadVersionError extends WardenError {
  /** Always 'BadVersionError'. */
  override name = 'BadVersionError';
  declare readonly code: 'BADVERSION';
  constructor(message: string, opts: WardenErrorOptions = {}) {
    super(Code.BADVERSION, message, opts);
  }
}

/** NOCHILDRENFOREPHEMERALS: a create under an ephemeral node; ephemeral nodes cannot have children. */
export class NoChildrenForEphemeralsError extends WardenError {
  /** Always 'NoChildrenForEphemeralsError'. */
  override name = 'NoChildrenForEphemeralsError';
  declare readonly code: 'NOCHILDRENFOREPHEMERALS';
  constructor(message: string, opts: WardenErrorOptions = {}) {
    super(Code.NOCHILDRENFOREPHEMERALS, message, opts);
  }
}

/** NODEEXISTS: a create of a node that already exists. */
export class NodeExistsError extends WardenError {
  /** Always 'NodeExistsError'. */
  override name = 'NodeExistsError';
  declare readonly code: 'NODEEXISTS';
  constructor(message: string, opts: WardenErrorOptions = {}) {
    super(Code.NODEEXISTS, message, opts);
  }
}

/** NOTEMPTY: a delete of a node that still has children. */
export class NotEmptyError extends WardenError {
  /** Always 'NotEmptyError'. */
  override name = 'NotEmptyError';
  declare readonly code: 'NOTEMPTY';
  constructor(message: string, opts: WardenErrorOptions = {}) {
    super(Code.NOTEMPTY, message, opts);
  }
}

/** SESSIONEXPIRED: the session is gone (it timed out at the server, or was closed); its ephemeral nodes and watches are gone too, so a new client must be connected. */
export class SessionExpiredError extends WardenError {
  /** Always 'SessionExpiredError'. */
  override name = 'SessionExpiredError';
  declare readonly code: 'SESSIONEXPIRED';
  constructor(message: string, opts: WardenErrorOptions = {}) {
    super(Code.SESSIONEXPIRED, message, opts);
  }
}

/** INVALIDCALLBACK: ZooKeeper's "invalid callback specified"; the Warden server does not send it today. */
export class InvalidCallbackError extends WardenError {
  /** Always 'InvalidCallbackError'. */
  override name = 'InvalidCallbackError';
  declare readonly code: 'INVALIDCALLBACK';
  constructor(message: string, opts: WardenErrorOptions = {}) {
    super(Code.INVALIDCALLBACK, message, opts);
  }
}

/** INVALIDACL: the ACL given is invalid (empty, too many entries, bad permission bits, an unknown scheme, a malformed id, or `auth` with no authenticated identity to expand to). */
export class InvalidAclError extends WardenError {
  /** Always 'InvalidAclError'. */
  override name = 'InvalidAclError';
  declare readonly code: 'INVALIDACL';
  constructor(message: string, opts: WardenErrorOptions = {}) {
    super(Code.INVALIDACL, message, opts);
  }
}

/** AUTHFAILED: authentication failed: `addAuth` (or the `auth` option) with an unsupported scheme or malformed credentials, or a session resumed with the wrong `sessionPassword`. */
export class AuthFailedError extends WardenError {
  /** Always 'AuthFailedError'. */
  override name = 'AuthFailedError';
  declare readonly code: 'AUTHFAILED';
  constructor(message: string, opts: WardenErrorOptions = {}) {
    super(Code.AUTHFAILED, message, opts);
  }
}

/** SESSIONMOVED: ZooKeeper's refusal of a request for a session that has moved to another server; the Warden server does not send it today (the SDK treats it as retryable). */
export class SessionMovedError extends WardenError {
  /** Always 'SessionMovedError'. */
  override name = 'SessionMovedError';
  declare readonly code: 'SESSIONMOVED';
  constructor(message: string, opts: WardenErrorOptions = {}) {
    super(Code.SESSIONMOVED, message, opts);
  }
}

/** NOTREADONLY: a write (or `sync`) refused by a server in read-only mode (no quorum), or by one whose txn log's disk is full; the message says which. */
export class NotReadOnlyError extends WardenError {
  /** Always 'NotReadOnlyError'. */
  override name = 'NotReadOnlyError';
  declare readonly code: 'NOTREADONLY';
  constructor(message: string, opts: WardenErrorOptions = {}) {
    super(Code.NOTREADONLY, message, opts);
  }
}

/** EPHEMERALONLOCALSESSION: ZooKeeper's refusal to create an ephemeral node on a local (not global) session; the Warden server does not send it today. */
export class EphemeralOnLocalSessionError extends WardenError {
  /** Always 'EphemeralOnLocalSessionError'. */
  override name = 'EphemeralOnLocalSessionError';
  declare readonly code: 'EPHEMERALONLOCALSESSION';
  constructor(message: string, opts: WardenErrorOptions = {}) {
    super(Code.EPHEMERALONLOCALSESSION, message, opts);
  }
}

/** NOWATCHER: `removeWatches` found no watcher of that type on the path. */
export class NoWatcherError extends WardenError {
  /** Always 'NoWatcherError'. */
  override name = 'NoWatcherError';
  declare readonly code: 'NOWATCHER';
  constructor(message: string, opts: WardenErrorOptions = {}) {
    super(Code.NOWATCHER, message, opts);
  }
}

/** REQUESTTIMEOUT: ZooKeeper's "request not completed within the max allowed time"; the Warden server does not send it today (the SDK's own deadline is OperationTimeoutError). */
export class RequestTimeoutError extends WardenError {
  /** Always 'RequestTimeoutError'. */
  override name = 'RequestTimeoutError';
  declare readonly code: 'REQUESTTIMEOUT';
  constructor(message: string, opts: WardenErrorOptions = {}) {
    super(Code.REQUESTTIMEOUT, message, opts);
  }
}

/** RECONFIGDISABLED: ZooKeeper's refusal of a reconfig when dynamic reconfiguration is disabled; the Warden server does not send it today. */
export class ReconfigDisabledError extends WardenError {
  /** Always 'ReconfigDisabledError'. */
  override name = 'ReconfigDisabledError';
  declare readonly code: 'RECONFIGDISABLED';
  constructor(message: string, opts: WardenErrorOptions = {}) {
    super(Code.RECONFIGDISABLED, message, opts);
  }
}

/** SESSIONCLOSEDREQUIRESASLAUTH: ZooKeeper closes a session that did not authenticate with SASL when the server requires it; the Warden server does not send it today. */
export class SessionClosedRequireSaslAuthError extends WardenError {
  /** Always 'SessionClosedRequireSaslAuthError'. */
  override name = 'SessionClosedRequireSaslAuthError';
  declare readonly code: 'SESSIONCLOSEDREQUIRESASLAUTH';
  constructor(message: string, opts: WardenErrorOptions = {}) {
    super(Code.SESSIONCLOSEDREQUIRESASLAUTH, message, opts);
  }
}

/** QUOTAEXCEEDED: ZooKeeper's refusal of a write that would exceed a hard quota on a subtree; the Warden server does not send it today. */
export class QuotaExceededError extends WardenError {
  /** Always 'QuotaExceededError'. */
  override name = 'QuotaExceededError';
  declare readonly code: 'QUOTAEXCEEDED';
  constructor(message: string, opts: WardenErrorOptions = {}) {
    super(Code.QUOTAEXCEEDED, message, opts);
  }
}

/** THROTTLEDOP: ZooKeeper's refusal of an operation under load (request throttling); the Warden server does not send it today (the SDK treats it as retryable). */
export class ThrottledOpError extends WardenError {
  /** Always 'ThrottledOpError'. */
  override name = 'ThrottledOpError';
  declare readonly code: 'THROTTLEDOP';
  constructor(message: string, opts: WardenErrorOptions = {}) {
    super(Code.THROTTLEDOP, message, opts);
  }
}

/** SERVERBEHIND (Warden): the server's state is older than a zxid this client has already seen, so it cannot answer without going back in time; retryable (another server, or later). */
export class ServerBehindError extends WardenError {
  /** Always 'ServerBehindError'. */
  override name = 'ServerBehindError';
  declare readonly code: 'SERVERBEHIND';
  constructor(message: string, opts: WardenErrorOptions = {}) {
    super(Code.SERVERBEHIND, message, opts);
  }
}

/** NOTSERVING (Warden): the server is not serving clients (starting, shutting down, or without a quorum); retryable. */
export class NotServingError extends WardenError {
  /** Always 'NotServingError'. */
  override name = 'NotServingError';
  declare readonly code: 'NOTSERVING';
  constructor(message: string, opts: WardenErrorOptions = {}) {
    super(Code.NOTSERVING, message, opts);
  }
}

/**
 * CONNECTIONLOSS: the connection to the server broke before the answer arrived. For a read
 * (or anything sent again safely) this is retryable; for a write see OutcomeUnknownError.
 */
export class ConnectionLossError extends WardenError {
  /** Always 'ConnectionLossError'. */
  override name = 'ConnectionLossError';
  declare readonly code: 'CONNECTIONLOSS';
  constructor(message: string, opts: WardenErrorOptions = {}) {
    super(Code.CONNECTIONLOSS, message, opts);
  }
}

/**
 * A write was sent and the connection broke before its answer came: it may or may not have
 * been applied. Never retried automatically. Find out (read the node, compare versions, or
 * use `create(..., { protected: true })`) before trying again.
 */
export class OutcomeUnknownError extends ConnectionLossError {
  /** Always 'OutcomeUnknownError'. */
  override name = 'OutcomeUnknownError';
  constructor(message: string, opts: WardenErrorOptions = {}) {
    super(message, { ...opts, outcomeUnknown: true });
  }
}

/** LIMITEXCEEDED: a configured limit (server or client) was exceeded; `limit` names it. */
export class LimitExceededError extends WardenError {
  /** Always 'LimitExceededError'. */
  override name = 'LimitExceededError';
  declare readonly code: 'LIMITEXCEEDED';
  /** The limit's name as the server or client reported it, e.g. 'dataBytesMax', 'maxClientCnxns'. */
  readonly limit: string | undefined;
  /** The limit's value, when reported. */
  readonly value: number | undefined;
  constructor(message: string, opts: WardenErrorOptions = {}) {
    super(Code.LIMITEXCEEDED, message, opts);
    // Server and client both word it "limit <name>=<value> exceeded".
    const m = /limit ([\w.]+)=(\d+)/.exec(message);
    this.limit = m?.[1];
    this.value = m ? Number(m[2]) : undefined;
  }
}

/** The client was closed (by `close()`); nothing more can be sent. */
export class ClientClosedError extends WardenError {
  /** Always 'ClientClosedError'. */
  override name = 'ClientClosedError';
  constructor(message = 'the client is closed', opts: WardenErrorOptions = {}) {
    super(Code.CONNECTIONLOSS, message, opts);
  }
}

/** A watch or state iterator fell behind by more than its buffer; events were dropped. */
export class OverflowError extends Error {
  /** Always 'OverflowError'. */
  override name = 'OverflowError';
  /** Always 'OVERFLOW' (not a wire code: the overflow happens in this process). */
  readonly code = 'OVERFLOW';
  constructor(
    /** What overflowed, e.g. 'connection state' or 'persistent watch on /path'. */
    readonly what: string,
    /** The buffer's size, in events. */
    readonly bufferSize: number,
  ) {
    super(`${what} buffer of ${bufferSize} events overflowed (the consumer is too slow); events were dropped, re-read the state`);
  }
}

const BY_CODE = new Map<number, WardenErrorClass>(
  [
    SystemError, RuntimeInconsistencyError, DataInconsistencyError, MarshallingError, UnimplementedError,
    OperationTimeoutError, BadArgumentsError, UnknownSessionError, NewConfigNoQuorumError, ReconfigInProgressError,
    ApiError, NoNodeError, NoAuthError, BadVersionError, NoChildrenForEphemeralsError, NodeExistsError, NotEmptyError,
    SessionExpiredError, InvalidCallbackError, InvalidAclError, AuthFailedError, SessionMovedError, NotReadOnlyError,
    EphemeralOnLocalSessionError, NoWatcherError, RequestTimeoutError, ReconfigDisabledError,
    SessionClosedRequireSaslAuthError, QuotaExceededError, ThrottledOpError, ServerBehindError, NotServingError,
    ConnectionLossError, LimitExceededError,
  ].map((cls) => [new cls('').errno, cls]),
);

/** The typed error for a wire code. `message` is the server's reason, if it gave one. */
export function errorFromCode(errno: number, message: string, opts: WardenErrorOptions = {}): WardenError {
  const cls = BY_CODE.get(errno);
  const text = `${codeName(errno)}${opts.path !== undefined ? ` ${opts.path}` : ''}${message && message !== 'failed' ? `: ${message}` : ''}`;
  return cls ? new cls(text, opts) : new WardenError(errno, text, opts);
}

/** Limits that clear by themselves (the load goes down), unlike data or path size. */
const TRANSIENT_LIMITS = new Set(['sessionOutstandingMax', 'globalOutstandingLimit', 'maxPendingRequests', 'maxClientCnxns']);

/**
 * Whether sending the same request again may succeed and cannot do harm: the request
 * never took effect (connection lost before an idempotent request was answered, a busy
 * or lagging server, a transient limit). False for OutcomeUnknownError.
 *
 * @example
 * for (let attempt = 0; ; attempt++) {
 *   try {
 *     return await client.getData('/config');
 *   } catch (err) {
 *     if (!isRetryable(err) || attempt >= 5) throw err;
 *     await new Promise((r) => setTimeout(r, 100 * 2 ** attempt));
 *   }
 * }
 */
export function isRetryable(err: unknown): boolean {
  if (!(err instanceof WardenError)) return false;
  if (err.outcomeUnknown || err instanceof ClientClosedError) return false;
  if (err instanceof LimitExceededError) return err.limit !== undefined && TRANSIENT_LIMITS.has(err.limit);
  switch (err.errno) {
    case Code.CONNECTIONLOSS:
    case Code.OPERATIONTIMEOUT:
    case Code.SERVERBEHIND:
    case Code.NOTSERVING:
    case Code.THROTTLEDOP:
    case Code.SESSIONMOVED:
      return true;
    default:
      return false;
  }
}
