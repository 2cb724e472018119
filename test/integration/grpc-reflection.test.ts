/**
 * Goal: gRPC server reflection works on a real server (DESIGN §4) now that it is built on
 * its first use rather than at start-up: both the v1 and the v1alpha services list
 * Warden's services and return the file that defines a Warden symbol, on the first call and
 * on later ones.
 */
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { killAllServers, removeTempDirs, startStandalone } from '../support/index.js';

afterEach(killAllServers);
afterAll(removeTempDirs);

const require = createRequire(import.meta.url);
const protoDir = join(dirname(require.resolve('@grpc/reflection/package.json')), 'build', 'proto');

interface Reply {
  listServicesResponse?: { service: Array<{ name: string }> };
  fileDescriptorResponse?: { fileDescriptorProto: Buffer[] };
  errorResponse?: { errorMessage: string };
}

type ReflectionClient = grpc.Client & { ServerReflectionInfo(): grpc.ClientDuplexStream<object, Reply> };

function client(version: 'v1' | 'v1alpha', target: string): ReflectionClient {
  const def = protoLoader.loadSync(join(protoDir, 'grpc', 'reflection', version, 'reflection.proto'), { keepCase: false, defaults: true, oneofs: true });
  const pkg = grpc.loadPackageDefinition(def) as unknown as { grpc: { reflection: Record<string, { ServerReflection: new (t: string, c: grpc.ChannelCredentials) => ReflectionClient }> } };
  return new pkg.grpc.reflection[version]!.ServerReflection(target, grpc.credentials.createInsecure());
}

/** Sends one reflection request on a new stream and returns the one reply. */
function ask(c: ReflectionClient, request: object): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const call = c.ServerReflectionInfo();
    call.once('data', (r: Reply) => {
      resolve(r);
      call.end();
    });
    call.once('error', reject);
    call.write(request);
  });
}

describe('gRPC server reflection', () => {
  it('lists the services and finds the file of a symbol, over v1 and v1alpha', async () => {
    const { server } = await startStandalone();
    for (const version of ['v1', 'v1alpha'] as const) {
      const c = client(version, server.address);
      try {
        for (let round = 0; round < 2; round++) {
          const list = await ask(c, { listServices: '' });
          const names = (list.listServicesResponse?.service ?? []).map((s) => s.name);
          expect(names).toEqual(expect.arrayContaining(['warden.v1.Warden', 'warden.v1.Admin']));
          const file = await ask(c, { fileContainingSymbol: 'warden.v1.Warden' });
          expect(file.errorResponse).toBeUndefined();
          expect(file.fileDescriptorResponse?.fileDescriptorProto.length).toBeGreaterThan(0);
        }
      } finally {
        c.close();
      }
    }
  });
});
