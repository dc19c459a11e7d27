/**
 * A fake Cloud Run Admin API v2 at the wire: a loopback gRPC server built from the .proto files
 * that @google-cloud/run ships, answering the Services methods the deploy step uses and
 * google.longrunning.Operations. The production ServicesClient talks to it through the
 * plaintext endpoint form `http://127.0.0.1:PORT`.
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import {
  type Call,
  GrpcError,
  grpc,
  loadProtos,
  protosDir,
  serializerOf,
  serviceDef,
  startServer,
  unary,
} from './fake-grpc';

type Msg = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const SERVICES = 'google.cloud.run.v2.Services';
const OPERATIONS = 'google.longrunning.Operations';

function loadRunProtos() {
  const runProtos = protosDir('@google-cloud/run');
  const gaxProtos = protosDir('google-gax', protosDir('@google-cloud/run'));
  return loadProtos(
    [
      path.join(runProtos, 'google/cloud/run/v2/service.proto'),
      path.join(gaxProtos, 'google/longrunning/operations.proto'),
    ],
    [runProtos, gaxProtos],
  );
}

export interface FakeCloudRun {
  /** `http://127.0.0.1:PORT`: the plaintext endpoint form. */
  endpoint: string;
  port: number;
  calls: Call[];
  /** Stored services by full name (`projects/p/locations/r/services/s`). */
  services: Map<string, Msg>;
  /** The next CreateService/UpdateService fails: as a failed operation (default) or at once with a gRPC status. */
  failNextUpdate(message: string, opts?: { immediate?: boolean; code?: grpc.status }): void;
  /** From now on new revisions never become ready: terminal condition CONDITION_FAILED with `message`. */
  neverReady(message: string, opts?: { failOperation?: boolean }): void;
  /** From now on operations never finish (GetOperation answers `done: false`). */
  hangOperations(): void;
  /** Stores a service as if it had been deployed before the test (one ready revision). */
  seed(name: string, service?: Msg): Msg;
  /** Calls of one method. */
  callsOf(method: string): Msg[];
  close(): Promise<void>;
}

/** `uri`: the URL services report (e.g. a local health server), instead of a made-up run.app one. */
export async function startFakeCloudRun(opts: { uri?: string } = {}): Promise<FakeCloudRun> {
  const pkgDef = loadRunProtos();
  const packService = serializerOf(pkgDef, SERVICES, 'GetService');
  const calls: Call[] = [];
  const services = new Map<string, Msg>();
  const operations = new Map<string, Msg>();
  const revisionCounters = new Map<string, number>();
  let failNext: { message: string; immediate: boolean; code: grpc.status } | undefined;
  let notReadyMessage: string | undefined;
  /** Like Cloud Run itself: the operation of a revision that cannot start ends in an error. */
  let notReadyFailsOperation = false;
  let hang = false;

  const shortName = (full: string) => full.split('/').pop() ?? full;
  const templateKey = (t: Msg | undefined) => JSON.stringify({ ...(t ?? {}), revision: undefined });

  /** Turns a requested spec into the stored, server-side view (revisions, URL, conditions). */
  function reconcile(name: string, spec: Msg, previous: Msg | undefined): Msg {
    const svcId = shortName(name);
    const now = { seconds: String(Math.floor(Date.now() / 1000)), nanos: 0 };
    const out: Msg = {
      ...spec,
      name,
      uid: previous?.uid ?? randomUUID(),
      generation: String(Number(previous?.generation ?? 0) + 1),
      createTime: previous?.createTime ?? now,
      updateTime: now,
      uri: opts.uri ?? `https://${svcId}-fake-uc.a.run.app`,
      urls: [opts.uri ?? `https://${svcId}-fake-uc.a.run.app`],
      etag: `"${randomUUID()}"`,
      latestReadyRevision: previous?.latestReadyRevision,
      latestCreatedRevision: previous?.latestCreatedRevision,
      reconciling: false,
    };
    out.observedGeneration = out.generation;
    const newRevision = !previous || templateKey(previous.template) !== templateKey(spec.template);
    if (newRevision) {
      const n = (revisionCounters.get(name) ?? 0) + 1;
      revisionCounters.set(name, n);
      const rev = `${name}/revisions/${svcId}-${String(n).padStart(5, '0')}-${randomUUID().slice(0, 3)}`;
      out.latestCreatedRevision = rev;
      if (notReadyMessage === undefined) out.latestReadyRevision = rev;
    }
    const failed = notReadyMessage !== undefined && out.latestCreatedRevision !== out.latestReadyRevision;
    out.terminalCondition = failed
      ? { type: 'Ready', state: 'CONDITION_FAILED', message: notReadyMessage, severity: 'ERROR' }
      : { type: 'Ready', state: 'CONDITION_SUCCEEDED' };
    out.conditions = [out.terminalCondition];
    return out;
  }

  function operation(done: boolean, response?: Msg, error?: { code: number; message: string }): Msg {
    const name = `projects/fake/locations/fake/operations/${randomUUID()}`;
    const op: Msg = { name, done };
    if (error) op.error = error;
    else if (response)
      op.response = {
        typeUrl: 'type.googleapis.com/google.cloud.run.v2.Service',
        value: packService(response),
      };
    operations.set(name, op);
    return hang ? { name, done: false } : op;
  }

  function takeFailure(): Msg | undefined {
    if (!failNext) return undefined;
    const f = failNext;
    failNext = undefined;
    if (f.immediate) throw new GrpcError(f.code, f.message);
    return operation(true, undefined, { code: f.code, message: f.message });
  }

  function deploy(name: string, spec: Msg, validateOnly: boolean): Msg {
    const failedOp = takeFailure();
    if (failedOp) return failedOp;
    const previous = services.get(name);
    if (!spec.template?.containers?.length)
      throw new GrpcError(
        grpc.status.INVALID_ARGUMENT,
        'service.template.containers: at least one container is required',
      );
    const stored = reconcile(name, spec, previous);
    if (validateOnly) return operation(true, stored);
    services.set(name, stored);
    if (notReadyFailsOperation && stored.terminalCondition.state === 'CONDITION_FAILED')
      return operation(true, undefined, {
        code: grpc.status.FAILED_PRECONDITION,
        message: notReadyMessage ?? 'not ready',
      });
    return operation(true, stored);
  }

  const services_impl: grpc.UntypedServiceImplementation = {
    GetService: unary(calls, 'GetService', (req) => {
      const svc = services.get(String(req.name));
      if (!svc) throw new GrpcError(grpc.status.NOT_FOUND, `Resource '${String(req.name)}' was not found`);
      return svc;
    }),
    CreateService: unary(calls, 'CreateService', (req) => {
      const name = `${String(req.parent)}/services/${String(req.serviceId)}`;
      if (services.has(name))
        throw new GrpcError(grpc.status.ALREADY_EXISTS, `Resource '${name}' already exists`);
      return deploy(name, (req.service as Msg) ?? {}, Boolean(req.validateOnly));
    }),
    UpdateService: unary(calls, 'UpdateService', (req) => {
      const spec = (req.service as Msg) ?? {};
      const name = String(spec.name ?? '');
      if (!/^projects\/[^/]+\/locations\/[^/]+\/services\/[a-z][a-z0-9-]{0,48}$/.test(name))
        throw new GrpcError(
          grpc.status.INVALID_ARGUMENT,
          `service.name ${JSON.stringify(name)} is not a service name`,
        );
      const existing = services.get(name);
      if (!existing && !req.allowMissing)
        throw new GrpcError(grpc.status.NOT_FOUND, `Resource '${name}' was not found`);
      if (existing && spec.etag && spec.etag !== existing.etag)
        throw new GrpcError(grpc.status.ABORTED, 'etag mismatch: the service changed since it was read');
      return deploy(name, spec, Boolean(req.validateOnly));
    }),
    DeleteService: unary(calls, 'DeleteService', (req) => {
      const name = String(req.name);
      const svc = services.get(name);
      if (!svc) throw new GrpcError(grpc.status.NOT_FOUND, `Resource '${name}' was not found`);
      if (!req.validateOnly) services.delete(name);
      return operation(true, svc);
    }),
  };
  const operations_impl: grpc.UntypedServiceImplementation = {
    GetOperation: unary(calls, 'GetOperation', (req) => {
      const op = operations.get(String(req.name));
      if (!op) throw new GrpcError(grpc.status.NOT_FOUND, `operation ${String(req.name)} not found`);
      return hang ? { name: op.name, done: false } : op;
    }),
  };

  const server = await startServer((s) => {
    s.addService(serviceDef(pkgDef, SERVICES), services_impl);
    s.addService(serviceDef(pkgDef, OPERATIONS), operations_impl);
  });

  return {
    endpoint: `http://127.0.0.1:${server.port}`,
    port: server.port,
    calls,
    services,
    failNextUpdate: (message, opts = {}) =>
      void (failNext = {
        message,
        immediate: opts.immediate ?? false,
        code: opts.code ?? grpc.status.FAILED_PRECONDITION,
      }),
    neverReady: (message, opts = {}) => {
      notReadyMessage = message;
      notReadyFailsOperation = opts.failOperation ?? false;
    },
    hangOperations: () => void (hang = true),
    seed(name, service) {
      const spec: Msg = service ?? {
        name,
        labels: { team: 'platform' },
        template: { containers: [{ image: 'gcr.io/fake/old:1', env: [{ name: 'KEEP_ME', value: 'yes' }] }] },
        traffic: [{ type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST', percent: 100 }],
      };
      const stored = reconcile(name, { ...spec, name }, undefined);
      services.set(name, stored);
      return stored;
    },
    callsOf: (method) => calls.filter((c) => c.method === method).map((c) => c.request),
    close: server.close,
  };
}

/**
 * A tiny HTTP server standing in for the deployed service's health endpoint. It answers with
 * `statuses` in turn (the last one repeats) and counts requests per path.
 */
export async function startFakeHealthServer(statuses: number[]): Promise<{
  url: string;
  requests: string[];
  close(): Promise<void>;
}> {
  const { createServer } = await import('node:http');
  const requests: string[] = [];
  const server = createServer((req, res) => {
    requests.push(req.url ?? '');
    const status = statuses[Math.min(requests.length - 1, statuses.length - 1)] ?? 200;
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ status: status < 300 ? 'ok' : 'error' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
