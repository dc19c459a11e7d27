/**
 * Shared pieces of the fake Google gRPC servers: proto loading from the .proto files the client
 * libraries themselves ship, and a loopback insecure server.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

const require = createRequire(import.meta.url);

/** The `build/protos` folder of an installed package (or of the google-gax it uses). */
export function protosDir(pkg: string, from?: string): string {
  // Resolve the entry point (package.json may not be exported) and cut back to the package root.
  const entry = require.resolve(pkg, from ? { paths: [from] } : undefined);
  const marker = `${path.sep}node_modules${path.sep}${pkg.split('/').join(path.sep)}${path.sep}`;
  const at = entry.lastIndexOf(marker);
  if (at < 0) throw new Error(`cannot find the package root of ${pkg} from ${entry}`);
  return path.join(entry.slice(0, at + marker.length), 'build', 'protos');
}

export function loadProtos(files: string[], includeDirs: string[]): protoLoader.PackageDefinition {
  return protoLoader.loadSync(files, {
    includeDirs,
    keepCase: false,
    longs: String,
    enums: String,
    defaults: false,
    oneofs: true,
  });
}

export function serviceDef(pkgDef: protoLoader.PackageDefinition, name: string): grpc.ServiceDefinition {
  const def = pkgDef[name];
  if (!def || 'format' in def) throw new Error(`no service ${name} in the loaded protos`);
  return def as grpc.ServiceDefinition;
}

/** Serialises a message of the type a method answers with (used to pack `google.protobuf.Any`). */
export function serializerOf(pkgDef: protoLoader.PackageDefinition, service: string, method: string) {
  const def = pkgDef[service] as grpc.ServiceDefinition;
  const m = def[method];
  if (!m) throw new Error(`no method ${service}.${method}`);
  return (msg: unknown) => m.responseSerialize(msg);
}

export async function startServer(
  add: (server: grpc.Server) => void,
): Promise<{ port: number; close(): Promise<void> }> {
  const server = new grpc.Server();
  add(server);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    ),
  );
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.tryShutdown(() => resolve());
        // Clients keep channels open; do not wait for them.
        setTimeout(() => server.forceShutdown(), 200).unref();
      }),
  };
}

export class GrpcError extends Error {
  constructor(
    readonly code: grpc.status,
    message: string,
  ) {
    super(message);
  }
}

export type Call = { method: string; request: Record<string, unknown> };

/** Wraps an async handler as a unary gRPC handler that records the call. */
export function unary(
  calls: Call[],
  method: string,
  fn: (req: Record<string, unknown>) => unknown | Promise<unknown>,
): grpc.handleUnaryCall<Record<string, unknown>, unknown> {
  return (call, callback) => {
    calls.push({ method, request: call.request });
    Promise.resolve()
      .then(() => fn(call.request))
      .then(
        (res) => callback(null, res),
        (e: unknown) => {
          if (e instanceof GrpcError)
            callback({ code: e.code, details: e.message, name: 'Error', message: e.message });
          else
            callback({ code: grpc.status.INTERNAL, details: String(e), name: 'Error', message: String(e) });
        },
      );
  };
}

export { grpc };
