import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { PromotionError } from '../errors';
import { redact } from '../secrets';
import { connect, setTenantId } from './connect';
import {
  planCopyUnits,
  rangePredicate,
  splitCandidates,
  type CopyUnit,
  type SplitFacts,
} from './copy-ranges';
import { perRow, selectTenantRows, targetOf, type TablePlan } from './plan-types';
import { serverMajor } from './versions';

/**
 * Streaming copy of the tenant's rows: `COPY (SELECT …) TO STDOUT` on the shared database piped
 * into `COPY … FROM STDIN` on the new one, one pair of sessions per worker, every reader on the
 * same exported snapshot. Nothing holds a whole table in memory: the streams apply backpressure
 * from the target socket back to the source socket.
 */

export interface Snapshot {
  /** The exported snapshot's id, for `SET TRANSACTION SNAPSHOT`. */
  id: string;
  /** The session holding the snapshot open (REPEATABLE READ transaction). */
  client: pg.Client;
  /** Ends the transaction and the session; safe to call twice. */
  release(): Promise<void>;
}

/** Opens a REPEATABLE READ transaction on the shared database and exports its snapshot. */
export async function exportSnapshot(sourceUrl: string): Promise<Snapshot> {
  const client = await connect(sourceUrl);
  let id: string;
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
    id = (await client.query<{ id: string }>('SELECT pg_export_snapshot() AS id')).rows[0]!.id;
  } catch (e) {
    await client.end().catch(() => {});
    throw dbError(
      e,
      'Exporting a snapshot of the shared database failed',
      'Connect to the primary server (a standby cannot export snapshots) and re-run.',
    );
  }
  let released = false;
  return {
    id,
    client,
    async release() {
      if (released) return;
      released = true;
      try {
        await client.query('ROLLBACK');
      } catch {
        // The session may already be gone; ending it is all that matters.
      }
      await endClient(client);
    },
  };
}

export interface CopyTablesOptions {
  sourceUrl: string;
  targetUrl: string;
  /** Snapshot to read from (exportSnapshot); without one, a snapshot is exported for this copy. */
  snapshotId?: string;
  tenantId: string;
  tables: TablePlan[];
  /** Copy workers (tables and ranges copied at once), each with its own source and target session. */
  parallelism: number;
  signal?: AbortSignal;
  /** At most every ~250 ms per table while it streams, and once when it is committed. */
  onProgress?(table: string, rows: number, bytes: number): void;
  /** Runs first in each table's transaction on the target and may throw: fencing (ownership.ts). */
  guard?: (target: pg.ClientBase) => Promise<void>;
  /**
   * Split tables that would serialise the copy into ranges (copy-ranges.ts): the `copy-ranges:
   * auto` input. Off unless asked: on 2 cores the split measured no faster than whole tables.
   */
  split?: boolean;
  /** Failpoint (faults.ts), called with `copy-range:<schema>.<name>:<index>` after each range commits. */
  fault?: (point: string) => void | Promise<void>;
}

export interface CopyResult {
  rows: number;
  bytes: number;
  durationMs: number;
  format: 'binary' | 'text';
  /** Copied as text only because the target runs another major version (see copyFormat). */
  textAcrossMajors: boolean;
  /** Rows committed per range, when the table was split into ranges (copy-ranges.ts). */
  ranges?: number[];
}

const SNAPSHOT_ID = /^[0-9A-F-]+$/i;
const PROGRESS_INTERVAL_MS = 250;

/**
 * Session settings for both sides of a text COPY: the text form of a value must parse back to
 * the same value whatever the databases' defaults (DateStyle order, float digits, encoding).
 * Binary COPY ignores them. row_security stays on: where row-level security applies to the
 * connecting role (managed PostgreSQL: not the owner, no BYPASSRLS), prevalidation has proved
 * that a permissive policy lets it read every row (`row_security = off` would make every such
 * read fail, whatever the policies say). No timeouts on these sessions: a large table takes as long as it takes.
 */
const SESSION_SETTINGS = `SET client_encoding = 'UTF8'; SET DateStyle = 'ISO, YMD'; SET IntervalStyle = 'postgres';
  SET extra_float_digits = 3; SET bytea_output = 'hex'; SET TimeZone = 'UTC';
  SET statement_timeout = 0; SET lock_timeout = 0; SET idle_in_transaction_session_timeout = 0`;

/** Copies `tables` (in plan order when one at a time, largest first when in parallel). */
export async function copyTables(opts: CopyTablesOptions): Promise<Map<string, CopyResult>> {
  if (opts.snapshotId !== undefined && !SNAPSHOT_ID.test(opts.snapshotId)) {
    // SET TRANSACTION SNAPSHOT takes no parameter: the id is spliced, so it must look like one.
    throw new PromotionError(
      'internal',
      `Invalid snapshot id ${JSON.stringify(opts.snapshotId.slice(0, 40))}.`,
    );
  }
  const controller = new AbortController();
  const onAbort = () => controller.abort(opts.signal?.reason);
  if (opts.signal?.aborted) throw cancelled();
  opts.signal?.addEventListener('abort', onAbort, { once: true });

  const own = opts.snapshotId === undefined ? await exportSnapshot(opts.sourceUrl) : undefined;
  const snapshotId = opts.snapshotId ?? own!.id;
  const tally = new Map<string, TableTally>();
  let firstError: unknown;
  // The first pair reads what every worker shares, once: both servers' versions and the facts
  // for splitting the tables that would serialise the copy.
  let first: CopyPair | undefined;
  let sameMajor = true;
  let queue: CopyUnit[] = [];
  const progress = (table: string, range: number, rows: number, bytes: number) => {
    const t = tally.get(table);
    if (!t) return;
    t.rows[range] = rows;
    t.bytes[range] = bytes;
    opts.onProgress?.(table, sum(t.rows), sum(t.bytes));
  };

  const worker = async (pair: CopyPair | undefined) => {
    try {
      for (let unit = queue.shift(); unit && !controller.signal.aborted; unit = queue.shift()) {
        pair ??= await openPair(opts.sourceUrl, opts.targetUrl, snapshotId, opts.tenantId, sameMajor);
        const { table, range } = unit;
        const format = copyFormat(table, pair.sameMajor);
        const t = tally.get(table.qualified)!;
        t.started ??= Date.now();
        const done = await copyTable(pair, unit, format, controller.signal, progress, opts.guard);
        t.ended = Date.now();
        t.done++;
        if (range) t.rangeRows[range.index] = done.rows;
        Object.assign(t, { format, textAcrossMajors: table.binarySafe && !pair.sameMajor });
        // Failpoint after each committed range (kill or fail with part of the table in the new database).
        if (range) await opts.fault?.(`copy-range:${table.schema}.${table.name}:${range.index}`);
      }
    } catch (e) {
      firstError ??= e;
      controller.abort(e);
    } finally {
      if (pair) {
        // After a failed COPY the sessions are mid-protocol: ending them rolls the target table back.
        await Promise.all([endClient(pair.source), endClient(pair.target)]);
      }
    }
  };

  try {
    first = await openPair(opts.sourceUrl, opts.targetUrl, snapshotId, opts.tenantId);
    sameMajor = first.sameMajor;
    const parallelism = Math.max(1, Math.floor(opts.parallelism) || 1);
    let facts = new Map<string, SplitFacts>();
    try {
      facts = await readSplitFacts(
        first.source,
        opts.split === true ? splitCandidates(opts.tables, parallelism) : [],
        first.sourceMajor,
      );
    } catch (e) {
      await Promise.all([endClient(first.source), endClient(first.target)]);
      throw dbError(e, 'Reading the sizes of the largest tables failed', 'Check the connection and re-run.');
    }
    queue = planCopyUnits(opts.tables, parallelism, facts);
    for (const u of queue) {
      const t = tally.get(u.table.qualified);
      if (t) t.units++;
      else tally.set(u.table.qualified, newTally());
    }
    const count = Math.max(1, Math.min(parallelism, queue.length));
    await Promise.all(Array.from({ length: count }, (_, i) => worker(i === 0 ? first : undefined)));
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
    await own?.release();
  }
  if (opts.signal?.aborted) throw cancelled();
  if (firstError !== undefined) throw firstError;

  const ordered = new Map<string, CopyResult>();
  for (const table of opts.tables) {
    const t = tally.get(table.qualified);
    if (!t) continue;
    if (t.done !== t.units) {
      // Every range committed or the copy failed above; a table missing a range is never reported as copied.
      throw new PromotionError(
        'internal',
        `Copying ${table.qualified}: ${t.done} of ${t.units} ranges copied.`,
      );
    }
    ordered.set(table.qualified, {
      rows: sum(t.rows),
      bytes: sum(t.bytes),
      durationMs: t.started === undefined ? 0 : (t.ended ?? t.started) - t.started,
      format: t.format ?? 'text',
      textAcrossMajors: t.textAcrossMajors ?? false,
      ...(t.units > 1 ? { ranges: t.rangeRows } : {}),
    });
  }
  return ordered;
}

/** What one table's units (the whole table or its ranges) have copied so far, by range index. */
interface TableTally {
  units: number;
  done: number;
  rows: number[];
  bytes: number[];
  rangeRows: number[];
  started?: number;
  ended?: number;
  format?: 'binary' | 'text';
  textAcrossMajors?: boolean;
}

function newTally(): TableTally {
  return { units: 1, done: 0, rows: [], bytes: [], rangeRows: [] };
}

function sum(xs: number[]): number {
  let n = 0;
  for (const x of xs) n += x ?? 0;
  return n;
}

/** Blocks sampled per split candidate to place the range boundaries (balance only, never correctness). */
const SAMPLE_BLOCKS = 300;

/**
 * Facts for splitting the candidates, read on the snapshot's session: the relation's pages (all
 * partitions) and the block numbers of a block sample of the tenant's rows. Nothing is split on
 * a server older than 14, which has no TID range scan (each range would read the whole table).
 */
async function readSplitFacts(
  source: pg.Client,
  candidates: TablePlan[],
  sourceMajor: number,
): Promise<Map<string, SplitFacts>> {
  const facts = new Map<string, SplitFacts>();
  if (sourceMajor < 14) return facts;
  for (const table of candidates) {
    const size = await source.query<{ blocks: string; bs: number }>(
      `SELECT (SELECT coalesce(sum(pg_relation_size(p.relid)), 0) FROM pg_partition_tree($1::text::regclass) p)
              / current_setting('block_size')::bigint AS blocks,
              current_setting('block_size')::int AS bs`,
      [table.qualified],
    );
    const blocks = Number(size.rows[0]!.blocks);
    if (!(blocks > 0)) continue;
    const percent = Math.min(100, (100 * SAMPLE_BLOCKS) / blocks);
    const sample = await source.query<{ b: number[] | null }>(
      `SELECT array_agg((t.ctid::text::point)[0]::bigint) AS b
         FROM ${table.qualified} t TABLESAMPLE SYSTEM ($1::real) WHERE ${perRow(table)}`,
      [percent],
    );
    facts.set(table.qualified, {
      blocks,
      blockSize: size.rows[0]!.bs,
      sample: (sample.rows[0]!.b ?? []).map(Number),
      sampledShare: percent / 100,
    });
  }
  return facts;
}

interface CopyPair {
  source: pg.Client;
  target: pg.Client;
  /** Both servers run the same PostgreSQL major version. */
  sameMajor: boolean;
  sourceMajor: number;
}

/**
 * Binary COPY where it is safe: no user-defined OIDs in the data (plan.ts `binarySafe`), and both
 * servers on the same major version — the binary form of a type is the server's own business
 * and may change between majors, while the text form (with the session settings above) is what
 * every version parses back. A tenant moving onto a newer major is copied as text.
 */
export function copyFormat(table: Pick<TablePlan, 'binarySafe'>, sameMajor: boolean): 'binary' | 'text' {
  return table.binarySafe && sameMajor ? 'binary' : 'text';
}

async function openPair(
  sourceUrl: string,
  targetUrl: string,
  snapshotId: string,
  tenantId: string,
  /** Known from the first pair: the other pairs do not ask the servers again. */
  known?: boolean,
): Promise<CopyPair> {
  const source = await connect(sourceUrl);
  let target: pg.Client | undefined;
  try {
    await source.query(SESSION_SETTINGS);
    // The tenant id is set before the transaction: SET TRANSACTION SNAPSHOT must come first in it.
    await setTenantId(source, tenantId);
    await source.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    await source.query(`SET TRANSACTION SNAPSHOT ${pg.escapeLiteral(snapshotId)}`);
    target = await connect(targetUrl);
    await target.query(SESSION_SETTINGS);
    if (known !== undefined) return { source, target, sameMajor: known, sourceMajor: 0 };
    const [from, to] = await Promise.all([serverMajor(source), serverMajor(target)]);
    return { source, target, sameMajor: from === to, sourceMajor: from };
  } catch (e) {
    await Promise.all([endClient(source), target ? endClient(target) : undefined]);
    throw dbError(
      e,
      'Opening the copy sessions failed',
      'The snapshot is only importable while the plan step holds it open; check max_connections (each copy worker uses two sessions) and re-run.',
    );
  }
}

async function copyTable(
  { source, target }: CopyPair,
  { table, range }: CopyUnit,
  format: 'binary' | 'text',
  signal: AbortSignal,
  onProgress: (table: string, range: number, rows: number, bytes: number) => void,
  guard?: (target: pg.ClientBase) => Promise<void>,
): Promise<Pick<CopyResult, 'rows' | 'bytes' | 'durationMs'>> {
  const started = Date.now();
  const slot = range?.index ?? 0;
  const counter = new CopyCounter(format, (rows, bytes) => onProgress(table.qualified, slot, rows, bytes));
  if (table.columns.length === 0) return { rows: 0, bytes: 0, durationMs: 0 };
  // A range is the tenant predicate and a TID range (copy-ranges.ts); a whole table the predicate
  // alone. A range tests its own rows (perRow): the set form would collect all the tenant's rows
  // of the table for every range.
  const select = range
    ? selectTenantRows({ ...table, where: `(${perRow(table)}) AND ${rangePredicate(range)}` })
    : selectTenantRows(table);
  try {
    await target.query('BEGIN');
    await guard?.(target);
    const into = target.query(
      copyFrom(`COPY ${targetOf(table)} (${table.columns.join(', ')}) FROM STDIN (FORMAT ${format})`),
    );
    const out = source.query(copyTo(`COPY (${select}) TO STDOUT (FORMAT ${format})`));
    await pipeline(out, counter, into, { signal });
    // Each range is verified as a table is: what was streamed is what the new database took.
    if (counter.rows !== into.rowCount) {
      throw new Error(`streamed ${counter.rows} rows but the new database took ${into.rowCount}`);
    }
    await target.query('COMMIT');
    onProgress(table.qualified, slot, into.rowCount, counter.bytes);
    return { rows: into.rowCount, bytes: counter.bytes, durationMs: Date.now() - started };
  } catch (e) {
    if (signal.aborted && !(e instanceof PromotionError && e.code !== 'cancelled')) {
      throw cancelled();
    }
    throw dbError(
      e,
      `Copying ${table.schema}.${table.name} failed${range ? ` (range ${range.index + 1} of ${range.of})` : ''}`,
      range
        ? 'The table was copied in ranges and this one was not committed: the new database holds only part of the table, and the run drops it (a re-run replaces it); fix the cause named above and re-run.'
        : 'Nothing of this table was committed in the new database; fix the cause named above and re-run (the new database is dropped and recreated).',
    );
  }
}

/**
 * Passes COPY data through unchanged, counting bytes and rows: text rows end with a newline
 * (newlines inside values are escaped); binary rows are walked by their length prefixes.
 */
class CopyCounter extends Transform {
  bytes = 0;
  rows = 0;
  private lastReport = 0;
  private readonly binary: BinaryRowCounter | undefined;

  constructor(
    format: 'binary' | 'text',
    private readonly report: (rows: number, bytes: number) => void,
  ) {
    super();
    this.binary = format === 'binary' ? new BinaryRowCounter() : undefined;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.binary) this.rows = this.binary.feed(chunk);
    else for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) this.rows++;
    const now = Date.now();
    if (now - this.lastReport >= PROGRESS_INTERVAL_MS) {
      this.lastReport = now;
      this.report(this.rows, this.bytes);
    }
    cb(null, chunk);
  }
}

/** Counts tuples in a binary COPY stream (header, then per tuple: int16 fields, per field int32 length + data). */
export class BinaryRowCounter {
  rows = 0;
  private state: 'header' | 'tuple' | 'field' | 'done' = 'header';
  private readonly scratch = Buffer.alloc(19);
  private have = 0;
  private skip = 0;
  private fieldsLeft = 0;

  private need(): number {
    return this.state === 'header' ? 19 : this.state === 'tuple' ? 2 : 4;
  }

  feed(chunk: Buffer): number {
    let i = 0;
    while (i < chunk.length && this.state !== 'done') {
      if (this.skip > 0) {
        const n = Math.min(this.skip, chunk.length - i);
        this.skip -= n;
        i += n;
        continue;
      }
      const need = this.need();
      const n = Math.min(need - this.have, chunk.length - i);
      chunk.copy(this.scratch, this.have, i, i + n);
      this.have += n;
      i += n;
      if (this.have < need) break;
      this.have = 0;
      if (this.state === 'header') {
        this.skip = this.scratch.readInt32BE(15);
        this.state = 'tuple';
      } else if (this.state === 'tuple') {
        const fields = this.scratch.readInt16BE(0);
        if (fields === -1) this.state = 'done';
        else {
          this.rows++;
          this.fieldsLeft = fields;
          if (fields > 0) this.state = 'field';
        }
      } else {
        const len = this.scratch.readInt32BE(0);
        if (len > 0) this.skip = len;
        if (--this.fieldsLeft === 0) this.state = 'tuple';
      }
    }
    return this.rows;
  }
}

function cancelled(): PromotionError {
  return new PromotionError(
    'cancelled',
    'The copy was cancelled.',
    'Nothing partial is kept: re-run the promotion.',
  );
}

function dbError(e: unknown, what: string, hint: string): PromotionError {
  if (e instanceof PromotionError) return e;
  const message = e instanceof Error ? e.message : String(e);
  if (/row-level security/i.test(message)) {
    hint =
      'The connecting role is subject to row-level security and would see only part of the rows: connect as a role with BYPASSRLS (or a superuser).';
  }
  return new PromotionError('database', `${what}: ${redact(message)}`, hint, { cause: e });
}

/** Ends a session, forcing the socket closed if the goodbye does not complete promptly. */
async function endClient(client: pg.Client): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    client.end().catch(() => {}),
    new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        (
          client as unknown as { connection?: { stream?: { destroy(): void } } }
        ).connection?.stream?.destroy();
        resolve();
      }, 2000);
    }),
  ]);
  clearTimeout(timer);
}
