import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import pg from 'pg';
import { clientConfig } from '../../src/postgres/connect';
import { serversFrom, tlsRefusal } from '../../src/postgres/servers';
import { fromSource, type ArtifactMarker } from '../../src/postgres/roles';
import { inspectTargetServer } from '../../src/postgres/target-server';
import { PromotionOptions } from '../../src/options';

const SHARED = 'postgres://admin:shared-pw@10.0.0.5:5432/app';
const TARGET = 'postgres://tenantadmin:target-pw@db-acme.example.com:6432/postgres';

describe('servers: the shared and the target server', () => {
  it('without a target URL, everything is on the shared server (today’s behaviour)', () => {
    const s = serversFrom({ databaseUrl: SHARED });
    assert.equal(s.separate, false);
    assert.equal(s.targetAdminUrl, SHARED);
    assert.equal(s.tenantDatabaseUrl('tenant_acme'), 'postgres://admin:shared-pw@10.0.0.5:5432/tenant_acme');
    assert.deepEqual(s.applicationHost(), { host: '10.0.0.5', port: 5432 });
  });

  it('a target URL naming the shared server itself is not a second server', () => {
    const s = serversFrom({
      databaseUrl: SHARED,
      targetDatabaseUrl: 'postgres://other:pw@10.0.0.5/postgres',
    });
    assert.equal(s.separate, false);
    assert.equal(s.targetAdminUrl, SHARED);
  });

  it('a target server: tenant database, application host and port, both passwords known as secrets', () => {
    const s = serversFrom({ databaseUrl: SHARED, targetDatabaseUrl: TARGET });
    assert.equal(s.separate, true);
    assert.equal(
      s.tenantDatabaseUrl('tenant_acme'),
      'postgres://tenantadmin:target-pw@db-acme.example.com:6432/tenant_acme',
    );
    assert.deepEqual(s.applicationHost(), { host: 'db-acme.example.com', port: 6432 });
    assert.deepEqual(
      s.applicationHost('10.1.2.3:5433'),
      { host: '10.1.2.3', port: 5433 },
      'database-host wins',
    );
    assert.deepEqual(s.passwords.sort(), ['shared-pw', 'target-pw']);
  });

  it('a CA file makes pg verify the target: sslmode=verify-full, the CA read from the file, the host checked', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'tp-ca-'));
    const caFile = join(dir, 'server-ca.pem');
    const pem = '-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n';
    await writeFile(caFile, pem);
    const s = serversFrom({ databaseUrl: SHARED, targetDatabaseUrl: TARGET, targetCaFile: caFile });
    for (const url of [s.targetAdminUrl, s.tenantDatabaseUrl('tenant_acme')]) {
      // What pg itself makes of the connection settings every session of the run uses.
      const params = new pg.Client(clientConfig(url)) as unknown as {
        connectionParameters: { ssl: { ca?: string; rejectUnauthorized?: boolean } | boolean; host: string };
      };
      const ssl = params.connectionParameters.ssl;
      assert.ok(ssl && typeof ssl === 'object', `TLS on for ${url}`);
      assert.equal(String(ssl.ca), pem, 'the CA comes from the file');
      assert.notEqual(ssl.rejectUnauthorized, false, 'an unverified certificate is refused');
      assert.equal(params.connectionParameters.host, 'db-acme.example.com');
    }
    assert.match(s.targetAdminUrl, /sslmode=verify-full/);
    // The shared server's settings are its own.
    assert.doesNotMatch(s.sharedUrl, /sslrootcert/);
  });

  it('an explicit sslmode in the target URL is kept', () => {
    const s = serversFrom({
      databaseUrl: SHARED,
      targetDatabaseUrl: `${TARGET}?sslmode=verify-ca`,
      targetCaFile: '/etc/ssl/rds-ca.pem',
    });
    const u = new URL(s.targetAdminUrl);
    assert.equal(u.searchParams.get('sslmode'), 'verify-ca');
    assert.equal(u.searchParams.get('sslrootcert'), '/etc/ssl/rds-ca.pem');
  });

  it('a target URL that is not a postgres:// URL is refused by the options, naming the fix', () => {
    const parsed = PromotionOptions.safeParse({
      databaseUrl: SHARED,
      tenantSlug: 'acme-corp',
      targetDatabaseUrl: 'db-acme.example.com:5432',
    });
    assert.equal(parsed.success, false);
    assert.match(JSON.stringify(parsed.error?.issues), /postgres:\/\/ or postgresql:\/\/ connection string/);
  });
});

/** A client that answers each query by the first pattern its text matches. */
function scripted(answers: [RegExp, unknown[]][]): pg.ClientBase {
  return {
    query: async (text: string) => {
      const hit = answers.find(([re]) => re.test(text));
      if (!hit) throw new Error(`unexpected query: ${text.slice(0, 80)}`);
      return { rows: hit[1], rowCount: hit[1].length };
    },
  } as unknown as pg.ClientBase;
}

const role = (over: Record<string, unknown> = {}) => [
  {
    name: 'tenantadmin',
    rolsuper: false,
    rolbypassrls: true,
    rolcreatedb: true,
    rolcreaterole: true,
    version: 150004,
    ...over,
  },
];

describe('inspectTargetServer: what the target must offer', () => {
  const shared = (
    over: { extensions?: unknown[]; collate?: string; provider?: string; collations?: unknown[] } = {},
  ) =>
    scripted([
      [/current_database\(\) AS db/, [{ db: 'app' }]],
      [/pg_postmaster_start_time/, [{ started: '2026-12-07 00:00:00+00', oid: '16384' }]],
      [/server_version_num'\) AS num/, [{ num: '150004', version: '15.4' }]],
      [/FROM pg_extension/, over.extensions ?? []],
      [/relrowsecurity/, []],
      [
        /pg_encoding_to_char/,
        [
          {
            encoding: 'UTF8',
            collate: over.collate ?? 'C',
            ctype: over.collate ?? 'C',
            provider: over.provider ?? 'c',
            icuLocale: over.provider === 'i' ? 'und' : null,
          },
        ],
      ],
      [/FROM pg_attribute/, over.collations ?? []],
    ]);
  const target = (
    over: { role?: Record<string, unknown>; extensions?: unknown[]; icu?: boolean; locales?: unknown[] } = {},
  ) =>
    scripted([
      [/pg_postmaster_start_time/, []],
      [/FROM pg_roles r WHERE r.rolname = current_user/, role(over.role)],
      [/has_parameter_privilege/, [{ ok: false }]],
      [/server_version_num'\) AS num/, [{ num: '150010', version: '15.10' }]],
      [/pg_available_extensions/, over.extensions ?? []],
      [/collprovider = 'i'/, over.icu ? [{ '?column?': 1 }] : []],
      [/collprovider = 'c'/, over.locales ?? []],
      [/collnamespace = 'pg_catalog'::regnamespace/, []],
    ]);
  const opts = { targetUrl: 'postgres://tenantadmin@db-acme.example.com/postgres' };

  it('a target that has everything: no problem', async () => {
    const found = await inspectTargetServer(shared(), target(), opts);
    assert.deepEqual(found.problems, []);
    assert.equal(found.version, '15.10');
  });

  it('an extension the shared database uses and the target lacks is named with its version', async () => {
    const found = await inspectTargetServer(
      shared({
        extensions: [
          { extname: 'postgis', extversion: '3.4.0' },
          { extname: 'pgcrypto', extversion: '1.3' },
        ],
      }),
      target({ extensions: [{ name: 'pgcrypto' }] }),
      opts,
    );
    assert.equal(found.problems.length, 1);
    assert.match(
      found.problems[0]!,
      /not available on the target server db-acme\.example\.com:5432: postgis 3\.4\.0 \(fix: install/,
    );
  });

  it('a libc locale and ICU the target lacks, and a built-in collation a column uses', async () => {
    const found = await inspectTargetServer(
      shared({ collate: 'de_DE.UTF-8', provider: 'i', collations: [{ collname: 'de-x-icu' }] }),
      target(),
      opts,
    );
    assert.equal(found.problems.length, 3, found.problems.join('\n'));
    assert.match(
      found.problems[0]!,
      /ICU locale provider \(und\) and the target server .* has no ICU support/,
    );
    assert.match(
      found.problems[1]!,
      /locale de_DE\.UTF-8 \(LC_COLLATE\/LC_CTYPE\) is not available on the target server/,
    );
    assert.match(found.problems[2]!, /collation\(s\) .* missing on the target server .*: de-x-icu/);
  });

  it('a target admin subject to row-level security when shared tables have it', async () => {
    const sharedWithRls = scripted([
      [/current_database\(\) AS db/, [{ db: 'app' }]],
      [/pg_postmaster_start_time/, [{ started: '2026-12-07 00:00:00+00', oid: '16384' }]],
      [/relrowsecurity/, [{ tbl: 'audit_logs' }]],
      [/server_version_num'\) AS num/, [{ num: '150004', version: '15.4' }]],
      [/FROM pg_extension/, []],
      [
        /pg_encoding_to_char/,
        [{ encoding: 'UTF8', collate: 'C', ctype: 'C', provider: 'c', icuLocale: null }],
      ],
      [/FROM pg_attribute/, []],
    ]);
    const found = await inspectTargetServer(sharedWithRls, target({ role: { rolbypassrls: false } }), opts);
    assert.equal(found.problems.length, 1);
    assert.match(
      found.problems[0]!,
      /subject to row-level security, which 1 shared table\(s\) have \(audit_logs\).*BYPASSRLS/,
    );
  });
});

describe('a refused certificate is told from an unreachable server', () => {
  it('finds the TLS verification code in the error or its causes', () => {
    const tls = Object.assign(new Error('unable to verify the first certificate'), {
      code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
    });
    assert.equal(tlsRefusal(new Error('Could not connect', { cause: tls })), 'untrusted');
    assert.equal(
      tlsRefusal(Object.assign(new Error('x'), { code: 'ERR_TLS_CERT_ALTNAME_INVALID' })),
      'wrong-name',
    );
    assert.equal(tlsRefusal(Object.assign(new Error('x'), { code: 'CERT_HAS_EXPIRED' })), 'expired');
    assert.equal(tlsRefusal(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' })), undefined);
    assert.equal(tlsRefusal('text'), undefined);
  });
});

describe('markers name the source server too', () => {
  const marker = (extra: Partial<ArtifactMarker> = {}): ArtifactMarker => ({
    tool: 'tenant-promotion',
    slug: 'acme-corp',
    sourceDatabase: 'app',
    purpose: 'database',
    createdAt: '2026-01-01T00:00:00Z',
    ...extra,
  });
  it('another server with a database of the same name is not the source; unknown on either side falls back to the name', () => {
    const here = { slug: 'acme-corp', sourceDatabase: 'app', sourceServer: '111' };
    assert.equal(fromSource(marker({ sourceServer: '111' }), here), true);
    assert.equal(fromSource(marker({ sourceServer: '222' }), here), false);
    assert.equal(fromSource(marker(), here), true, 'a marker from before servers were recorded');
    assert.equal(
      fromSource(marker({ sourceServer: '222' }), { slug: 'acme-corp', sourceDatabase: 'app' }),
      true,
    );
    assert.equal(fromSource(marker({ sourceServer: '111' }), { ...here, sourceDatabase: 'other' }), false);
    assert.equal(fromSource(marker({ sourceServer: '111' }), { ...here, slug: 'globex' }), false);
    assert.equal(fromSource(undefined, here), false);
  });
});
