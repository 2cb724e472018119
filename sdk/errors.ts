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

export interface WardenErrorOptions {
  path?: string;
  cause?: unknown;
  /** A write was sent but its answer never came: it may or may not have been applied. */
  outcomeUnknown?: boolean;
}

/** Base class of every error the SDK reports for a request or a session. */
export class WardenError extends Error {
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

export class SystemError extends WardenError {
  override name = 'SystemError';
  declare readonly code: 'SYSTEMERROR';
  constructor(message: string, opts: WardenErrorOptions = {}) {
    super(Code.SYSTEMERROR, message, opts);
  }
}

export class RuntimeInconsistencyError extends WardenError {
  override name = 'RuntimeInconsistencyError';
  declare readonly code: 'RUNTIMEINCONSISTENCY';
  constructor(message: string, opts: WardenErrorOptions = {}) {
    super(Code.RUNTIMEINCONSISTENCY, message, opts);
  }
}

export class DataInconsistencyError extends WardenError {
  override name = 'DataInconsistencyError';
  declare readonly code: 'DATAINCONSISTENCY';
  constructor(message: string, opts: WardenErrorOptions = {}) {
    super(Code.DATAINCONSISTENCY, message, opts);
  }
}

export class MarshallingError extends WardenError {
  override name = 'MarshallingError';
  declare readonly code: 'MARSHALLINGERROR';
  constructor(message: string, opts: WardenErrorOptions = {}) {
    super(Code.MARSHALLINGERROR, message, opts);
  }
}

export class UnimplementedError extends WardenError {
  override name = 'UnimplementedError';
  declare readonly code: 'UNIMPLEMENTED';
  constructor(message: string, opts: WardenErrorOptions = {}) {
    super(Code.UNIMPLEMENTED, message, opts);
  }
}

export class OperationTimeoutError extends WardenError {
  override name = 'OperationTimeoutError';
  declare readonly code: 'OPERATIONTIMEOUT';
  constructor(message: string, opts: WardenErrorOptions = {}) {
    super(Code.OPERATIONTIMEOUT, message, opts);
  }
}

export class BadArgumentsError extends WardenError {
  override name = 'BadArgumentsError';
  declare readonly code: 'BADARGUMENTS';
  constructor(message: string, opts: WardenErrorOptions = {}) {
    super(Code.BADARGUMENTS, message, opts);
  }
}

export class UnknownSessionError extends WardenError {
  override name = 'UnknownSessionError';
  declare readonly code: 'UNKNOWNSESSION';
  constructor(message: string, opts: WardenErrorOptions = {}) {
    super(Code.UNKNOWNSESSION, message, opts);
  }
}

export class NewConfigNoQuorumError extends WardenError {
  override name = 'NewConfigNoQuorumError';
  declare readonly code: 'NEWCONFIGNOQUORUM';
  constructor(message: string, opts: WardenErrorOptions = {}) {
    super(Code.NEWCONFIGNOQUORUM, message, opts);
  }
}

export class ReconfigInProgressError extends WardenError {
  override name = 'ReconfigInProgressError';
  declare readonly code: 'RECONFIGINPROGRESS';
  constructor(message: string, opts: WardenErrorOptions = {}) {
    super(Code.RECONFIGINPROGRESS, message, opts);
  }
}

export class ApiError extends WardenError {
  override name = 'ApiError';
  declare readonly code: 'APIERROR';
  constructor(message: string, opts: WardenErrorOptions = {}) {
    super(Code.APIERROR, message, opts);
  }
}

export class NoNodeError extends WardenError {
  override name = 'NoNodeError';
  declare readonly code: 'NONODE';
  constructor(message: string, opts: WardenErrorOptions = {}) {
    super(Code.NONODE, message, opts);
  }
}

export class NoAuthError extends WardenError {
  override name = 'NoAuthError';
  declare readonly code: 'NOAUTH';
  constructor(message: string, opts: WardenErrorOptions = {}) {
    super(Code.NOAUTH, message, opts);
  }
}

export class BadVersionError extends WardenError {
  override name = 'BadVersionError';
  declare readonly code: 'BADVERSION';
  constructor(message: string, opts: WardenErrorOptions = {}) {
    super(Code.BADVERSION, message, opts);
  }
}

export class NoChildrenForEphemeralsError extends WardenError {
  override name = 'NoChildrenForEphemeralsError';
  declare readonly code: 'NOCHILDRENFOREPHEMERALS';
  constructor(message: string, opts: WardenErrorOptions = {}) {
    super(Code.NOCHILDRENFOREPHEMERALS, message, opts);
  }
}

export class NodeExistsError extends WardenError {
  override name = 'NodeExistsError';
  declare readonly code: 'NODEEXISTS';
  constructor(message: string, opts: WardenErrorOptions = {}) {
    super(Code.NODEEXISTS, message, opts);
  }
}

export class NotEmptyError extends WardenError {
  override name = 'NotEmptyError';
  declare readonly code: 'NOTEMPTY';
  constructor(message: string, opts: WardenErrorOptions = {}) {
    super(Code.NOTEMPTY, message, opts);
  }
}

export class SessionExpiredError extends WardenError {
  override name = 'SessionExpiredError';
  declare readonly code: 'SESSIONEXPIRED';
  constructor(message: string, opts: WardenErrorOptions = {}) {
    super(Code.SESSIONEXPIRED, message, opts);
  }
}

export class InvalidCallbackError extends WardenError {
  override name = 'InvalidCallbackError';
  declare readonly code: 'INVALIDCALLBACK';
  constructor(message: string, opts: WardenErrorOptions = {}) {
    super(Code.INVALIDCALLBACK, message, opts);
  }
}

export class InvalidAclError extends WardenError {
  override name = 'InvalidAclError';
  declare readonly code: 'INVALIDACL';
  constructor(message: string, opts: WardenErrorOptions = {}) {
    super(Code.INVALIDACL, message, opts);
  }
}

export class AuthFailedError extends WardenError {
  override name = 'AuthFailedError';
  declare readonly code: 'AUTHFAILED';
  constructor(message: string, opts: WardenErrorOptions = {}) {
    super(Code.AUTHFAILED, message, opts);
  }
}

export class SessionMovedError extends WardenError {
  override name = 'SessionMovedError';
  declare readonly code: 'SESSIONMOVED';
  constructor(message: string, opts: WardenErrorOptions = {}) {
    super(Code.SESSIONMOVED, message, opts);
  }
}

export class NotReadOnlyError extends WardenError {
  override name = 'NotReadOnlyError';
  declare readonly code: 'NOTREADONLY';
  constructor(message: string, opts: WardenErrorOptions = {}) {
    super(Code.NOTREADONLY, message, opts);
  }
}

export class EphemeralOnLocalSessionError extends WardenError {
  override name = 'EphemeralOnLocalSessionError';
  declare readonly code: 'EPHEMERALONLOCALSESSION';
  constructor(message: string, opts: WardenErrorOptions = {}) {
    super(Code.EPHEMERALONLOCALSESSION, message, opts);
  }
}

export class NoWatcherError extends WardenError {
  override name = 'NoWatcherError';
  declare readonly code: 'NOWATCHER';
  constructor(message: string, opts: WardenErrorOptions = {}) {
    super(Code.NOWATCHER, message, opts);
  }
}

export class RequestTimeoutError extends WardenError {
  override name = 'RequestTimeoutError';
  declare readonly code: 'REQUESTTIMEOUT';
  constructor(message: string, opts: WardenErrorOptions = {}) {
    super(Code.REQUESTTIMEOUT, message, opts);
  }
}

export class ReconfigDisabledError extends WardenError {
  override name = 'ReconfigDisabledError';
  declare readonly code: 'RECONFIGDISABLED';
  constructor(message: string, opts: WardenErrorOptions = {}) {
    super(Code.RECONFIGDISABLED, message, opts);
  }
}

export class SessionClosedRequireSaslAuthError extends WardenError {
  override name = 'SessionClosedRequireSaslAuthError';
  declare readonly code: 'SESSIONCLOSEDREQUIRESASLAUTH';
  constructor(message: string, opts: WardenErrorOptions = {}) {
    super(Code.SESSIONCLOSEDREQUIRESASLAUTH, message, opts);
  }
}

export class QuotaExceededError extends WardenError {
  override name = 'QuotaExceededError';
  declare readonly code: 'QUOTAEXCEEDED';
  constructor(message: string, opts: WardenErrorOptions = {}) {
    super(Code.QUOTAEXCEEDED, message, opts);
  }
}

export class ThrottledOpError extends WardenError {
  override name = 'ThrottledOpError';
  declare readonly code: 'THROTTLEDOP';
  constructor(message: string, opts: WardenErrorOptions = {}) {
    super(Code.THROTTLEDOP, message, opts);
  }
}

export class ServerBehindError extends WardenError {
  override name = 'ServerBehindError';
  declare readonly code: 'SERVERBEHIND';
  constructor(message: string, opts: WardenErrorOptions = {}) {
    super(Code.SERVERBEHIND, message, opts);
  }
}

export class NotServingError extends WardenError {
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
  override name = 'OutcomeUnknownError';
  constructor(message: string, opts: WardenErrorOptions = {}) {
    super(message, { ...opts, outcomeUnknown: true });
  }
}

/** LIMITEXCEEDED: a configured limit (server or client) was exceeded; `limit` names it. */
export class LimitExceededError extends WardenError {
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
  override name = 'ClientClosedError';
  constructor(message = 'the client is closed', opts: WardenErrorOptions = {}) {
    super(Code.CONNECTIONLOSS, message, opts);
  }
}

/** A watch or state iterator fell behind by more than its buffer; events were dropped. */
export class OverflowError extends Error {
  override name = 'OverflowError';
  readonly code = 'OVERFLOW';
  constructor(
    readonly what: string,
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
