/**
 * Error codes on the wire: ZooKeeper's numbers and names, plus a few of Warden's own
 * (below -200) for limits and refusals ZooKeeper handles by dropping the connection.
 *
 * This is the one list. The server answers with these codes inside response frames; the
 * SDK turns each into a typed error class (sdk/errors.ts).
 */
export const Code = {
  /** Success. */
  OK: 0,
  /** ZooKeeper's generic server-side failure (the start of its system-error range). SystemError. */
  SYSTEMERROR: -1,
  /** A runtime inconsistency; also the code of the ops after the failing one in a failed multi. RuntimeInconsistencyError. */
  RUNTIMEINCONSISTENCY: -2,
  /** A data inconsistency was found. DataInconsistencyError. */
  DATAINCONSISTENCY: -3,
  /** The connection broke before the answer came (reported by the client). ConnectionLossError. */
  CONNECTIONLOSS: -4,
  /** A request or response could not be encoded or decoded. MarshallingError. */
  MARSHALLINGERROR: -5,
  /** The operation is not implemented, or is disabled. UnimplementedError. */
  UNIMPLEMENTED: -6,
  /** The operation got no answer in time (reported by the client). OperationTimeoutError. */
  OPERATIONTIMEOUT: -7,
  /** Invalid arguments (path, TTL...). BadArgumentsError. */
  BADARGUMENTS: -8,
  /** The session is unknown to the server. UnknownSessionError. */
  UNKNOWNSESSION: -12,
  /** Reconfig: the new configuration has no quorum. NewConfigNoQuorumError. */
  NEWCONFIGNOQUORUM: -13,
  /** Reconfig: another reconfig is in progress. ReconfigInProgressError. */
  RECONFIGINPROGRESS: -14,
  /** ZooKeeper's generic API error (the start of its API-error range). ApiError. */
  APIERROR: -100,
  /** The node (or, for create, its parent) does not exist. NoNodeError. */
  NONODE: -101,
  /** The ACL does not allow this operation to this connection. NoAuthError. */
  NOAUTH: -102,
  /** The expected version did not match. BadVersionError. */
  BADVERSION: -103,
  /** Ephemeral nodes cannot have children. NoChildrenForEphemeralsError. */
  NOCHILDRENFOREPHEMERALS: -108,
  /** The node already exists. NodeExistsError. */
  NODEEXISTS: -110,
  /** The node has children, so it cannot be deleted. NotEmptyError. */
  NOTEMPTY: -111,
  /** The session has expired (or was closed). SessionExpiredError. */
  SESSIONEXPIRED: -112,
  /** An invalid callback was given. InvalidCallbackError. */
  INVALIDCALLBACK: -113,
  /** The ACL is invalid. InvalidAclError. */
  INVALIDACL: -114,
  /** Authentication failed. AuthFailedError. */
  AUTHFAILED: -115,
  /** The session moved to another server. SessionMovedError. */
  SESSIONMOVED: -118,
  /** A state-changing request reached a read-only server. NotReadOnlyError. */
  NOTREADONLY: -119,
  /** An ephemeral create on a local session. EphemeralOnLocalSessionError. */
  EPHEMERALONLOCALSESSION: -120,
  /** removeWatches found no such watcher. NoWatcherError. */
  NOWATCHER: -121,
  /** The request did not complete within the server's allowed time. RequestTimeoutError. */
  REQUESTTIMEOUT: -122,
  /** Reconfig is disabled. ReconfigDisabledError. */
  RECONFIGDISABLED: -123,
  /** The session was closed because SASL authentication is required. SessionClosedRequireSaslAuthError. */
  SESSIONCLOSEDREQUIRESASLAUTH: -124,
  /** A hard quota would be exceeded. QuotaExceededError. */
  QUOTAEXCEEDED: -125,
  /** The operation was throttled under load. ThrottledOpError. */
  THROTTLEDOP: -127,
  /** Warden: a configured limit was exceeded; the message names the limit and its value. */
  LIMITEXCEEDED: -201,
  /** Warden: the server's state is older than what the client has already seen. */
  SERVERBEHIND: -202,
  /** Warden: the server is not serving (starting, shutting down, or has no quorum). */
  NOTSERVING: -203,
} as const;

/** The name of a code, as ZooKeeper spells it: 'NONODE', 'BADVERSION', ... */
export type CodeName = keyof typeof Code;
/** The number of a code on the wire. */
export type CodeValue = (typeof Code)[CodeName];

const names = new Map<number, CodeName>(
  (Object.entries(Code) as Array<[CodeName, number]>).map(([name, value]) => [value, name]),
);

/** The name of a code, or `UNKNOWN(<n>)` for a number not in the list. */
export function codeName(code: number): string {
  return names.get(code) ?? `UNKNOWN(${code})`;
}

/** Whether `code` is one of the list (a narrowing check). */
export function isKnownCode(code: number): code is CodeValue {
  return names.has(code);
}
