/** Goal: every wire code becomes its own typed class, and isRetryable draws the line right. */
import { describe, expect, it } from 'vitest';
import { Code } from '../../../proto/codes.js';
import {
  BadVersionError,
  ClientClosedError,
  ConnectionLossError,
  errorFromCode,
  isRetryable,
  LimitExceededError,
  NoNodeError,
  NotServingError,
  OperationTimeoutError,
  OutcomeUnknownError,
  ServerBehindError,
  WardenError,
} from '../../../sdk/errors.js';

describe('sdk errors', () => {
  it('maps every known code to a class whose code and errno match', () => {
    for (const [name, errno] of Object.entries(Code)) {
      if (errno === 0) continue;
      const err = errorFromCode(errno, 'why', { path: '/p' });
      expect(err).toBeInstanceOf(WardenError);
      expect(err.code).toBe(name);
      expect(err.errno).toBe(errno);
      expect(err.path).toBe('/p');
      expect(err.name).toMatch(/Error$/);
      expect(err.name).not.toBe('WardenError');
      expect(err.message).toContain(name);
    }
    expect(errorFromCode(Code.NONODE, '')).toBeInstanceOf(NoNodeError);
    expect(errorFromCode(Code.BADVERSION, '')).toBeInstanceOf(BadVersionError);
  });

  it('keeps unknown codes as a plain WardenError', () => {
    const err = errorFromCode(-999, 'odd');
    expect(err.code).toBe('UNKNOWN');
    expect(err.errno).toBe(-999);
  });

  it('reads the limit name and value from a limit message', () => {
    const err = errorFromCode(Code.LIMITEXCEEDED, 'limit dataBytesMax=1048575 exceeded: data is 2000000 bytes') as LimitExceededError;
    expect(err).toBeInstanceOf(LimitExceededError);
    expect(err.limit).toBe('dataBytesMax');
    expect(err.value).toBe(1048575);
  });

  it('retries only what is safe to repeat', () => {
    expect(isRetryable(new ConnectionLossError('x'))).toBe(true);
    expect(isRetryable(new ServerBehindError('x'))).toBe(true);
    expect(isRetryable(new NotServingError('x'))).toBe(true);
    expect(isRetryable(new OutcomeUnknownError('x'))).toBe(false);
    expect(isRetryable(new OperationTimeoutError('x', { outcomeUnknown: true }))).toBe(false);
    expect(isRetryable(new OperationTimeoutError('x'))).toBe(true);
    expect(isRetryable(new ClientClosedError())).toBe(false);
    expect(isRetryable(new NoNodeError('x'))).toBe(false);
    expect(isRetryable(new LimitExceededError('limit sessionOutstandingMax=5 exceeded'))).toBe(true);
    expect(isRetryable(new LimitExceededError('limit dataBytesMax=5 exceeded'))).toBe(false);
    expect(isRetryable(new Error('plain'))).toBe(false);
  });

  it('an outcome-unknown error is still a connection loss', () => {
    const err = new OutcomeUnknownError('lost', { path: '/a', cause: new Error('eof') });
    expect(err).toBeInstanceOf(ConnectionLossError);
    expect(err.outcomeUnknown).toBe(true);
    expect(err.code).toBe('CONNECTIONLOSS');
    expect((err.cause as Error).message).toBe('eof');
  });
});
