import pg from 'pg';
import { InputError, PromotionError } from '../errors';
import { readCatalog, type Catalog, type CloneBlocker } from './ddl/catalog';
import { generateScript, mapRole, type AfterDataStage } from './ddl/generate';
import { translateCatalog } from './ddl/translate';
import { columnsExtreme, readSequences, zoneStartOf } from './sequence-ranges';
import { mapCatalog, mapScriptStatements, unmappedNames, type SchemaLayout } from './schema-layout';

/**
 * Clones the schema of the shared database into the tenant's database, in two phases around
 * the data copy. DDL comes from catalog introspection of the source (pg_get_*def where
 * PostgreSQL offers one), is ordered by pg_depend, and never embeds data.
 *
 * beforeData: schemas, extensions, types, sequences, tables (columns, defaults, identity,
 * generated columns, NOT NULL, collations, partitions attached with their bounds), functions,
 * views, materialized views (WITH NO DATA), RLS flags, policies, ownership, grants, comments.
 * afterData: keys and exclusion constraints, indexes (partition indexes attached), checks,
 * foreign keys (NOT VALID, then VALIDATE), views that need a constraint, triggers, rules,
 * extended statistics, sequence OWNED BY, REFRESH MATERIALIZED VIEW.
 */
export interface CloneOptions {
  /** NOLOGIN role that must own every cloned object. It exists already. */
  ownerRole: string;
  /**
   * Source role -> target role for GRANTs and RLS policy roles. Rule: PUBLIC stays PUBLIC, a
   * mapped role becomes its target, any other role is dropped (from GRANTs, and from a policy's
   * TO list; a policy whose TO list ends up empty is not created — it could never apply).
   */
  roleMap: Map<string, string>;
  /** Tables the plan leaves out (TenantPlan.skipped): not cloned, nor their keys, indexes, triggers, policies. */
  leaveOut?: readonly { schema: string; name: string }[];
  /** The target server's `server_version_num`, when it is another server (it may be a newer major). */
  targetVersion?: number;
  /**
   * Schema level (issue 21): the tenant's schemas renamed to their targets (schema-layout.ts),
   * into a new database or into the shared one. Absent: every object keeps its qualified name
   * (database level).
   */
  schemaLayout?: { layout: SchemaLayout; into: 'new-database' | 'shared-database' };
}

export interface SchemaScript {
  beforeData: string[];
  afterData: string[];
  /** How afterData may run on several sessions at once (ddl/generate.ts AfterDataStage). */
  afterDataStages: AfterDataStage[];
  /** Source objects the clone leaves out without harm (publications, event triggers…), one line each. */
  unsupported: string[];
  /** Source objects the clone cannot recreate, with their dependents: the promotion is refused. */
  blockers: CloneBlocker[];
  /** What the clone translates for a newer target major, one line per rule (ddl/translate.ts). */
  translations: string[];
  /** Schema level: the search_path to apply the script with (applyStatements). */
  searchPath?: string[];
}

const MAX_IDENTIFIER_BYTES = 63;

function checkRoleName(role: string, what: string): void {
  if (!role || role.includes('\u0000') || Buffer.byteLength(role) > MAX_IDENTIFIER_BYTES) {
    throw new InputError(
      `The ${what} "${role}" is not a valid PostgreSQL role name.`,
      `Use a non-empty name of at most ${MAX_IDENTIFIER_BYTES} bytes.`,
    );
  }
}

/** Reads the source's catalog and returns DDL statements. Pure generation after the catalog read. */
export async function buildSchemaScript(source: pg.ClientBase, options: CloneOptions): Promise<SchemaScript> {
  return scriptFor(await readSourceCatalog(source, options.leaveOut), options);
}

/** The source's catalog as the clone sees it (without the tables the plan leaves out). */
export async function readSourceCatalog(
  source: pg.ClientBase,
  leaveOut: CloneOptions['leaveOut'] = [],
): Promise<Catalog> {
  try {
    return await readCatalog(source, new Set(leaveOut.map((t) => `${t.schema}.${t.name}`)));
  } catch (e) {
    throw new PromotionError(
      'database',
      `Could not read the shared database's catalog: ${(e as Error).message}`,
      'The connecting role needs to read pg_catalog (it does by default); check the connection.',
      { cause: e },
    );
  }
}

/** The DDL of a catalog for one owner and role map (pure). */
export function scriptFor(catalog: Catalog, options: CloneOptions): SchemaScript {
  checkRoleName(options.ownerRole, 'owner role');
  for (const [from, to] of options.roleMap) {
    checkRoleName(from, 'source role');
    checkRoleName(to, 'target role');
  }
  const { catalog: translated, translations } = translateCatalog(catalog, options.targetVersion);
  const at = options.schemaLayout;
  if (!at) return { ...generateScript(translated, options), translations };
  // Schema level: the schemas renamed in the model, then every qualified name of the tenant's
  // objects in the deparsed text (bodies and literals untouched: schemaRefusals refuses bodies
  // that name a source schema).
  const script = generateScript(mapCatalog(translated, at.layout, at.into), options);
  const beforeData = mapScriptStatements(script.beforeData, translated, at.layout);
  const afterData = mapScriptStatements(script.afterData, translated, at.layout);
  const left = unmappedNames([...beforeData, ...afterData], translated, at.layout);
  if (left.length)
    throw new PromotionError(
      'internal',
      `The clone into the tenant's schemas still names ${left.slice(0, 10).join(', ')} in a source schema; nothing was created.`,
      'Report this with the object named: the schema mapping does not cover how PostgreSQL writes it.',
    );
  return { ...script, beforeData, afterData, translations, searchPath: at.layout.searchPath };
}

const APPLY_BATCH = 200;

/** The first line of a statement, enough to name its object in an error. */
export function describeStatement(sql: string): string {
  const line = sql.trim().split('\n')[0]!.replace(/\s+/g, ' ');
  return line.length > 160 ? `${line.slice(0, 157)}...` : line;
}

/** What node-postgres gives of a server error: SQLSTATE and the fields that name objects. */
export interface CloneError {
  message: string;
  code?: string;
  detail?: string;
  constraint?: string;
  table?: string;
  column?: string;
}

const QUOTED_NAME = String.raw`(?:"(?:[^"]|"")*"|[A-Za-z_][\w$]*)`;
const OBJECT_RE = new RegExp(
  String.raw`^\s*(?:CREATE|ALTER)\s+(?:OR\s+REPLACE\s+)?(?:UNIQUE\s+)?(?:UNLOGGED\s+)?` +
    String.raw`(MATERIALIZED\s+VIEW|VIEW|TABLE|INDEX|FUNCTION|PROCEDURE|AGGREGATE|TYPE|DOMAIN|SEQUENCE|TRIGGER|POLICY|RULE|SCHEMA|EXTENSION|STATISTICS|OPERATOR|CAST)\s+` +
    String.raw`(?:IF\s+NOT\s+EXISTS\s+|IF\s+EXISTS\s+|ONLY\s+|CONCURRENTLY\s+)*(${QUOTED_NAME}(?:\.${QUOTED_NAME})?)`,
  'i',
);
const CONSTRAINT_RE = new RegExp(String.raw`\b(?:ADD|VALIDATE)\s+CONSTRAINT\s+(${QUOTED_NAME})`, 'i');

/** The object a generated statement creates or alters, e.g. `view "public"."film_list"`. */
export function statementObject(sql: string): string | undefined {
  const m = OBJECT_RE.exec(sql);
  if (!m) return undefined;
  const kind = m[1]!.replace(/\s+/g, ' ').toLowerCase();
  const constraint = kind === 'table' ? CONSTRAINT_RE.exec(sql)?.[1] : undefined;
  return constraint ? `constraint ${constraint} of table ${m[2]}` : `${kind} ${m[2]}`;
}

/** What a failed apply leaves, said in its hint (a rehearsal says its own). */
const APPLY_UNDO = 'The phase was rolled back; the run undoes the new database.';

/**
 * The hint of a failed clone statement, by the error's SQLSTATE: a name already taken (the
 * target is not empty), a missing role, data the tenant's rows do not satisfy, an object the
 * statement depends on that the clone did not create — each with the object it concerns;
 * anything else names the statement.
 */
export function cloneFailureHint(
  err: CloneError,
  sql: string,
  index: number,
  total: number,
  undo = APPLY_UNDO,
): string {
  const code = err.code ?? '';
  const named = statementObject(sql);
  const object = named ?? `the object of statement ${index} of ${total}`;
  const The = named ? `The ${named}` : `The object of statement ${index} of ${total}`;
  // 42P07 duplicate_table, 42710 duplicate_object, 42P06 duplicate_schema, 42723 duplicate_function, 42P16…
  if (['42P07', '42710', '42P06', '42723', '42P04', '42712'].includes(code))
    return `The target database already has ${object}: it is not empty (a leftover of an earlier run, or a template with objects). ${undo} Drop or rename the leftover database, then re-run.`;
  if (code === '42704' && /\brole\b/i.test(err.message))
    return `${The} names a role that does not exist on the target server. ${undo} Create the role there, then re-run.`;
  // Class 23: integrity constraint violation; class 22: data exception — the data, not the schema.
  if (code.startsWith('23') || code.startsWith('22')) {
    const on = [
      err.constraint && `constraint ${err.constraint}`,
      err.table && `table ${err.table}`,
      err.column && `column ${err.column}`,
    ]
      .filter(Boolean)
      .join(' of ');
    return `The tenant's copied rows do not satisfy ${object}${on && !object.startsWith('constraint') ? ` (${on})` : ''}: it depends on data the promotion did not copy (rows of another tenant or of a table left out) or the shared rows already break it (a NOT VALID constraint, a check added later). ${undo} Fix the rows named in the detail in the shared database, then re-run.`;
  }
  // 42883 undefined function/operator, 42704 undefined object (type, collation…), 42P01 undefined table.
  if (['42883', '42704', '42P01', '42703'].includes(code)) {
    const missing = /^(.*?) does not exist/.exec(err.message)?.[1] ?? 'an object';
    return `${The} depends on ${missing}, which the clone did not create (an object it cannot recreate — see the notes — or one of an extension that is not installed on the target). ${undo} Drop or recreate that dependency in the shared database (or remove ${object}), then re-run.`;
  }
  return `Statement ${index} of ${total}${named ? ` (${named})` : ''} failed on the target database${code ? ` with SQLSTATE ${code}` : ''}. ${undo} The message above names the cause.`;
}

/**
 * Runs statements in order on the target, in one transaction (DDL is transactional in
 * PostgreSQL: a failure leaves the target as it was before this phase). Function bodies are not
 * checked at creation (as pg_dump restores them), since they may name objects created later.
 * On error throws PromotionError('database') naming the statement's object.
 */
export async function applyStatements(
  target: pg.ClientBase,
  statements: string[],
  /** What the failure leaves behind, for the hint (default: the phase rolled back, the run undoes). */
  undo = APPLY_UNDO,
  /**
   * Schema level: the tenant's search_path (SchemaScript.searchPath). Function bodies that run
   * during the apply (a REFRESH, an index expression, a check) then find the tenant's tables by
   * their bare names — with the default path, in the shared database, they would read the
   * shared ones into the tenant's objects.
   */
  searchPath?: readonly string[],
  /**
   * `rollback`: a rehearsal in the shared database itself — everything applied, then rolled
   * back, so no other session ever sees it. `lockTimeoutMs` then bounds any wait for a lock.
   */
  opts: {
    end?: 'commit' | 'rollback';
    lockTimeoutMs?: number;
    /** Set when another session's unit failed (applyAfterData): no further statement is sent. */
    stop?: AbortSignal;
    /** The statements' positions in the whole phase and its length, for the error's "statement i of n". */
    positions?: readonly number[];
    total?: number;
  } = {},
): Promise<void> {
  if (statements.length === 0) return;
  const total = opts.total ?? statements.length;
  const position = (i: number) => (opts.positions?.[i] ?? i) + 1;
  const stopped = () => {
    if (opts.stop?.aborted) throw new AfterDataStopped();
  };
  await target.query('BEGIN');
  try {
    if (opts.lockTimeoutMs !== undefined)
      await target.query(`SELECT set_config('lock_timeout', $1, true)`, [`${opts.lockTimeoutMs}ms`]);
    await target.query(`SET LOCAL check_function_bodies = off`);
    // The generated DDL is fully qualified; this path only matters to function bodies that run
    // during the apply (index expressions, checks, REFRESH), which the application wrote for it.
    if (searchPath?.length)
      await target.query(`SELECT set_config('search_path', $1, true)`, [
        searchPath.map((s) => pg.escapeIdentifier(s)).join(', '),
      ]);
    else await target.query(`SET LOCAL search_path = "$user", public`);
    // Statements go in batches (one round trip each); a failing batch is rolled back to its
    // savepoint and replayed one statement at a time, so the error still names the statement.
    for (let start = 0; start < statements.length; start += APPLY_BATCH) {
      const batch = statements.slice(start, start + APPLY_BATCH);
      stopped();
      await target.query('SAVEPOINT clone_batch');
      try {
        await target.query(batch.join(';\n'));
        await target.query('RELEASE SAVEPOINT clone_batch');
        continue;
      } catch {
        await target.query('ROLLBACK TO SAVEPOINT clone_batch');
      }
      for (const [j, sql] of batch.entries()) {
        stopped();
        try {
          await target.query(sql);
        } catch (e) {
          const err = e as CloneError;
          throw new PromotionError(
            'database',
            `Cloning the schema failed at statement ${position(start + j)} of ${total} (${describeStatement(sql)}): ${
              err.message
            }${err.detail ? ` (${err.detail})` : ''}`,
            cloneFailureHint(err, sql, position(start + j), total, undo),
            { cause: e },
          );
        }
      }
    }
    await target.query(opts.end === 'rollback' ? 'ROLLBACK' : 'COMMIT');
  } catch (e) {
    await target.query('ROLLBACK').catch(() => undefined);
    throw e;
  }
}

/** A unit given up because another one failed (its own error, if any, is not the cause). */
class AfterDataStopped extends Error {
  constructor() {
    super('stopped: another statement of the phase failed');
  }
}

/**
 * Applies the after-data phase (SchemaScript.afterDataStages) on the given sessions, all on the
 * target: stages in order; within a stage, each session takes the next unit, largest table
 * first (`tableBytes`), so the builds that read most data start first and the others fill in
 * beside them. Every unit is its own transaction (applyStatements): a failed unit is rolled
 * back, the statements other sessions are running are cancelled and no further unit starts;
 * the error is the failed statement's, numbered in afterData. What other units committed stays
 * for the step's undo, which drops the database (or, schema level, the tenant's schemas).
 * `onStage` hears each stage's label and time, for the log.
 */
export async function applyAfterData(
  sessions: readonly pg.ClientBase[],
  script: Pick<SchemaScript, 'afterData' | 'afterDataStages' | 'searchPath'>,
  opts: {
    tableBytes?: ReadonlyMap<string, number>;
    onStage?: (label: string, units: number, ms: number) => void;
  } = {},
): Promise<void> {
  if (sessions.length === 0) throw new Error('applyAfterData needs a session');
  const pids = await Promise.all(
    sessions.map(
      async (s) => (await s.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid,
    ),
  );
  const total = script.afterData.length;
  const bytes = (u: AfterDataStage['units'][number]) =>
    (u.table && opts.tableBytes?.get(`${u.table.schema}.${u.table.name}`)) ?? 0;
  for (const stage of script.afterDataStages) {
    const started = Date.now();
    // Stable: units of equal (or unknown) size keep the script's order.
    const queue = stage.units.map((u, i) => ({ u, i })).sort((a, b) => bytes(b.u) - bytes(a.u) || a.i - b.i);
    const stop = new AbortController();
    const busy = new Set<number>();
    let failure: unknown;
    const worker = async (w: number) => {
      for (let next = queue.shift(); next && !stop.signal.aborted; next = queue.shift()) {
        busy.add(w);
        try {
          await applyStatements(
            sessions[w]!,
            next.u.statements.map((i) => script.afterData[i]!),
            undefined,
            script.searchPath,
            { stop: stop.signal, positions: next.u.statements, total },
          );
        } catch (e) {
          busy.delete(w);
          if (stop.signal.aborted) return; // cancelled because another unit failed
          failure = e;
          stop.abort();
          // This session is idle again (its unit rolled back): it cancels the others' statements.
          const running = [...busy].map((b) => pids[b]!);
          if (running.length)
            await sessions[w]!.query('SELECT pg_catalog.pg_cancel_backend(pid) FROM unnest($1::int[]) pid', [
              running,
            ]).catch(() => undefined);
          return;
        }
        busy.delete(w);
      }
    };
    await Promise.all(
      sessions.slice(0, Math.min(sessions.length, stage.units.length)).map((_, w) => worker(w)),
    );
    if (failure !== undefined) throw failure;
    opts.onStage?.(stage.label, stage.units.length, Date.now() - started);
  }
}

const qn = (schema: string, name: string) => `${pg.escapeIdentifier(schema)}.${pg.escapeIdentifier(name)}`;

const bigMax = (a: bigint | null, b: bigint | null) => (a === null ? b : b === null ? a : a > b ? a : b);
const bigMin = (a: bigint | null, b: bigint | null) => (a === null ? b : b === null ? a : a < b ? a : b);

/**
 * Sets every target sequence to at least the source's current value and at least the max value
 * in the column it feeds, and never lowers it. Descending sequences are set at most the source's
 * value and the column's minimum. A sequence the source never used and whose columns are empty
 * is left as created. Returns the sequences it set.
 *
 * Sequence ranges (see sequence-ranges.ts): for an ascending sequence, values inside the tenants'
 * zone of its type (the ranges the register gives isolated tenants) are not followed — neither
 * the source sequence's value (an isolated tenant's sequence sits in its range) nor column values
 * there (rows a tenant inserted while isolated carry ids from its range). So the rollback's
 * `syncSequences(isolated, shared)` leaves the shared sequence past the shared side's own ids
 * and never lifts it into a range the register has given away; the clone's
 * `syncSequences(shared, tenant)` sets the copy below the zone, and the switch then gives it the
 * tenant's range (applySequenceRanges).
 */
export async function syncSequences(
  source: pg.ClientBase,
  target: pg.ClientBase,
  /** Schema level: target schema → the source schema it was mapped from (the shared side's name). */
  sourceSchemas?: ReadonlyMap<string, string>,
): Promise<{ sequence: string; value: string }[]> {
  // Schema level: the tenant's schemas only (in the shared database the shared ones are beside them).
  const sequences = await readSequences(target, sourceSchemas && [...sourceSchemas.keys()]);
  const result: { sequence: string; value: string }[] = [];
  for (const s of sequences) {
    const name = qn(s.schema, s.name);
    const sourceSchema = sourceSchemas?.get(s.schema) ?? s.schema;
    const sourceName = qn(sourceSchema, s.name);
    const ascending = s.increment > 0n;
    const pick = ascending ? bigMax : bigMin;
    // Values the sync may follow: for an ascending sequence, those below the tenants' zone.
    const zone = ascending ? zoneStartOf(s.type) : null;
    const follow = (v: bigint) => zone === null || v < zone;
    const own = s.lastValue;
    let want: bigint | null = own;

    const exists = await source.query<{ r: string | null }>(`SELECT pg_catalog.to_regclass($1)::text AS r`, [
      sourceName,
    ]);
    if (exists.rows[0]?.r) {
      // pg_sequences needs USAGE (what a managed admin is granted), not SELECT on the sequence;
      // last_value is NULL until the sequence is first used (or when even USAGE is missing —
      // prevalidation names that grant).
      const src = await source.query<{ last_value: string | null }>(
        `SELECT last_value::text AS last_value FROM pg_catalog.pg_sequences WHERE schemaname = $1 AND sequencename = $2`,
        [sourceSchema, s.name],
      );
      const last = src.rows[0]?.last_value;
      if (last != null && follow(BigInt(last))) want = pick(want, BigInt(last));
    }
    const v = ascending
      ? await columnsExtreme(target, s, 'max', undefined, zone! - 1n)
      : await columnsExtreme(target, s, 'min');
    if (v !== null) want = pick(want, v);
    if (want === null) continue;
    if (want < s.min) want = s.min;
    if (want > s.max) want = s.max;
    if (own !== null && want === own) continue; // already there: never lowered, nothing to set
    await target.query(`SELECT pg_catalog.setval($1::pg_catalog.regclass, $2::bigint, true)`, [
      name,
      want.toString(),
    ]);
    result.push({ sequence: `${s.schema}.${s.name}`, value: want.toString() });
  }
  return result;
}

export { mapRole };
