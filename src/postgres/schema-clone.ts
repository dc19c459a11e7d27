import pg from 'pg';
import { InputError, PromotionError } from '../errors';
import { readCatalog } from './ddl/catalog';
import { generateScript, mapRole } from './ddl/generate';
import { columnsExtreme, readSequences, zoneStartOf } from './sequence-ranges';

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
}

export interface SchemaScript {
  beforeData: string[];
  afterData: string[];
  /** Source objects the clone does not recreate (e.g. aggregates, operators), one line each. */
  unsupported: string[];
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
  checkRoleName(options.ownerRole, 'owner role');
  for (const [from, to] of options.roleMap) {
    checkRoleName(from, 'source role');
    checkRoleName(to, 'target role');
  }
  let catalog;
  try {
    catalog = await readCatalog(source);
  } catch (e) {
    throw new PromotionError(
      'database',
      `Could not read the shared database's catalog: ${(e as Error).message}`,
      'The connecting role needs to read pg_catalog (it does by default); check the connection.',
      { cause: e },
    );
  }
  return generateScript(catalog, options);
}

const APPLY_BATCH = 200;

/** The first line of a statement, enough to name its object in an error. */
export function describeStatement(sql: string): string {
  const line = sql.trim().split('\n')[0]!.replace(/\s+/g, ' ');
  return line.length > 160 ? `${line.slice(0, 157)}...` : line;
}

/**
 * Runs statements in order on the target, in one transaction (DDL is transactional in
 * PostgreSQL: a failure leaves the target as it was before this phase). Function bodies are not
 * checked at creation (as pg_dump restores them), since they may name objects created later.
 * On error throws PromotionError('database') naming the statement's object.
 */
export async function applyStatements(target: pg.ClientBase, statements: string[]): Promise<void> {
  if (statements.length === 0) return;
  await target.query('BEGIN');
  try {
    await target.query(`SET LOCAL check_function_bodies = off`);
    // The generated DDL is fully qualified; this path only matters to function bodies that run
    // during the apply (index expressions, checks, REFRESH), which the application wrote for it.
    await target.query(`SET LOCAL search_path = "$user", public`);
    // Statements go in batches (one round trip each); a failing batch is rolled back to its
    // savepoint and replayed one statement at a time, so the error still names the statement.
    for (let start = 0; start < statements.length; start += APPLY_BATCH) {
      const batch = statements.slice(start, start + APPLY_BATCH);
      await target.query('SAVEPOINT clone_batch');
      try {
        await target.query(batch.join(';\n'));
        await target.query('RELEASE SAVEPOINT clone_batch');
        continue;
      } catch {
        await target.query('ROLLBACK TO SAVEPOINT clone_batch');
      }
      for (const [j, sql] of batch.entries()) {
        try {
          await target.query(sql);
        } catch (e) {
          const err = e as Error & { code?: string; detail?: string };
          throw new PromotionError(
            'database',
            `Cloning the schema failed at statement ${start + j + 1} of ${statements.length} (${describeStatement(sql)}): ${
              err.message
            }${err.detail ? ` (${err.detail})` : ''}`,
            'The source uses something the clone cannot recreate, or the target database is not empty or a role is missing. The phase was rolled back; the run undoes the new database.',
            { cause: e },
          );
        }
      }
    }
    await target.query('COMMIT');
  } catch (e) {
    await target.query('ROLLBACK').catch(() => undefined);
    throw e;
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
): Promise<{ sequence: string; value: string }[]> {
  const sequences = await readSequences(target);
  const result: { sequence: string; value: string }[] = [];
  for (const s of sequences) {
    const name = qn(s.schema, s.name);
    const ascending = s.increment > 0n;
    const pick = ascending ? bigMax : bigMin;
    // Values the sync may follow: for an ascending sequence, those below the tenants' zone.
    const zone = ascending ? zoneStartOf(s.type) : null;
    const follow = (v: bigint) => zone === null || v < zone;
    const own = s.lastValue;
    let want: bigint | null = own;

    const exists = await source.query<{ r: string | null }>(`SELECT pg_catalog.to_regclass($1)::text AS r`, [
      name,
    ]);
    if (exists.rows[0]?.r) {
      // pg_sequences needs USAGE (what a managed admin is granted), not SELECT on the sequence;
      // last_value is NULL until the sequence is first used (or when even USAGE is missing —
      // prevalidation names that grant).
      const src = await source.query<{ last_value: string | null }>(
        `SELECT last_value::text AS last_value FROM pg_catalog.pg_sequences WHERE schemaname = $1 AND sequencename = $2`,
        [s.schema, s.name],
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
