/**
 * The gRPC server a Warden process listens with: the client Session service, the Admin
 * service, and the standard health and reflection services (so grpcurl and load balancer
 * health checks work without Warden-specific tooling).
 */
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';
import { HealthImplementation } from 'grpc-health-check';
import type { Limits } from '../base/limits.js';
import { protoFiles } from '../config/proto-files.js';
import { ADMIN_SERVICE_NAME, adminServiceDefinition } from './admin-service.js';
import { WARDEN_SERVICE_NAME, wardenServiceDefinition } from './client-service.js';

/** A TLS port serving the same services (secureClientPort). */
export interface SecurePortOptions {
  host: string;
  port: number;
  cert: Buffer;
  key: Buffer;
  /** CA bundle client certificates must chain to */
  ca?: Buffer;
  /** ask for a client certificate and refuse the handshake without a valid one */
  requireClientCert: boolean;
}

export interface GrpcServerOptions {
  secure?: SecurePortOptions;
  host: string;
  port: number;
  limits: Limits;
  session: grpc.handleBidiStreamingCall<Buffer, Buffer>;
  admin: grpc.UntypedServiceImplementation;
}

export interface ListeningGrpcServer {
  readonly port: number;
  readonly securePort?: number;
  readonly health: HealthImplementation;
  /** Stop accepting; wait up to graceMs for calls to end, then cut them. */
  shutdown(graceMs: number): Promise<void>;
}

export async function startGrpcServer(opts: GrpcServerOptions): Promise<ListeningGrpcServer> {
  const server = new grpc.Server({
    'grpc.max_receive_message_length': opts.limits.frameBytesMax,
    'grpc.max_send_message_length': opts.limits.frameBytesMax * 2,
    'grpc.keepalive_permit_without_calls': 1,
  });
  server.addService(wardenServiceDefinition, { Session: opts.session });
  server.addService(adminServiceDefinition, opts.admin);

  const health = new HealthImplementation({ '': 'NOT_SERVING', [WARDEN_SERVICE_NAME]: 'NOT_SERVING', [ADMIN_SERVICE_NAME]: 'SERVING' });
  health.addToServer(server);

  addLazyReflection(server);

  const port = await new Promise<number>((resolve, reject) => {
    const host = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
    server.bindAsync(`${host}:${opts.port}`, grpc.ServerCredentials.createInsecure(), (err, bound) => (err ? reject(err) : resolve(bound)));
  });
  let securePort: number | undefined;
  if (opts.secure) {
    const s = opts.secure;
    const creds = grpc.ServerCredentials.createSsl(s.ca ?? null, [{ private_key: s.key, cert_chain: s.cert }], s.requireClientCert);
    securePort = await new Promise<number>((resolve, reject) => {
      const host = s.host.includes(':') ? `[${s.host}]` : s.host;
      server.bindAsync(`${host}:${s.port}`, creds, (err, bound) => (err ? reject(new Error(`TLS port ${s.host}:${s.port}: ${err.message}`)) : resolve(bound)));
    }).catch((e: Error) => {
      server.forceShutdown();
      throw e;
    });
  }

  return {
    port,
    securePort,
    health,
    shutdown(graceMs: number) {
      return new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, graceMs);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    },
  };
}

/**
 * Server reflection (grpcurl's service and descriptor lookups), built on its first use.
 * Building it loads every proto file and decodes and re-encodes their descriptors, a few
 * hundred milliseconds that start-up spent before serving anyone. The reflection services
 * are registered at once (their definitions come from an instance built for no files,
 * which costs little), and the first reflection call builds the real instance and hands
 * every call to it.
 */
function addLazyReflection(server: grpc.Server): void {
  let real: Map<string, grpc.UntypedServiceImplementation> | undefined;
  const handlersOf = (reflection: ReflectionService): Map<string, grpc.UntypedServiceImplementation> => {
    const out = new Map<string, grpc.UntypedServiceImplementation>();
    reflection.addToServer({ addService: (service, impl) => out.set(serviceName(service), impl) });
    return out;
  };
  const full = (): Map<string, grpc.UntypedServiceImplementation> => {
    if (real) return real;
    const { root, files } = protoFiles();
    const definition = protoLoader.loadSync(files, { includeDirs: [root], keepCase: false, longs: String, enums: String, defaults: true });
    return (real = handlersOf(new ReflectionService(definition)));
  };
  const registrations: Array<[grpc.ServiceDefinition, grpc.UntypedServiceImplementation]> = [];
  new ReflectionService({}).addToServer({ addService: (service, impl) => registrations.push([service, impl]) });
  for (const [service, stubs] of registrations) {
    const name = serviceName(service);
    const lazy: grpc.UntypedServiceImplementation = {};
    for (const method of Object.keys(stubs)) {
      lazy[method] = (call: grpc.ServerDuplexStream<unknown, unknown>) => {
        const handler = full().get(name)?.[method] as ((call: grpc.ServerDuplexStream<unknown, unknown>) => void) | undefined;
        if (handler) handler(call);
        else call.destroy(new Error(`reflection ${name}.${method} is missing`));
      };
    }
    server.addService(service, lazy);
  }
}

/** The fully qualified service name of a definition (from any method's path, /pkg.Service/Method). */
function serviceName(service: grpc.ServiceDefinition): string {
  const first = Object.values(service)[0] as { path: string } | undefined;
  return first ? first.path.split('/')[1]! : '';
}
