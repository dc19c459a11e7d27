/**
 * A fake Secret Manager v1 at the wire, built from the .proto files @google-cloud/secret-manager
 * ships. Like the real API it answers version names with the project *number*
 * (`projects/123456789/secrets/s/versions/3`), whatever form the request used.
 */
import path from 'node:path';
import {
  type Call,
  GrpcError,
  grpc,
  loadProtos,
  protosDir,
  serviceDef,
  startServer,
  unary,
} from './fake-grpc';

type Msg = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const SERVICE = 'google.cloud.secretmanager.v1.SecretManagerService';
export const FAKE_PROJECT_NUMBER = '123456789012';

export interface FakeSecretVersion {
  state: 'ENABLED' | 'DISABLED' | 'DESTROYED';
  data: Buffer | undefined;
}

export interface FakeSecretManager {
  endpoint: string;
  port: number;
  calls: Call[];
  /** Secrets by `projects/<project-id>/secrets/<id>`; versions[0] is version 1. */
  secrets: Map<string, FakeSecretVersion[]>;
  createSecret(project: string, id: string): string;
  /** The next call of `method` fails at once with `code`. */
  failNext(method: string, message: string, code?: grpc.status): void;
  callsOf(method: string): Msg[];
  close(): Promise<void>;
}

export async function startFakeSecretManager(): Promise<FakeSecretManager> {
  const smProtos = protosDir('@google-cloud/secret-manager');
  const gaxProtos = protosDir('google-gax', smProtos);
  const pkgDef = loadProtos(
    [path.join(smProtos, 'google/cloud/secretmanager/v1/service.proto')],
    [smProtos, gaxProtos],
  );
  const calls: Call[] = [];
  const secrets = new Map<string, FakeSecretVersion[]>();
  const projectIds = new Map<string, string>(); // number -> id
  const failures = new Map<string, { message: string; code: grpc.status }>();

  const failIfTold = (method: string) => {
    const f = failures.get(method);
    if (f) {
      failures.delete(method);
      throw new GrpcError(f.code, f.message);
    }
  };
  /** `projects/<id or number>/secrets/<s>` → the stored key and the project number form. */
  function secretKey(name: string): { key: string; numbered: string } {
    const m = /^projects\/([^/]+)\/secrets\/([A-Za-z0-9_-]{1,255})$/.exec(name);
    if (!m) throw new GrpcError(grpc.status.INVALID_ARGUMENT, `invalid secret name ${JSON.stringify(name)}`);
    const project = projectIds.get(m[1]!) ?? m[1]!;
    return {
      key: `projects/${project}/secrets/${m[2]}`,
      numbered: `projects/${FAKE_PROJECT_NUMBER}/secrets/${m[2]}`,
    };
  }
  function version(name: string): { versions: FakeSecretVersion[]; v: FakeSecretVersion; index: number } {
    const m = /^(projects\/[^/]+\/secrets\/[^/]+)\/versions\/(\d+)$/.exec(name);
    if (!m)
      throw new GrpcError(
        grpc.status.INVALID_ARGUMENT,
        `invalid secret version name ${JSON.stringify(name)}`,
      );
    const versions = secrets.get(secretKey(m[1]!).key);
    const index = Number(m[2]) - 1;
    const v = versions?.[index];
    if (!versions || !v) throw new GrpcError(grpc.status.NOT_FOUND, `Secret Version [${name}] not found.`);
    return { versions, v, index };
  }
  const versionMsg = (secretName: string, index: number, v: FakeSecretVersion) => ({
    name: `${secretKey(secretName).numbered}/versions/${index + 1}`,
    state: v.state,
  });
  const secretOf = (versionName: string) => versionName.replace(/\/versions\/\d+$/, '');

  const impl: grpc.UntypedServiceImplementation = {
    GetSecret: unary(calls, 'GetSecret', (req) => {
      failIfTold('GetSecret');
      const { key, numbered } = secretKey(String(req.name));
      if (!secrets.has(key))
        throw new GrpcError(grpc.status.NOT_FOUND, `Secret [${numbered}] not found or has no versions.`);
      return { name: numbered, replication: { automatic: {} } };
    }),
    AddSecretVersion: unary(calls, 'AddSecretVersion', (req) => {
      failIfTold('AddSecretVersion');
      const { key, numbered } = secretKey(String(req.parent));
      const versions = secrets.get(key);
      if (!versions) throw new GrpcError(grpc.status.NOT_FOUND, `Secret [${numbered}] not found.`);
      const data = (req.payload as Msg | undefined)?.data as Buffer | undefined;
      if (!data?.length) throw new GrpcError(grpc.status.INVALID_ARGUMENT, 'payload.data is required');
      versions.push({ state: 'ENABLED', data: Buffer.from(data) });
      return versionMsg(key, versions.length - 1, versions.at(-1)!);
    }),
    DisableSecretVersion: unary(calls, 'DisableSecretVersion', (req) => {
      failIfTold('DisableSecretVersion');
      const { v, index } = version(String(req.name));
      if (v.state === 'DESTROYED')
        throw new GrpcError(grpc.status.FAILED_PRECONDITION, 'version is destroyed');
      v.state = 'DISABLED';
      return versionMsg(secretOf(String(req.name)), index, v);
    }),
    DestroySecretVersion: unary(calls, 'DestroySecretVersion', (req) => {
      failIfTold('DestroySecretVersion');
      const { v, index } = version(String(req.name));
      v.state = 'DESTROYED';
      v.data = undefined;
      return versionMsg(secretOf(String(req.name)), index, v);
    }),
    AccessSecretVersion: unary(calls, 'AccessSecretVersion', (req) => {
      failIfTold('AccessSecretVersion');
      const { v, index } = version(String(req.name));
      if (v.state !== 'ENABLED')
        throw new GrpcError(grpc.status.FAILED_PRECONDITION, `version is ${v.state}`);
      return { name: versionMsg(secretOf(String(req.name)), index, v).name, payload: { data: v.data } };
    }),
  };

  const server = await startServer((s) => s.addService(serviceDef(pkgDef, SERVICE), impl));
  return {
    endpoint: `http://127.0.0.1:${server.port}`,
    port: server.port,
    calls,
    secrets,
    createSecret(project, id) {
      projectIds.set(FAKE_PROJECT_NUMBER, project);
      const key = `projects/${project}/secrets/${id}`;
      secrets.set(key, []);
      return key;
    },
    failNext: (method, message, code = grpc.status.PERMISSION_DENIED) =>
      void failures.set(method, { message, code }),
    callsOf: (method) => calls.filter((c) => c.method === method).map((c) => c.request),
    close: server.close,
  };
}
