/**
 * The checksums check's table digest with each row hash form (issue 18): 'ledger' is the md5 form
 * every digest used before, 'fast' is hashtextextended over the row's text, 'columns-1' hashes each
 * column by its type (text only where needed; what the checksums check uses). Builds two throwaway databases on
 * DATABASE_URL's server (source: the tenant's rows among another tenant's; target: the tenant's
 * rows alone), then compares them with `compareTable` (both sides at once, as the check does),
 * rotating the order round by round. Prints medians and the ratios to 'fast'.
 *
 * Flags: --rows=1000000 --rounds=5
 */
import pg from 'pg';
import { compareTable, setComparableSession, type RowHashForm } from '../src/postgres/checksum';
import { TENANT_ID_SETTING, type TablePlan } from '../src/postgres/plan-types';
import { createDatabase, dropArtifacts, uniqueSuffix, withClient } from '../test/support/pg';

const arg = (name: string, fallback: number) =>
  Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const rows = arg('rows', 1_000_000);
const rounds = arg('rounds', 5);
// DATABASE_URL's server (test/support/pg.ts), databases named after this run.
const suffix = uniqueSuffix();
const names = { source: `bench_hash_src_${suffix}`, target: `bench_hash_tgt_${suffix}` };
const tenant = '00000000-0000-0000-0000-000000000001';
const other = '00000000-0000-0000-0000-000000000002';

const table: TablePlan = {
  schema: 'public',
  name: 'items',
  qualified: '"public"."items"',
  kind: 'tenant',
  columns: ['"id"', '"tenant_id"', '"title"', '"amount"', '"created_at"'],
  keyColumns: ['"id"'],
  where: `t."tenant_id" = current_setting('${TENANT_ID_SETTING}')::uuid`,
  binarySafe: true,
  partitioned: false,
};

const ddl = `CREATE TABLE items (id bigint PRIMARY KEY, tenant_id uuid NOT NULL, title text NOT NULL,
  amount numeric(12,2) NOT NULL, created_at timestamptz NOT NULL)`;
const fill = (tenantId: string, from: number, n: number) =>
  `INSERT INTO items SELECT g, '${tenantId}', 'item ' || g || ' ' || md5(g::text), (g % 100000) / 100.0,
     timestamptz '2024-01-01' + g * interval '1 second' FROM generate_series(${from}, ${from + n - 1}) g`;

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

async function main(): Promise<void> {
  const urls = { source: await createDatabase(names.source), target: await createDatabase(names.target) };
  try {
    await withClient(urls.source, async (c) => {
      await c.query(ddl);
      await c.query(fill(tenant, 1, rows));
      await c.query(fill(other, rows + 1, rows));
      await c.query('CREATE INDEX ON items (tenant_id)');
      await c.query('VACUUM ANALYZE items');
    });
    await withClient(urls.target, async (c) => {
      await c.query(ddl);
      await c.query(fill(tenant, 1, rows));
      await c.query('VACUUM ANALYZE items');
    });
    const source = new pg.Client({ connectionString: urls.source });
    const target = new pg.Client({ connectionString: urls.target });
    await source.connect();
    await target.connect();
    try {
      await source.query('SELECT set_config($1, $2, false)', [TENANT_ID_SETTING, tenant]);
      await setComparableSession(source);
      await setComparableSession(target);
      const times: Record<RowHashForm, number[]> = { ledger: [], fast: [], 'columns-1': [] };
      const once = async (form: RowHashForm) => {
        const t0 = performance.now();
        const r = await compareTable(source, target, table, { form });
        const ms = performance.now() - t0;
        if (!r.equal || r.source.count !== rows)
          throw new Error(`${form}: unexpected ${JSON.stringify(r.differences)}`);
        times[form].push(ms);
        process.stderr.write(`${form}: ${ms.toFixed(0)} ms\n`);
      };
      await once('fast'); // warm the caches; not counted
      times.fast.length = 0;
      for (let i = 0; i < rounds; i++) {
        const forms: RowHashForm[] = ['ledger', 'fast', 'columns-1'];
        const order = i % 2 ? [...forms].reverse() : forms;
        for (const form of order) await once(form);
      }
      console.log(`rows=${rows} rounds=${rounds}`);
      for (const form of ['ledger', 'fast', 'columns-1'] as const) {
        const ratios = times[form].map((x, i) => x / times.fast[i]!);
        console.log(
          `${form}: ${times[form].map((x) => x.toFixed(0)).join(' ')} ms, median ${median(times[form]).toFixed(0)}; ` +
            `/fast per round ${ratios.map((x) => x.toFixed(2)).join(' ')}, median ${median(ratios).toFixed(2)}`,
        );
      }
    } finally {
      await source.end();
      await target.end();
    }
  } finally {
    await dropArtifacts(suffix);
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
