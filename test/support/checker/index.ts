/**
 * Checkers for recorded histories (pure: no clock, no I/O). See each module for what it
 * proves; test/unit/checker checks the checkers.
 */
export { HistoryRecorder, historyToJson } from './history.js';
export type { OpRecord, Outcome, RegisterInput, RegisterOutput } from './history.js';
export { checkLinearizable } from './linearizability.js';
export type { CheckResult, KeyResult, LinOp, LinResult, Model } from './linearizability.js';
export { registerLinOps, registerModel } from './register-model.js';
export type { RegisterState } from './register-model.js';
export { bruteForceLinearizable } from './brute-force.js';
export { checkZxidOrder } from './zxid-order.js';
export type { ZxidViolation } from './zxid-order.js';
export { checkSet } from './set-checker.js';
export type { SetAdd, SetResult } from './set-checker.js';
export { checkWatches } from './watch-checker.js';
export type { WatchLogEntry, WatchViolation } from './watch-checker.js';
export { checkSessions } from './session-checker.js';
export type { Ephemeral, Observation, SessionFacts, SessionViolation } from './session-checker.js';
export { checkLock, FencedResource } from './fencing.js';
export type { FenceWrite, LockResult } from './fencing.js';
