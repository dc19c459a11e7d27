import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { deriveNames } from '../../src/names';
import { promote } from '../../src/pipeline/promote';
import { tenantId, TENANT_TABLES, tenantRow } from '../support/fault-checks';
import { tableRows } from '../support/fingerprint';
import { createSharedFixture, type SharedFixture } from '../support/fixture';
import { urlFor } from '../support/pg';
import { ContractWriter, missingWrites, writerSeed } from '../support/writer';
import { engineOptions, testDeps } from '../support/engine';
import { runRogueWriterCase } from '../support/crash-suite';
import { databaseLevel } from '../support/placements';

/** Property 3 of issue 8: writes during the promotion, with and without the contract. */

// The freeze pass applies only what changed since the base snapshot (~1.5 s here for ~56k rows
// under load); the margin keeps a loaded CI machine from failing the run on time alone.
const MAX_FREEZE_MS = 5_000;

describe('writes during a promotion (contract-following writers)', () => {
  let f: SharedFixture;
  before(async () => {
    f = await createSharedFixture({ rows: 2_000 });
  });
  after(async () => {
    await f.cleanup();
  });

  it('loses no committed write, reports the freeze, and never blocks another tenant past max-freeze', async () => {
    const slug = f.tenants.main;
    const names = deriveNames(slug);
    const id = await tenantId(f, slug);
    const otherSlug = f.tenants.other;
    const otherId = await tenantId(f, otherSlug);
    const seed = await writerSeed(f.url, id, `m${f.suffix}`);
    const otherSeed = await writerSeed(f.url, otherId, `o${f.suffix}`);
    const writer = new ContractWriter(f.url, urlFor(names.database), seed);
    const bystander = new ContractWriter(f.url, urlFor(deriveNames(otherSlug).database), otherSeed);
    const running = [writer.run(), bystander.run()];

    const opts = await engineOptions(f, slug);
    let atCopy = 0;
    let atSwitch = 0;
    const { record } = await promote(
      opts,
      testDeps('writer-test', {
        fault: (point) => {
          if (point === 'before:copy') atCopy = writer.total;
          if (point === 'before:switch') atSwitch = writer.total;
        },
      }),
    );
    // A few more writes after the switch: they must land in the tenant's database.
    const afterPromotion = writer.total;
    try {
      assert.equal(record.result, 'promoted', JSON.stringify(record.error));
      const deadline = Date.now() + 30_000;
      while (writer.committed.isolated < 20 && writer.errors.length === 0 && Date.now() < deadline) {
        await new Promise((r) => setImmediate(r));
      }
    } finally {
      writer.stop();
      bystander.stop();
      await Promise.all(running);
    }

    assert.deepEqual(writer.errors, [], 'the contract-following writer never failed');
    assert.deepEqual(bystander.errors, [], 'the other tenant writer never failed');
    assert.ok(atSwitch - atCopy > 0, `writes committed during copy and validation (${atSwitch - atCopy})`);
    assert.ok(
      writer.committed.shared > 0 && writer.committed.isolated >= 20,
      JSON.stringify(writer.committed),
    );

    const lost = await missingWrites(urlFor(names.database), seed, writer.model);
    assert.deepEqual(lost, [], 'every committed write is in the isolated database');
    // The shared database keeps none of the tenant's rows, and the bystander's writes are all there.
    for (const [table, where] of TENANT_TABLES)
      assert.deepEqual(await tableRows(f.url, table, where, [id]), [], table);
    assert.deepEqual(await missingWrites(f.url, otherSeed, bystander.model), [], "the other tenant's writes");
    assert.equal((await tenantRow(f, otherSlug))?.isolation_mode, 'shared');

    assert.equal(typeof record.freezeMs, 'number');
    assert.ok(record.freezeMs! <= MAX_FREEZE_MS, `freeze ${record.freezeMs} ms`);
    const longestOther = Math.max(...bystander.latencies);
    assert.ok(longestOther < MAX_FREEZE_MS, `other tenant's longest write took ${longestOther} ms`);
    console.log(
      `writes during promotion: ${afterPromotion} committed (${writer.committed.shared} shared, ${writer.committed.isolated} isolated in total, ${atSwitch - atCopy} between copy and switch), lost ${lost.length}; freeze ${record.freezeMs} ms; other tenant: ${bystander.total} writes, longest ${longestOther.toFixed(1)} ms; this tenant's longest ${Math.max(...writer.latencies).toFixed(1)} ms`,
    );
    await rm(opts.configDir, { recursive: true, force: true });
  });
});

describe('max-freeze is a hard bound on the freeze', () => {
  let f: SharedFixture;
  before(async () => {
    f = await createSharedFixture({ rows: 2_000 });
  });
  after(async () => {
    await f.cleanup();
  });

  it('a freeze that would overrun is cancelled in time: writes wait at most ~max-freeze, the tenant stays shared', async () => {
    const slug = f.tenants.other;
    const names = deriveNames(slug);
    const id = await tenantId(f, slug);
    const seed = await writerSeed(f.url, id, `b${f.suffix}`);
    const writer = new ContractWriter(f.url, urlFor(names.database), seed);
    const running = writer.run();
    const maxFreezeMs = 50;
    const opts = await engineOptions(f, slug, { maxFreezeMs });
    let record;
    try {
      ({ record } = await promote(opts, testDeps('writer-test')));
    } finally {
      writer.stop();
      await running;
    }
    assert.equal(record.error?.code, 'freeze-timeout', JSON.stringify(record.error));
    assert.equal(record.committed, false);
    assert.equal((await tenantRow(f, slug))?.isolation_mode, 'shared');
    assert.deepEqual(writer.errors, []);
    assert.deepEqual(
      await missingWrites(f.url, seed, writer.model),
      [],
      'every write is in the shared database',
    );
    const longest = Math.max(...writer.latencies);
    console.log(
      `bounded freeze: max-freeze ${maxFreezeMs} ms, longest write of the tenant ${longest.toFixed(0)} ms, ${writer.total} writes; ${record.error!.message}`,
    );
    // Cancel, rollback and a loaded machine add a little; the point is it is not the whole digest.
    assert.ok(longest < maxFreezeMs + 1500, `the tenant's longest write waited ${longest} ms`);
    await rm(opts.configDir, { recursive: true, force: true });
  });
});

describe('a writer that ignores the contract', () => {
  it('writes to the shared rows after the switch: cleanup refuses, names the table, deletes nothing', async () => {
    // crash-suite.ts's body, shared with the schema-level placements (schema-level-faults.test.ts).
    await runRogueWriterCase(databaseLevel);
  });
});
