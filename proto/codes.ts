/**
 * Error codes on the wire: ZooKeeper's numbers and names, plus a few of Warden's own
 * (below -200) for limits and refusals ZooKeeper handles by dropping the connection.
 *
 * This is the one list. The server answers with these codes inside response frames; the
 * SDK turns each into a typed error class (sdk/errors.ts).
 */
export const Code = {
  OK: 0,
  SYSTEMERROR: -1,
  RUNTIMEINCONSISTENCY: -2,
  DATAINCONSISTENCY: -3,
  CONNECTIONLOSS: -4,
  MARSHALLINGERROR: -5,
  UNIMPLEMENTED: -6,
  OPERATIONTIMEOUT: -7,
  BADARGUMENTS: -8,
  UNKNOWNSESSION: -12,
  NEWCONFIGNOQUORUM: -13,
  RECONFIGINPROGRESS: -14,
  APIERROR: -100,
  NONODE: -101,
  NOAUTH: -102,
  BADVERSION: -103,
  NOCHILDRENFOREPHEMERALS: -108,
  NODEEXISTS: -110,
  NOTEMPTY: -111,
  SESSIONEXPIRED: -112,
  INVALIDCALLBACK: -113,
  INVALIDACL: -114,
  AUTHFAILED: -115,
  SESSIONMOVED: -118,
  NOTREADONLY: -119,
  EPHEMERALONLOCALSESSION: -120,
  NOWATCHER: -121,
  REQUESTTIMEOUT: -122,
  RECONFIGDISABLED: -123,
  SESSIONCLOSEDREQUIRESASLAUTH: -124,
  QUOTAEXCEEDED: -125,
  THROTTLEDOP: -127,
  /** Warden: a configured limit was exceeded; the message names the limit and its value. */
  LIMITEXCEEDED: -201,
  /** Warden: the server's state is older than what the client has already seen. */
  SERVERBEHIND: -202,
  /** Warden: the server is not serving (starting, shutting down, or has no quorum). */
  NOTSERVING: -203,
} as const;

export type CodeName = keyof typeof Code;
export type CodeValue = (typeof Code)[CodeName];

const names = new Map<number, CodeName>(
  (Object.entries(Code) as Array<[CodeName, number]>).map(([name, value]) => [value, name]),
);

/** The name of a code, or `UNKNOWN(<n>)` for a number not in the list. */
export function codeName(code: number): string {
  return names.get(code) ?? `UNKNOWN(${code})`;
}

export function isKnownCode(code: number): code is CodeValue {
  return names.has(code);
}
