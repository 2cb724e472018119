/**
 * A peer frame that does not decode to anything the ensemble can use. The transport closes
 * the connection on it: a peer that sends garbage is treated like a peer that went away.
 */
export class PeerFrameError extends Error {
  override name = 'PeerFrameError';
}
