/**
 * Google API clients, loaded lazily: a run that skips Cloud Run never loads google-gax (a large
 * part of the bundle's start-up time).
 */
import type { ChannelCredentials } from '@grpc/grpc-js';
import type { ServicesClient } from '@google-cloud/run';
import type { SecretManagerServiceClient } from '@google-cloud/secret-manager';
import type { CloudRunOptions } from '../options';
import { type Endpoint, parseEndpoint } from './endpoint';

export type GoogleClientOptions = {
  apiEndpoint?: string;
  port?: number;
  sslCreds?: ChannelCredentials;
  universeDomain?: string;
};

/** CommonJS modules imported dynamically may arrive as `{ default: module }`. */
function cjs<T extends object>(mod: T & { default?: T }, key: string): T {
  return key in mod ? mod : (mod.default ?? mod);
}

/**
 * Options for a google-gax client. TLS endpoints pass host and port only (credentials are
 * Application Default Credentials). The plaintext form uses insecure channel credentials, which
 * also replace Google's call credentials, and a fixed universe domain so the client does not go
 * looking for credentials to learn it.
 */
export async function clientOptions(endpoint: Endpoint | undefined): Promise<GoogleClientOptions> {
  if (!endpoint) return {};
  if (!endpoint.insecure) return { apiEndpoint: endpoint.host, port: endpoint.port };
  const grpc = cjs(await import('@grpc/grpc-js'), 'credentials');
  return {
    apiEndpoint: endpoint.host,
    port: endpoint.port,
    sslCreds: grpc.credentials.createInsecure(),
    universeDomain: 'googleapis.com',
  };
}

export async function servicesClient(options: CloudRunOptions): Promise<ServicesClient> {
  const endpoint = parseEndpoint(
    options.apiEndpoint,
    options.allowInsecureEndpoint,
    'cloud-run-api-endpoint',
  );
  const run = cjs(await import('@google-cloud/run'), 'ServicesClient');
  return new run.ServicesClient(await clientOptions(endpoint));
}

export async function secretManagerClient(options: CloudRunOptions): Promise<SecretManagerServiceClient> {
  const endpoint = parseEndpoint(
    options.secretManagerEndpoint,
    options.allowInsecureEndpoint,
    'secret-manager-api-endpoint',
  );
  const sm = cjs(await import('@google-cloud/secret-manager'), 'SecretManagerServiceClient');
  return new sm.SecretManagerServiceClient(await clientOptions(endpoint));
}
