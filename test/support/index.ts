/**
 * Test support for integration tests: real server processes on loopback, temp dirs, free
 * ports, zoo.cfg writers, and polling with a deadline.
 *
 * Typical use:
 *   afterEach(killAllServers);
 *   afterAll(removeTempDirs);
 *   const { server } = await startStandalone();
 *   await server.restart();            // kill -9, start again on the same data dir
 */
export { freePort, freePorts } from './ports.js';
export { tempDir, removeTempDirs } from './temp-dir.js';
export { FAST_TIMING, renderCfg, serverLine, writeEnsembleCfgs, writeStandaloneCfg } from './zoo-cfg.js';
export type { CfgValues, EnsembleMember, EnsembleMemberCfg, StandaloneCfg } from './zoo-cfg.js';
export { ServerProcess, killAllServers } from './server-process.js';
export type { Exit, ServerProcessOptions } from './server-process.js';
export { startStandalone } from './standalone.js';
export type { Standalone } from './standalone.js';
export { waitFor, deferred } from './wait-for.js';
export type { Deferred, WaitForOptions } from './wait-for.js';
export { openClient, closeAllClients, nextState } from './clients.js';
export { FaultProxy, closeAllProxies } from './fault-proxy.js';
export { startEnsemble } from './ensemble.js';
export type { Ensemble, EnsembleOptions } from './ensemble.js';
