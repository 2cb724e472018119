/**
 * NodeKind <-> its protobuf enum, shared by the txn codec (log, peers) and snapshots, so
 * the two on-disk forms can never disagree about what a kind's number means.
 */
import { warden } from '../../proto/gen/warden.js';
import type { NodeKind } from './types.js';

const pb = warden.v1;

export const KIND_TO_PB: Readonly<Record<NodeKind, warden.v1.NodeKind>> = {
  persistent: pb.NodeKind.NODE_KIND_PERSISTENT,
  ephemeral: pb.NodeKind.NODE_KIND_EPHEMERAL,
  container: pb.NodeKind.NODE_KIND_CONTAINER,
  ttl: pb.NodeKind.NODE_KIND_TTL,
};

/** Undefined for a number no kind has (a corrupt or newer record). */
export const KIND_FROM_PB: Readonly<Record<number, NodeKind | undefined>> = {
  [pb.NodeKind.NODE_KIND_PERSISTENT]: 'persistent',
  [pb.NodeKind.NODE_KIND_EPHEMERAL]: 'ephemeral',
  [pb.NodeKind.NODE_KIND_CONTAINER]: 'container',
  [pb.NodeKind.NODE_KIND_TTL]: 'ttl',
};
