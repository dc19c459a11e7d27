/**
 * Profiles the plan step's reads of the shared database (issue 18, targets 1 and 4): what
 * measuring the plan costs, in time and in rows read, for one tenant of an existing shared
 * database (e.g. a benchmark's `bench_shared_<suffix>`, kept with `--keep`). Measurement, never a
 * check. Alternates checkouts run by run (each in a child process importing that checkout's code),
 * so the commit before a change is measured the same way:
 *
 *   PROFILE_DB=bench_shared_x PROFILE_SLUG=bench-1000000-x PROFILE_ROUNDS=3 \
 *     node --import tsx scripts/profile-plan.ts /tmp/old .
 *
 * Per run: the time of `measurePlan` (counts, sizes, blockers) and the rows it read
 * (pg_stat_user_tables seq_tup_read + idx_tup_fetch of the shared database, flushed by the
 * session ending), the planned rows and whether they are estimates; and the load average.
 * PROFILE_EXACT=1 makes this checkout count as a dry run does; PROFILE_TABLES=1 lists every table.
 */
import { spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';

const serverUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${encodeURIComponent(database)}`;
  return u.toString();
}

async function rowsRead(url: string): Promise<number> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const { rows } = await c.query<{ n: string }>(
      `SELECT coalesce(sum(seq_tup_read + coalesce(idx_tup_fetch, 0)), 0) AS n FROM pg_stat_user_tables`,
    );
    return Number(rows[0]!.n);
  } finally {
    await c.end();
  }
}

/** In the child: one measurement of the checkout's plan, printed as one JSON line. */
async function childRun(): Promise<void> {
  const input = JSON.parse(process.env.PROFILE_CHILD!) as { url: string; slug: string };
  const dir = process.cwd();
  const { exportSnapshot } = (await import(
    join(dir, 'src/postgres/copy.ts')
  )) as typeof import('../src/postgres/copy');
  const { readTableGraph } = (await import(
    join(dir, 'src/postgres/catalog.ts')
  )) as typeof import('../src/postgres/catalog');
  const { resolveTenantKey } = (await import(
    join(dir, 'src/postgres/tenant-key.ts')
  )) as typeof import('../src/postgres/tenant-key');
  const { setTenantId } = (await import(
    join(dir, 'src/postgres/connect.ts')
  )) as typeof import('../src/postgres/connect');
  const { planTenant } = (await import(
    join(dir, 'src/postgres/plan.ts')
  )) as typeof import('../src/postgres/plan');
  const { measurePlan, referenceBlockers } = (await import(
    join(dir, 'src/postgres/plan-check.ts')
  )) as typeof import('../src/postgres/plan-check');
  const options = { tenantsTable: 'tenants', tenantKey: 'tenant_id', referenceTables: 'copy' as const };
  const snapshot = await exportSnapshot(input.url);
  try {
    const graph = await readTableGraph(snapshot.client);
    const key = await resolveTenantKey(snapshot.client, graph, options, input.slug);
    await setTenantId(snapshot.client, key.value);
    const planned = planTenant(graph, { ...options, tenantId: key.value, globalRows: true });
    const started = performance.now();
    // A checkout before estimates ignores the options and counts.
    const plan = await measurePlan(snapshot.client, planned, { exact: process.env.PROFILE_EXACT === '1' });
    const ms = performance.now() - started;
    // The blockers alone (measurePlan runs them too): their share of the time.
    const blockersStarted = performance.now();
    await referenceBlockers(snapshot.client, plan.tables);
    const blockersMs = performance.now() - blockersStarted;
    const tables = plan.tables.map((t) => ({
      name: t.name,
      rows: t.rows,
      bytes: t.bytes,
      estimated: (t as { estimated?: boolean }).estimated === true,
    }));
    process.stdout.write(`${JSON.stringify({ ms, blockersMs, tables, blockers: plan.blockers.length })}\n`);
  } finally {
    await snapshot.release();
  }
}

function child(checkout: string, input: unknown): Promise<string> {
  return new Promise((done, fail) => {
    const p = spawn(process.execPath, ['--import', 'tsx', resolve('scripts/profile-plan.ts'), '--child'], {
      cwd: checkout,
      env: { ...process.env, PROFILE_CHILD: JSON.stringify(input) },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.on('error', fail);
    p.on('exit', (code) =>
      code === 0 ? done(out.trim().split('\n').pop() ?? '') : fail(new Error(`child exited ${code}`)),
    );
  });
}

async function main(): Promise<void> {
  const db = process.env.PROFILE_DB;
  const slug = process.env.PROFILE_SLUG;
  if (!db || !slug) throw new Error('Set PROFILE_DB (the shared database) and PROFILE_SLUG (the tenant).');
  const url = withDatabase(serverUrl, db);
  const rounds = Number(process.env.PROFILE_ROUNDS ?? 3);
  const checkouts = (process.argv.slice(2).length ? process.argv.slice(2) : ['.']).map((d) => resolve(d));
  for (let round = 0; round < rounds; round++) {
    // Alternate the order round by round (A B, then B A).
    const order = round % 2 === 0 ? checkouts : [...checkouts].reverse();
    for (const checkout of order) {
      const before = await rowsRead(url);
      const out = JSON.parse(await child(checkout, { url, slug })) as {
        ms: number;
        blockersMs: number;
        tables: { name: string; rows?: number; bytes?: number; estimated: boolean }[];
        blockers: number;
      };
      // The child's session has ended: its reads have reached the statistics.
      await new Promise((r) => setTimeout(r, 600));
      const read = (await rowsRead(url)) - before;
      const planned = out.tables.reduce((n, t) => n + (t.rows ?? 0), 0);
      console.log(
        `${checkout}: measure ${out.ms.toFixed(0)} ms (of which reference blockers ~${out.blockersMs.toFixed(0)} ms), rows read (incl. the blockers again) ${read}, planned ${planned}${out.tables.some((t) => t.estimated) ? ' (estimated)' : ''}, blockers ${out.blockers}, load ${loadavg()[0]!.toFixed(1)}`,
      );
      if (process.env.PROFILE_TABLES)
        for (const t of out.tables)
          console.log(`   ${t.name}: ${t.rows} rows, ${t.bytes} bytes${t.estimated ? ' ~' : ''}`);
    }
  }
}

(process.argv.includes('--child') ? childRun() : main()).catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
