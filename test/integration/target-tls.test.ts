import assert from 'node:assert/strict';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { deriveNames } from '../../src/names';
import { promote } from '../../src/pipeline/promote';
import { engineOptions, testDeps } from '../support/engine';
import { artifacts, expectedArtifacts, sharedState, tenantRow } from '../support/fault-checks';
import { createSharedFixture } from '../support/fixture';
import { query } from '../support/pg';
import { startTargetServer, type TargetServer } from '../support/target-server';
import { tempDir } from '../support/tmp';
import { issueServerCert, makeTestCa, type TestCa } from '../support/tls';

/**
 * Issue 19, TLS as managed servers have it: the target server runs with `ssl=on` and a
 * certificate signed by a CA made with openssl at test time, and refuses every connection
 * without TLS (but the test's own superuser's), so a promotion that succeeds proves every
 * connection it made to the target verified the certificate (`sslmode=verify-full`).
 */
describe('a target server behind TLS (verify-full with a CA file)', { concurrency: 1 }, () => {
  let t: TargetServer | undefined;
  let skip: string | undefined;
  let ca: TestCa;
  let otherCa: TestCa;
  before(async () => {
    const dir = await tempDir('tls-');
    ca = await makeTestCa(dir, 'test-ca');
    otherCa = await makeTestCa(dir, 'other-ca');
    const cert = await issueServerCert(ca, dir, ['IP:127.0.0.1', 'DNS:localhost']);
    const started = await startTargetServer(15, { tls: cert });
    if ('skip' in started) return void (skip = started.skip);
    t = started.target;
    // Only TLS, except for the test's own superuser (setup and inspection).
    const [{ hba }] = (await query<{ hba: string }>(t.url, "SELECT current_setting('hba_file') AS hba")) as [
      { hba: string },
    ];
    const rules = await readFile(hba, 'utf8');
    await writeFile(
      hba,
      `host all postgres 127.0.0.1/32 scram-sha-256\nhostnossl all all all reject\n${rules}`,
    );
    await query(t.url, 'SELECT pg_reload_conf()');
  });
  after(async () => {
    await t?.stop();
  });

  it('with the CA that signed the certificate: promoted over TLS, every check passing', async (ctx) => {
    if (skip) return ctx.skip(skip);
    const f = await createSharedFixture({ rows: 20 });
    try {
      // Without TLS the target refuses the admin: the rule above is in force.
      const plain = await promote(
        await engineOptions(f, f.tenants.small, { targetDatabaseUrl: t!.adminUrl }),
        testDeps('tls'),
      );
      assert.equal(plain.record.error?.code, 'target-server', JSON.stringify(plain.record.error));
      assert.match(plain.record.error?.message ?? '', /no encryption/);

      const opts = await engineOptions(f, f.tenants.main, {
        targetDatabaseUrl: t!.adminUrl,
        targetCaFile: ca.certFile,
      });
      const { record } = await promote(opts, testDeps('tls'));
      assert.equal(record.result, 'promoted', JSON.stringify(record.error));
      assert.deepEqual(
        record.checks.filter((c) => c.status === 'fail').map((c) => `${c.name}: ${c.reason}`),
        [],
      );
      assert.equal(record.checks.find((c) => c.name === 'checksums')?.status, 'pass');
      const names = deriveNames(f.tenants.main);
      assert.deepEqual((await t!.artifacts(f.suffix)).databases, [names.database]);
      await rm(opts.configDir, { recursive: true, force: true });
    } finally {
      await t!.dropArtifacts(f.suffix);
      await f.cleanup();
    }
  });

  it('with another CA: refused before anything is created, the message naming the certificate and the CA setting', async (ctx) => {
    if (skip) return ctx.skip(skip);
    const f = await createSharedFixture({ rows: 8 });
    try {
      const slug = f.tenants.main;
      const before = await sharedState(f, slug);
      const opts = await engineOptions(f, slug, {
        targetDatabaseUrl: t!.adminUrl,
        targetCaFile: otherCa.certFile,
      });
      const { record } = await promote(opts, testDeps('tls'));
      assert.equal(record.result, 'failed');
      assert.equal(record.error?.step, 'prevalidate', JSON.stringify(record.error));
      assert.equal(record.error?.code, 'target-server');
      assert.match(
        record.error?.message ?? '',
        /The target server 127\.0\.0\.1:\d+ presented a certificate that does not verify against the CA file .*other-ca\.crt; nothing was created: /,
      );
      assert.match(record.error?.hint ?? '', /target-database-ca/);
      assert.deepEqual(await sharedState(f, slug, before.id), before, 'the shared database is unchanged');
      assert.equal((await tenantRow(f, slug))?.settings.isolation, undefined, 'no claim left behind');
      assert.deepEqual(await artifacts(f.suffix), expectedArtifacts(f), 'nothing on the shared server');
      assert.deepEqual(await t!.artifacts(f.suffix), { databases: [], roles: [] }, 'nothing on the target');
      await rm(opts.configDir, { recursive: true, force: true });
    } finally {
      await t!.dropArtifacts(f.suffix);
      await f.cleanup();
    }
  });
});
