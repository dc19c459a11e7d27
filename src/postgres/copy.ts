import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { PromotionError } from '../errors';
import { redact } from '../secrets';
import { connect, setTenantId } from './connect';
import { selectTenantRows, targetOf, type TablePlan } from './plan-types';
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
  /** Tables copied at once, each worker with its own source and target session. */
  parallelism: number;
  signal?: AbortSignal;
  /** At most every ~250 ms per table while it streams, and once when it is committed. */
  onProgress?(table: string, rows: number, bytes: number): void;
  /** Runs first in each table's transaction on the target and may throw: fencing (ownership.ts). */
  guard?: (target: pg.ClientBase) => Promise<void>;
}

export interface CopyResult {
  rows: number;
  bytes: number;
  durationMs: number;
  format: 'binary' | 'text';
  /** Copied as text only because the target runs another major version (see copyFormat). */
  textAcrossMajors: boolean;
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
  const queue = [...opts.tables];
  if (opts.parallelism > 1 && queue.every((t) => t.bytes !== undefined)) {
    // Longest first keeps the workers busy until the end.
    queue.sort((a, b) => (b.bytes ?? 0) - (a.bytes ?? 0));
  }
  const results = new Map<string, CopyResult>();
  let firstError: unknown;

  const worker = async () => {
    let pair: CopyPair | undefined;
    try {
      for (let table = queue.shift(); table && !controller.signal.aborted; table = queue.shift()) {
        pair ??= await openPair(opts.sourceUrl, opts.targetUrl, snapshotId, opts.tenantId);
        const format = copyFormat(table, pair.sameMajor);
        const done = await copyTable(pair, table, format, controller.signal, opts.onProgress, opts.guard);
        results.set(table.qualified, {
          ...done,
          format,
          textAcrossMajors: table.binarySafe && !pair.sameMajor,
        });
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
    const count = Math.max(1, Math.min(Math.floor(opts.parallelism) || 1, opts.tables.length));
    await Promise.all(Array.from({ length: count }, worker));
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
    await own?.release();
  }
  if (opts.signal?.aborted) throw cancelled();
  if (firstError !== undefined) throw firstError;

  const ordered = new Map<string, CopyResult>();
  for (const t of opts.tables) {
    const r = results.get(t.qualified);
    if (r) ordered.set(t.qualified, r);
  }
  return ordered;
}

interface CopyPair {
  source: pg.Client;
  target: pg.Client;
  /** Both servers run the same PostgreSQL major version. */
  sameMajor: boolean;
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
    const [from, to] = [await serverMajor(source), await serverMajor(target)];
    return { source, target, sameMajor: from === to };
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
  table: TablePlan,
  format: 'binary' | 'text',
  signal: AbortSignal,
  onProgress?: (table: string, rows: number, bytes: number) => void,
  guard?: (target: pg.ClientBase) => Promise<void>,
): Promise<Pick<CopyResult, 'rows' | 'bytes' | 'durationMs'>> {
  const started = Date.now();
  const counter = new CopyCounter(format, (rows, bytes) => onProgress?.(table.qualified, rows, bytes));
  if (table.columns.length === 0) return { rows: 0, bytes: 0, durationMs: 0 };
  try {
    await target.query('BEGIN');
    await guard?.(target);
    const into = target.query(
      copyFrom(`COPY ${targetOf(table)} (${table.columns.join(', ')}) FROM STDIN (FORMAT ${format})`),
    );
    const out = source.query(copyTo(`COPY (${selectTenantRows(table)}) TO STDOUT (FORMAT ${format})`));
    await pipeline(out, counter, into, { signal });
    if (counter.rows !== into.rowCount) {
      throw new Error(`streamed ${counter.rows} rows but the new database took ${into.rowCount}`);
    }
    await target.query('COMMIT');
    onProgress?.(table.qualified, into.rowCount, counter.bytes);
    return { rows: into.rowCount, bytes: counter.bytes, durationMs: Date.now() - started };
  } catch (e) {
    if (signal.aborted && !(e instanceof PromotionError && e.code !== 'cancelled')) {
      throw cancelled();
    }
    throw dbError(
      e,
      `Copying ${table.schema}.${table.name} failed`,
      'Nothing of this table was committed in the new database; fix the cause named above and re-run (the new database is dropped and recreated).',
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
