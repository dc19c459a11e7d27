/**
 * The copy alone, side by side (issue 18, target 3): a tenant of `--rows` (default 1M) beside a
 * 100k-row neighbour, in the benchmark's shared database (agent_events holds ~75 % of the bytes),
 * copied by `copyTables` into a fresh database holding the pre-data schema, as:
 *   pipe        the bare `psql \copy … | psql \copy …` per table, one after another (the baseline);
 *   p1          copy-parallelism 1;
 *   pN-whole    copy-parallelism N, every table whole (`copy-ranges: off`, the default);
 *   pN-ranges   copy-parallelism N, the dominating table split into ranges (copy-ranges: auto).
 * Every round runs each variant once, the order reversed every other round (A B …, then … B A),
 * after a CHECKPOINT. Prints per-variant medians and per-round ratios (pipe / variant: ≥ 1 means
 * faster than the pipe; p1 / variant: ≥ 1 means faster than one worker).
 *
 *   node --import tsx scripts/bench-copy-ranges.ts --rows=1m --rounds=5 --parallelism=2,4
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import pg from 'pg';
import { setTenantId } from '../src/postgres/connect';
import { copyTables, exportSnapshot } from '../src/postgres/copy';
import { readTableGraph } from '../src/postgres/catalog';
import { planTenant } from '../src/postgres/plan';
import { measurePlan } from '../src/postgres/plan-check';
import { selectTenantRows, TENANT_ID_SETTING, type TablePlan } from '../src/postgres/plan-types';
import { readTenant } from '../src/postgres/tenants';
import { buildSharedDatabase } from './bench-schema';

const log = (text: string) => void process.stderr.write(`${text}\n`);
const q = pg.escapeIdentifier;

function arg(name: string, fallback: string): string {
  const hit = process.argv.find((a) => a.startsWith(`--${name}=`));
  return hit ? hit.slice(name.length + 3) : fallback;
}
function size(text: string): number {
  const m = /^(\d+(?:\.\d+)?)([km]?)$/i.exec(text)!;
  return Math.round(Number(m[1]) * (m[2] === 'm' ? 1e6 : m[2] === 'k' ? 1e3 : 1));
}

const serverUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const rows = size(arg('rows', '1m'));
const rounds = Number(arg('rounds', '5'));
const parallelism = arg('parallelism', '2,4').split(',').map(Number);

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${encodeURIComponent(database)}`;
  return u.toString();
}

async function sql(url: string, text: string, params: unknown[] = []): Promise<pg.QueryResult> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await c.query(text, params);
  } finally {
    await c.end();
  }
}

function sh(script: string, env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', `set -o pipefail; ${script}`], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(err.slice(0, 2000)))));
  });
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

async function main(): Promise<void> {
  const suffix = `${process.pid.toString(36)}${randomBytes(3).toString('hex')}`;
  const shared = `bench_cr_shared_${suffix}`;
  const template = `bench_cr_tmpl_${suffix}`;
  const sharedUrl = withDatabase(serverUrl, shared);
  const slug = `big-${suffix}`;
  try {
    await sql(serverUrl, `CREATE DATABASE ${q(shared)}`);
    log(`Building ${shared} (${rows} rows + a 100k-row neighbour)…`);
    await buildSharedDatabase(
      sharedUrl,
      `bench_cr_app_${suffix}`,
      suffix,
      [
        { slug, rows },
        { slug: `neighbour-${suffix}`, rows: 100_000 },
      ],
      log,
    );
    await sql(serverUrl, `CREATE DATABASE ${q(template)}`);
    await sh(
      `pg_dump --schema-only --no-owner --no-privileges --section=pre-data "$SRC" | psql -X -q -v ON_ERROR_STOP=1 "$DST"`,
      { SRC: sharedUrl, DST: withDatabase(serverUrl, template) },
    );

    // The plan with measured bytes, as the plan step makes it.
    const snap = await exportSnapshot(sharedUrl);
    let tenantId: string;
    let tables: TablePlan[];
    try {
      const tenant = await readTenant(snap.client, 'tenants', slug);
      tenantId = tenant.id;
      await setTenantId(snap.client, tenantId);
      const plan = planTenant(await readTableGraph(snap.client), {
        tenantsTable: 'tenants',
        tenantKey: 'tenant_id',
        tenantId,
        tenantIdType: tenant.idType,
        referenceTables: 'copy',
      });
      tables = (await measurePlan(snap.client, plan)).tables;
    } finally {
      await snap.release();
    }
    const total = tables.reduce((s, t) => s + (t.bytes ?? 0), 0);
    const biggest = [...tables].sort((a, b) => (b.bytes ?? 0) - (a.bytes ?? 0))[0]!;
    log(
      `largest table ${biggest.qualified}: ${(((biggest.bytes ?? 0) / total) * 100).toFixed(0)} % of ${(total / 2 ** 20).toFixed(0)} MB`,
    );

    type Variant = { name: string; run: (targetUrl: string) => Promise<number | undefined> };
    const ours = (p: number, split: boolean): Variant => ({
      name: p === 1 ? 'p1' : `p${p}-${split ? 'ranges' : 'whole'}`,
      run: async (targetUrl) => {
        const r = await copyTables({
          sourceUrl: sharedUrl,
          targetUrl,
          tenantId,
          tables,
          parallelism: p,
          split,
        });
        return r.get(biggest.qualified)?.ranges?.length;
      },
    });
    const pipe: Variant = {
      name: 'pipe',
      run: async (targetUrl) => {
        for (const t of tables) {
          await sh(
            `psql -X -v ON_ERROR_STOP=1 "$SRC" -c "$OUT" | psql -X -v ON_ERROR_STOP=1 "$DST" -c "$INTO" >/dev/null`,
            {
              SRC: sharedUrl,
              DST: targetUrl,
              OUT: `\\copy (${selectTenantRows(t).replace(/\s+/g, ' ')}) to stdout`,
              INTO: `\\copy ${t.qualified} (${t.columns.join(', ')}) from stdin`,
              PGOPTIONS: `-c ${TENANT_ID_SETTING}=${tenantId}`,
            },
          );
        }
        return undefined;
      },
    };
    const variants: Variant[] = [
      pipe,
      ours(1, false),
      ...parallelism.flatMap((p) => [ours(p, false), ours(p, true)]),
    ];
    const times = new Map<string, number[]>(variants.map((v) => [v.name, []]));
    const ranges = new Map<string, number | undefined>();
    log(
      `load at start: ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}`,
    );
    for (let r = 0; r < rounds; r++) {
      const order = r % 2 === 0 ? variants : [...variants].reverse();
      for (const v of order) {
        const db = `bench_cr_run_${suffix}`;
        await sql(serverUrl, `CREATE DATABASE ${q(db)} TEMPLATE ${q(template)}`);
        await sql(serverUrl, 'CHECKPOINT');
        const started = performance.now();
        try {
          ranges.set(v.name, await v.run(withDatabase(serverUrl, db)));
        } finally {
          times.get(v.name)!.push(performance.now() - started);
          await sql(serverUrl, `DROP DATABASE ${q(db)} WITH (FORCE)`);
        }
        log(`round ${r + 1} ${v.name}: ${(times.get(v.name)!.at(-1)! / 1000).toFixed(2)} s`);
      }
    }
    const pipeT = times.get('pipe')!;
    const p1T = times.get('p1')!;
    const ratio = (a: number[], b: number[]) => {
      const rs = a.map((x, i) => x / b[i]!);
      return `${median(rs).toFixed(2)}× (${Math.min(...rs).toFixed(2)}–${Math.max(...rs).toFixed(2)})`;
    };
    console.log(
      `\n${rows} rows, ${(total / 2 ** 20).toFixed(0)} MB, largest table ${biggest.name} ${(((biggest.bytes ?? 0) / total) * 100).toFixed(0)} %; ${rounds} rounds; load at end ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}\n`,
    );
    console.log('| variant | ranges of the largest table | median copy | pipe / variant | p1 / variant |');
    console.log('|---|---|---|---|---|');
    for (const v of variants) {
      const t = times.get(v.name)!;
      console.log(
        `| ${v.name} | ${ranges.get(v.name) ?? '–'} | ${(median(t) / 1000).toFixed(2)} s | ${ratio(pipeT, t)} | ${v.name === 'pipe' ? '–' : ratio(p1T, t)} |`,
      );
    }
  } finally {
    for (const db of [`bench_cr_run_${suffix}`, template, shared]) {
      await sql(serverUrl, `DROP DATABASE IF EXISTS ${q(db)} WITH (FORCE)`).catch(() => undefined);
    }
    await sql(serverUrl, `DROP ROLE IF EXISTS ${q(`bench_cr_app_${suffix}`)}`).catch(() => undefined);
  }
}

main().catch((e: unknown) => {
  log(`bench-copy-ranges failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  process.exitCode = 1;
});
