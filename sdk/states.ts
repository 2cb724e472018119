/**
 * Connection-state reporting: the events a session goes through and the fan-out to
 * listeners (callbacks) and to `for await` consumers (bounded streams).
 *
 *   connected     the first handshake succeeded (a new or resumed session), or a read-only
 *                 client moved to a read-write server with a new session
 *   connectedReadOnly  connected to a server in read-only mode (canBeReadOnly): reads only
 *   disconnected  the stream broke; the session lives on at the server for its timeout
 *   reconnected   the session was resumed on a server of the list (watches re-sent)
 *   expired       the server says the session is gone: its ephemerals and watches too (final)
 *   closed        close() ended the session (final)
 */
import { EventStream } from './event-stream.js';
import type { ConnectionState } from './types.js';

/**
 * A change of the client's connection state, with the session facts at that moment.
 * Delivered to `client.on('state', ...)` listeners and to `client.states()` iterators.
 */
export interface StateEvent {
  /**
   * The new state: 'connected' (first handshake), 'connectedReadOnly' (on a server cut
   * off from its quorum: reads only; writes fail with NotReadOnlyError), 'disconnected' (stream broke, session
   * still alive at the server), 'reconnected' (session resumed, watches re-sent), 'expired'
   * or 'closed' (final: the session and its ephemerals and watches are gone).
   */
  state: ConnectionState;
  /** The session's id (0n before the first handshake). */
  sessionId: bigint;
  /** The negotiated session timeout. */
  sessionTimeoutMs: number;
  /** `host:port` of the server the client is connected to, if any. */
  server: string | undefined;
  /** The last zxid the client has seen. */
  lastZxid: bigint;
  /** For `disconnected`: when the connection was lost (ms since the epoch). */
  disconnectedAtMs?: number;
  /** For `expired`/`closed`: why, when not a plain close(). */
  reason?: Error;
}

/** A connection-state callback; an exception it throws becomes a process warning. */
export type StateListener = (event: StateEvent) => void;

export class StateHub {
  private readonly listeners = new Set<StateListener>();
  private readonly streams = new Set<EventStream<StateEvent>>();

  on(listener: StateListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  stream(bufferSize: number): EventStream<StateEvent> {
    const s: EventStream<StateEvent> = new EventStream<StateEvent>('connection state', bufferSize, () => this.streams.delete(s));
    this.streams.add(s);
    return s;
  }

  emit(event: StateEvent): void {
    for (const l of [...this.listeners]) {
      try {
        l(event);
      } catch (e) {
        process.emitWarning(`a connection-state listener threw: ${(e as Error).message}`, 'WardenListenerWarning');
      }
    }
    for (const s of [...this.streams]) s.push(event);
    if (event.state === 'expired' || event.state === 'closed') {
      for (const s of [...this.streams]) s.end();
    }
  }
}
