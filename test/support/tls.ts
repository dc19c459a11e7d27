import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Test certificates made with the machine's `openssl` at test time (nothing checked in): a CA,
 * and a server certificate it signs for the given names (IP addresses and DNS names), as a
 * managed server's would be. EC P-256 keys: quick to make.
 */
export interface TestCa {
  /** PEM file of the CA certificate (what `target-ca-file` gets). */
  certFile: string;
  keyFile: string;
}

export interface ServerCert {
  cert: string;
  key: string;
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

export async function makeTestCa(dir: string, name: string): Promise<TestCa> {
  const certFile = join(dir, `${name}.crt`);
  const keyFile = join(dir, `${name}.key`);
  await run('openssl', [
    'req',
    '-x509',
    ...EC,
    '-keyout',
    keyFile,
    '-out',
    certFile,
    '-days',
    '2',
    '-subj',
    `/CN=${name}`,
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  return { certFile, keyFile };
}

/** A server certificate signed by `ca` for `names` (e.g. ['IP:127.0.0.1', 'DNS:localhost']). */
export async function issueServerCert(ca: TestCa, dir: string, names: string[]): Promise<ServerCert> {
  const key = join(dir, 'server.key');
  const csr = join(dir, 'server.csr');
  const crt = join(dir, 'server.crt');
  const ext = join(dir, 'server.ext');
  await run('openssl', ['req', '-new', ...EC, '-keyout', key, '-out', csr, '-subj', '/CN=tenant target']);
  await writeFile(ext, `subjectAltName=${names.join(',')}\nextendedKeyUsage=serverAuth\n`);
  await run('openssl', [
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    ca.certFile,
    '-CAkey',
    ca.keyFile,
    '-CAcreateserial',
    '-out',
    crt,
    '-days',
    '2',
    '-extfile',
    ext,
  ]);
  return { cert: await readFile(crt, 'utf8'), key: await readFile(key, 'utf8') };
}
