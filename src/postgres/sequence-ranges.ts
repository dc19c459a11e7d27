import pg from 'pg';
import { userSchemaSql } from './tool-schemas';
import { PromotionError } from '../errors';
import { SequenceRangeRecord } from '../pipeline/tenant-state';
import { assertOwner } from './ownership';
import { quoteQualified } from './sql';

/**
 * Sequence ranges: ids that never collide between the shared database and its isolated tenants.
 *
 * After a promotion the shared database's sequences and the tenant database's copies would go on
 * from the same value, so the same id would be handed out twice (and a rollback would fail with a
 * duplicate key). Instead, every integer type's value space is split in two:
 *
 *   [1, zoneStart)            the shared side's, untouched (the application's sequences go on there)
 *   [zoneStart, type max]     the tenants' zone, cut into equal ranges; slot k owns the k-th range
 *
 * THE REGISTER is each tenant's row of the tenants table: `settings.isolation.sequence_range`
 * holds its slot. Why there and not in a table of the tool's own (e.g.
 * `_tenant_isolation.sequence_ranges`) in the shared database: on managed PostgreSQL the admin
 * role often lacks CREATE on the shared database, while it must already be able to update the
 * tenants row (the run's claim, the switch); the slot then lives and dies with the tenant it
 * belongs to, and survives rollbacks and re-promotions like the rest of `settings.isolation` (a
 * re-promotion reuses its slot). Allocation scans every tenant's row for the slots in use, under a
 * transaction-level advisory lock on one fixed key, so two tenants' promotions running at the same
 * time can never take the same slot.
 *
 * Sizes (RANGE_LAYOUT): every bigint id stays below 2^53, the largest integer JavaScript (JSON
 * parsers, browsers, Node) represents exactly — ids handed to a front end must not round. The
 * zone starts at 2^50 (the shared side keeps 1.1 × 10^15 ids below it: a table inserting 10,000
 * rows a second takes 3,500 years to get there) and a range is 2^36 ids (6.9 × 10^10: a tenant
 * inserting 1,000 rows a second into one table needs two years to use it), so the zone holds
 * 114,688 slots. An
 * integer (int4) range is 2^22 ids (4.2 million) above 2^30, 256 slots; smallint 64 ids above 2^14,
 * 256 slots: int4 and int2 keys are a plan warning (widen them to bigint).
 *
 * Only ascending sequences without CYCLE can be given a range: a CYCLE sequence hands out the
 * same ids again by design, and a descending one would run out of its range at once; both are
 * refused at the plan, before anything is created, with the remedy.
 */

export type IntType = 'smallint' | 'integer' | 'bigint';

export const RANGE_LAYOUT_VERSION = 1;

export const RANGE_LAYOUT: Record<IntType, { zoneStart: bigint; size: bigint; typeMax: bigint }> = {
  // typeMax: the top of the zone (for bigint, 2^53 − 1, not the type's own maximum: see above).
  bigint: { zoneStart: 2n ** 50n, size: 2n ** 36n, typeMax: 2n ** 53n - 1n },
  integer: { zoneStart: 2n ** 30n, size: 2n ** 22n, typeMax: 2n ** 31n - 1n },
  smallint: { zoneStart: 2n ** 14n, size: 2n ** 6n, typeMax: 2n ** 15n - 1n },
};

/** Fixed advisory-lock key of allocation (first key differs from the per-tenant lock's 0x7e4a47). */
const RANGE_LOCK = [0x7e4a48, 1] as const;

export function zoneStartOf(type: IntType): bigint {
  return RANGE_LAYOUT[type].zoneStart;
}

export function slotsOf(type: IntType): bigint {
  const l = RANGE_LAYOUT[type];
  return (l.typeMax - l.zoneStart + 1n) / l.size;
}

/** The range slot `slot` owns in `type`'s zone; undefined when the zone has no such slot. */
export function rangeFor(type: IntType, slot: number): { first: bigint; last: bigint } | undefined {
  if (!Number.isInteger(slot) || slot < 1 || BigInt(slot) > slotsOf(type)) return undefined;
  const l = RANGE_LAYOUT[type];
  const first = l.zoneStart + BigInt(slot - 1) * l.size;
  return { first, last: first + l.size - 1n };
}

/** Whether `v` lies in the range of some slot of `type` (the tenants' zone). */
export function inZone(type: IntType, v: bigint): boolean {
  return v >= RANGE_LAYOUT[type].zoneStart;
}

export interface SequenceInfo {
  schema: string;
  name: string;
  /** `schema.name`, unquoted (register key, messages). */
  label: string;
  /** Quoted, for SQL. */
  qualified: string;
  seqType: IntType;
  /** The narrowest of the sequence's type and the integer types of the columns it feeds. */
  type: IntType;
  increment: bigint;
  min: bigint;
  max: bigint;
  cycle: boolean;
  /** last_value when the sequence was used (is_called), else null. */
  lastValue: bigint | null;
  columns: { schema: string; table: string; column: string; type: string; identity: boolean }[];
  /**
   * Why the sequence gets no range (it keeps the shared side's numbering in the tenant's
   * database): it feeds no column through a default or ownership (an application's
   * `nextval('invoice_no')` — its values may be stored anywhere, and a jump could overflow them
   * or break a visible number series), or a `numeric(p, s)` column it feeds cannot hold the
   * range. Undefined: it is given its range at the switch.
   */
  noRange?: string;
}

const qi = pg.escapeIdentifier;
const qn = (schema: string, name: string) => `${qi(schema)}.${qi(name)}`;
const WIDTH: Record<string, number> = { smallint: 2, integer: 4, bigint: 8, numeric: 8 };

/** The largest integer a `numeric(p, s)` column holds (unbounded without a type modifier). */
function numericMax(typmod: number): bigint {
  if (typmod < 4) return 2n ** 63n;
  const precision = ((typmod - 4) >> 16) & 0xffff;
  const scale = (typmod - 4) & 0xffff;
  return 10n ** BigInt(Math.max(0, precision - scale)) - 1n;
}

function asIntType(t: string): IntType {
  return t === 'smallint' || t === 'integer' ? t : 'bigint';
}

/**
 * Every sequence of the database the client is on (not the system's, not the tool's own schema,
 * not an extension's), with the integer columns it feeds: owned sequences (serial, identity)
 * and `nextval(...)` defaults.
 */
export async function readSequences(
  client: pg.ClientBase,
  /**
   * Schema level: only these schemas (the tenant's). In the shared database they sit beside the
   * shared sequences, which must never be read as the tenant's.
   */
  only?: readonly string[],
): Promise<SequenceInfo[]> {
  const { rows } = await client.query<{
    schema: string;
    name: string;
    seq_type: string;
    increment: string;
    min: string;
    max: string;
    cycle: boolean;
    last_value: string | null;
    columns: {
      schema: string;
      table: string;
      column: string;
      type: string;
      identity: boolean;
      typmod: number;
    }[];
  }>(
    `SELECT n.nspname AS schema, c.relname AS name, pg_catalog.format_type(s.seqtypid, NULL) AS seq_type,
            s.seqincrement::text AS increment, s.seqmin::text AS min, s.seqmax::text AS max, s.seqcycle AS cycle,
            -- Read per sequence listed only: pg_sequences would lock every sequence of the database,
            -- the tenant's beside the shared ones too (schema level into the shared database),
            -- which the switch then alters while this transaction is open.
            CASE WHEN pg_catalog.has_sequence_privilege(c.oid, 'SELECT,USAGE')
                 THEN pg_catalog.pg_sequence_last_value(c.oid)::text END AS last_value,
            coalesce((SELECT json_agg(DISTINCT jsonb_build_object('schema', tn.nspname, 'table', t.relname, 'column', a.attname,
                                'type', pg_catalog.format_type(CASE WHEN ty.typbasetype <> 0 THEN ty.typbasetype ELSE ty.oid END, NULL),
                                'identity', a.attidentity <> '', 'typmod', a.atttypmod))
              FROM (SELECT d.refobjid AS relid, d.refobjsubid AS attnum FROM pg_catalog.pg_depend d
                    WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objid = c.oid
                      AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.deptype IN ('a', 'i') AND d.refobjsubid > 0
                    UNION
                    SELECT ad.adrelid, ad.adnum FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_attrdef ad ON ad.oid = d.objid
                    WHERE d.classid = 'pg_catalog.pg_attrdef'::pg_catalog.regclass
                      AND d.refclassid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.refobjid = c.oid) f
              JOIN pg_catalog.pg_class t ON t.oid = f.relid JOIN pg_catalog.pg_namespace tn ON tn.oid = t.relnamespace
              JOIN pg_catalog.pg_attribute a ON a.attrelid = f.relid AND a.attnum = f.attnum
              JOIN pg_catalog.pg_type ty ON ty.oid = a.atttypid
              WHERE t.relkind IN ('r', 'p') AND NOT t.relispartition
                AND (CASE WHEN ty.typbasetype <> 0 THEN ty.typbasetype ELSE ty.oid END) IN (20, 21, 23, 1700)), '[]'::json) AS columns
       FROM pg_catalog.pg_class c JOIN pg_catalog.pg_sequence s ON s.seqrelid = c.oid
       JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind = 'S' AND NOT pg_catalog.pg_is_other_temp_schema(n.oid) AND ${only ? `n.nspname::text = ANY ($1::text[])` : userSchemaSql('n')}
        AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend e WHERE e.classid = 'pg_catalog.pg_class'::pg_catalog.regclass
                        AND e.objid = c.oid AND e.deptype = 'e')
      ORDER BY n.nspname, c.relname`,
    only ? [only] : [],
  );
  return rows.map((r) => {
    const seqType = asIntType(r.seq_type);
    let type: IntType = seqType;
    for (const col of r.columns) {
      const t = asIntType(col.type);
      if ((WIDTH[t] ?? 8) < WIDTH[type]!) type = t;
    }
    const narrow = r.columns.find(
      (c) => c.type === 'numeric' && numericMax(c.typmod) < RANGE_LAYOUT.bigint.typeMax,
    );
    const noRange =
      r.columns.length === 0
        ? 'it feeds no column through a default or ownership'
        : narrow
          ? `column ${narrow.schema}.${narrow.table}.${narrow.column} (numeric) cannot hold the tenants' range`
          : undefined;
    return {
      schema: r.schema,
      name: r.name,
      label: `${r.schema}.${r.name}`,
      qualified: qn(r.schema, r.name),
      seqType,
      type,
      ...(noRange && { noRange }),
      increment: BigInt(r.increment),
      min: BigInt(r.min),
      max: BigInt(r.max),
      cycle: r.cycle,
      lastValue: r.last_value === null ? null : BigInt(r.last_value),
      columns: r.columns,
    };
  });
}

/**
 * The largest (`max`) or smallest (`min`) value of the columns a sequence feeds, within [lo, hi]
 * (either bound optional). Bounds are literals computed here, never input.
 */
export async function columnsExtreme(
  client: pg.ClientBase,
  seq: Pick<SequenceInfo, 'columns'>,
  agg: 'max' | 'min',
  lo?: bigint,
  hi?: bigint,
): Promise<bigint | null> {
  let best: bigint | null = null;
  for (const c of seq.columns) {
    const col = qi(c.column);
    const where = [
      lo !== undefined ? `${col} >= ${lo.toString()}` : undefined,
      hi !== undefined ? `${col} <= ${hi.toString()}` : undefined,
    ].filter(Boolean);
    const round = agg === 'max' ? 'ceil' : 'floor';
    const { rows } = await client.query<{ v: string | null }>(
      `SELECT ${round}(${agg}(${col})::numeric)::text AS v FROM ${qn(c.schema, c.table)}${
        where.length ? ` WHERE ${where.join(' AND ')}` : ''
      }`,
    );
    const v = rows[0]?.v;
    if (v == null) continue;
    const n = BigInt(v);
    if (best === null || (agg === 'max' ? n > best : n < best)) best = n;
  }
  return best;
}

/** The tenant's register entry, read inside the caller's transaction. */
export async function readRangeRecord(
  client: pg.ClientBase,
  tenantsTable: string,
  slug: string,
): Promise<SequenceRangeRecord | undefined> {
  const { rows } = await client.query<{ r: unknown }>(
    `SELECT t.settings->'isolation'->'sequence_range' AS r FROM ${quoteQualified(tenantsTable)} t WHERE t.slug = $1`,
    [slug],
  );
  const raw = rows[0]?.r;
  if (raw === null || raw === undefined) return undefined;
  const parsed = SequenceRangeRecord.safeParse(raw);
  if (!parsed.success) {
    throw new PromotionError(
      'tenant-state',
      `settings.isolation.sequence_range of tenant "${slug}" is malformed: ${parsed.error.message.slice(0, 300)}`,
      'Restore it from the audit history, or remove the key only if the tenant never was isolated with it.',
    );
  }
  return parsed.data;
}

async function writeRangeRecord(
  client: pg.ClientBase,
  tenantsTable: string,
  slug: string,
  record: SequenceRangeRecord,
): Promise<void> {
  await client.query(
    `UPDATE ${quoteQualified(tenantsTable)} t
        SET settings = jsonb_set(coalesce(t.settings, '{}'::jsonb), '{isolation}',
              coalesce(t.settings->'isolation', '{}'::jsonb) || jsonb_build_object('sequence_range', $2::jsonb), true)
      WHERE t.slug = $1`,
    [slug, JSON.stringify(record)],
  );
}

/**
 * Under the allocation lock (taken here, held to the end of the caller's transaction): this
 * tenant's slot if it has one, else the lowest slot no tenant row holds.
 */
async function pickSlot(
  client: pg.ClientBase,
  tenantsTable: string,
  slug: string,
): Promise<{ slot: number; existing: SequenceRangeRecord | undefined }> {
  await client.query('SELECT pg_advisory_xact_lock($1::int, $2::int)', [...RANGE_LOCK]);
  const existing = await readRangeRecord(client, tenantsTable, slug);
  if (existing) return { slot: existing.slot, existing };
  const { rows } = await client.query<{ slot: string }>(
    `SELECT DISTINCT (t.settings->'isolation'->'sequence_range'->>'slot')::bigint::text AS slot
       FROM ${quoteQualified(tenantsTable)} t
      WHERE t.settings->'isolation'->'sequence_range'->>'slot' ~ '^[0-9]{1,9}$'`,
  );
  const used = new Set(rows.map((r) => Number(r.slot)));
  let slot = 1;
  while (used.has(slot)) slot += 1;
  return { slot, existing: undefined };
}

function newRecord(slot: number): SequenceRangeRecord {
  const ranges: Record<string, [string, string]> = {};
  for (const t of ['bigint', 'integer', 'smallint'] as const) {
    const r = rangeFor(t, slot);
    if (r) ranges[t] = [r.first.toString(), r.last.toString()];
  }
  return {
    slot,
    layout: RANGE_LAYOUT_VERSION,
    reserved_at: new Date().toISOString(),
    ranges,
  };
}

export interface RangeAssessment {
  slot: number;
  /** Reasons no safe range exists: the promotion is refused. */
  refusals: string[];
  /** Plan warnings, each with its remedy. */
  warnings: string[];
  /** One line: the ranges and the smallest margin left to the shared side. */
  summary: string;
}

const fmt = (v: bigint) => v.toLocaleString('en-US');

function widenRemedy(s: SequenceInfo): string {
  const cols = s.columns
    .filter((c) => asIntType(c.type) !== 'bigint')
    .map((c) => `ALTER TABLE ${qn(c.schema, c.table)} ALTER COLUMN ${qi(c.column)} TYPE bigint;`);
  const seq = s.seqType !== 'bigint' ? [`ALTER SEQUENCE ${s.qualified} AS bigint;`] : [];
  return [...cols, ...seq].join(' ');
}

/**
 * Headroom per sequence of the shared database for the given slot (read-only). Refused: CYCLE,
 * a descending INCREMENT, an INCREMENT wider than a range, no slot left in the type's zone, a
 * shared side that already reached the zone. Warned: int4/int2 keys (small ranges), a shared
 * side past half of what it keeps below the zone, a sequence feeding several columns.
 */
export async function assessSequences(client: pg.ClientBase, slot: number): Promise<RangeAssessment> {
  const refusals: string[] = [];
  const warnings: string[] = [];
  let smallest: { margin: bigint; label: string } | undefined;
  for (const s of await readSequences(client)) {
    const feeds = s.columns.map((c) => `${c.schema}.${c.table}.${c.column}`);
    const what = `sequence ${s.label}${feeds.length ? ` (feeds ${feeds.join(', ')})` : ''}`;
    if (s.noRange) {
      warnings.push(
        `${what} gets no range: ${s.noRange}; in the tenant's database it goes on from the shared value, so the two databases may hand out the same values from here on. If they are keys, link it (ALTER SEQUENCE ${s.qualified} OWNED BY <table>.<column>, or a DEFAULT nextval) to a bigint column, then re-run`,
      );
      continue;
    }
    if (s.cycle) {
      refusals.push(
        `${what} is CYCLE: it hands out the same ids again by design, so no range can keep them unique; remedy: ALTER SEQUENCE ${s.qualified} NO CYCLE;`,
      );
      continue;
    }
    if (s.increment < 0n) {
      refusals.push(
        `${what} descends (INCREMENT ${s.increment}): ranges are allocated upwards only; remedy: ALTER SEQUENCE ${s.qualified} INCREMENT BY ${-s.increment} (and a key that grows), then re-run`,
      );
      continue;
    }
    const layout = RANGE_LAYOUT[s.type];
    const range = rangeFor(s.type, slot);
    if (!range) {
      refusals.push(
        `${what}: the ${s.type} zone has ${slotsOf(s.type)} ranges and all are given away (this tenant would need slot ${slot}); remedy: ${widenRemedy(s)}`,
      );
      continue;
    }
    if (s.increment > layout.size) {
      refusals.push(
        `${what} has INCREMENT ${s.increment}, wider than a ${s.type} range (${fmt(layout.size)}); remedy: ALTER SEQUENCE ${s.qualified} INCREMENT BY 1`,
      );
      continue;
    }
    // The shared side's current use: the sequence's value and the column values below the zone
    // (values inside the zone are rows of tenants rolled back with ids from their ranges).
    const seqValue = s.lastValue ?? 0n;
    if (inZone(s.type, seqValue)) {
      refusals.push(
        `${what} is at ${fmt(seqValue)} in the shared database, inside the tenants' zone of ${s.type} ids (from ${fmt(
          layout.zoneStart,
        )}): no range above it is safe${s.type === 'bigint' ? '' : `; remedy: ${widenRemedy(s)}`}`,
      );
      continue;
    }
    const colMax = await columnsExtreme(client, s, 'max', undefined, layout.zoneStart - 1n);
    const used = colMax !== null && colMax > seqValue ? colMax : seqValue;
    const margin = layout.zoneStart - 1n - used;
    if (!smallest || margin < smallest.margin) smallest = { margin, label: s.label };
    if (s.type !== 'bigint') {
      warnings.push(
        `${what} is ${s.type}: the tenant's range holds only ${fmt(layout.size)} ids (${fmt(range.first)}–${fmt(
          range.last,
        )}) and the shared side keeps ${fmt(margin)} more below ${fmt(layout.zoneStart)}; remedy: ${widenRemedy(s)}`,
      );
    } else if (used > layout.zoneStart / 2n) {
      warnings.push(
        `${what} is at ${fmt(used)} in the shared database: only ${fmt(margin)} ids are left below the tenants' zone`,
      );
    }
    if (s.columns.length > 1) {
      warnings.push(
        `${what} feeds ${s.columns.length} columns: one range covers them all (ids stay unique across those tables)`,
      );
    }
    if (s.max < range.last) {
      warnings.push(
        `${what} has MAXVALUE ${fmt(s.max)}: the tenant's copy is given MAXVALUE ${fmt(range.last)} (its range), beyond it`,
      );
    }
  }
  const b = rangeFor('bigint', slot)!;
  const summary = `sequence range slot ${slot}: bigint ids ${fmt(b.first)}–${fmt(b.last)}${
    smallest
      ? `; smallest margin left to the shared side: ${fmt(smallest.margin)} ids (${smallest.label})`
      : ''
  }`;
  return { slot, refusals, warnings, summary };
}

/**
 * The plan's part: reserves this tenant's slot in the register (or finds the one it has) and
 * checks every shared sequence's headroom for it. Refusals throw `plan-blocked` before the
 * reservation is written — nothing is created or changed. A dry run reserves nothing. With
 * `runId`, ownership of the tenant is proved in the same transaction (fencing).
 */
export async function reserveSequenceRange(
  client: pg.ClientBase,
  opts: { tenantsTable: string; slug: string; runId?: string; dryRun?: boolean },
): Promise<RangeAssessment & { reserved: boolean }> {
  await client.query('BEGIN');
  try {
    if (opts.runId)
      await assertOwner(client, opts.tenantsTable, opts.slug, opts.runId, 'reserving a sequence range');
    const { slot, existing } = await pickSlot(client, opts.tenantsTable, opts.slug);
    const assessment = await assessSequences(client, slot);
    if (assessment.refusals.length) {
      throw new PromotionError(
        'plan-blocked',
        `No safe range of ids exists for ${assessment.refusals.length === 1 ? 'a sequence' : `${assessment.refusals.length} sequences`}: ${assessment.refusals.join('; ')}`,
        'Apply the remedy named above in the shared database (ids would otherwise be handed out twice across the shared and the isolated database), then re-run. Nothing was created.',
      );
    }
    const reserved = !existing && !opts.dryRun;
    if (reserved) await writeRangeRecord(client, opts.tenantsTable, opts.slug, newRecord(slot));
    await client.query(opts.dryRun ? 'ROLLBACK' : 'COMMIT');
    return { ...assessment, reserved };
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  }
}

export interface AppliedRange {
  sequence: string;
  type: IntType;
  first: string;
  last: string;
  /** The value the next nextval() returns. */
  next: string;
}

/**
 * The switch's part, replacing syncSequences(source, target) under the freeze. `source` is the
 * shared database inside the switch's transaction (the tenant row locked); `target` the tenant's
 * database. Every target sequence gets the tenant's range: MINVALUE first, MAXVALUE last, NO
 * CYCLE, RESTART past the largest id already inside the range (rows from an earlier isolation,
 * copied back at a rollback and copied again now) or at the range's first id. The copied rows'
 * shared-side ids all lie below the zone, hence below the range. The applied ranges are written
 * to the register in `source`'s transaction (they commit with the switch).
 */
export async function applySequenceRanges(
  source: pg.ClientBase,
  target: pg.ClientBase,
  opts: {
    tenantsTable: string;
    slug: string;
    /** Schema level: target schema → the source schema it was mapped from (the shared sequence's schema). */
    sourceSchemas?: ReadonlyMap<string, string>;
  },
): Promise<AppliedRange[]> {
  let record = await readRangeRecord(source, opts.tenantsTable, opts.slug);
  if (!record) {
    // Reserved at the plan; a run that skipped it (resumed from an older version) reserves here.
    const { slot } = await pickSlot(source, opts.tenantsTable, opts.slug);
    record = newRecord(slot);
  }
  const slot = record.slot;
  const shared = new Map((await readSequences(source)).map((s) => [s.label, s]));
  const applied: AppliedRange[] = [];
  // Schema level: the tenant's schemas only (the keys of the mapping back to the source).
  const only = opts.sourceSchemas && [...opts.sourceSchemas.keys()];
  for (const s of await readSequences(target, only)) {
    if (s.noRange) continue; // a plan warning said so (assessSequences)
    const range = rangeFor(s.type, slot);
    const refuse = (why: string) =>
      new PromotionError(
        'plan-blocked',
        `Sequence ${s.label} cannot be given its range at the switch: ${why}. Nothing was switched.`,
        'The plan checks this before anything is created; the schema changed since. Apply the remedy the plan names, then re-run.',
      );
    if (s.cycle || s.increment <= 0n) throw refuse('it is CYCLE or descending');
    if (!range) throw refuse(`no ${s.type} range is left for slot ${slot}`);
    const sharedSeq = shared.get(`${opts.sourceSchemas?.get(s.schema) ?? s.schema}.${s.name}`);
    if (
      sharedSeq?.lastValue != null &&
      sharedSeq.lastValue >= range.first &&
      sharedSeq.lastValue <= range.last
    )
      throw refuse(`the shared database's sequence is at ${sharedSeq.lastValue}, inside the range`);
    const inRange = await columnsExtreme(target, s, 'max', range.first, range.last);
    const next = inRange === null ? range.first : inRange + s.increment;
    if (next > range.last) throw refuse(`its range ${range.first}–${range.last} is used up`);
    await target.query(
      `ALTER SEQUENCE ${s.qualified} NO CYCLE MINVALUE ${range.first} MAXVALUE ${range.last} START WITH ${range.first} RESTART WITH ${next}`,
    );
    applied.push({
      sequence: s.label,
      type: s.type,
      first: range.first.toString(),
      last: range.last.toString(),
      next: next.toString(),
    });
  }
  record = {
    ...record,
    sequences: Object.fromEntries(
      applied.map((a) => [a.sequence, { type: a.type, first: a.first, last: a.last }]),
    ),
  };
  await writeRangeRecord(source, opts.tenantsTable, opts.slug, record);
  return applied;
}

export interface SequenceRangeStatus {
  sequence: string;
  type: IntType;
  /** The shared side: its value and the ids it keeps (below the zone). */
  shared: { value: string | null; keeps: string } | null;
  /** The isolated side: its value and its MINVALUE–MAXVALUE. */
  isolated: { value: string | null; first: string; last: string } | null;
  /** The range the register gives this tenant for the sequence's type. */
  registered: { first: string; last: string } | null;
}

/** `status`: each side's range per sequence (read-only). */
export async function sequenceRangeStatus(
  shared: pg.ClientBase,
  isolated: pg.ClientBase | undefined,
  record: SequenceRangeRecord | undefined,
  /** Schema level: target schema → source schema; the tenant's sequences are listed under the shared name. */
  sourceSchemas?: ReadonlyMap<string, string>,
): Promise<SequenceRangeStatus[]> {
  const sharedSeqs = await readSequences(shared);
  const sharedLabel = (s: SequenceInfo) => `${sourceSchemas?.get(s.schema) ?? s.schema}.${s.name}`;
  const isoSeqs = isolated
    ? new Map(
        (await readSequences(isolated, sourceSchemas && [...sourceSchemas.keys()])).map((s) => [
          sharedLabel(s),
          s,
        ]),
      )
    : undefined;
  const labels = new Set([...sharedSeqs.map((s) => s.label), ...(isoSeqs?.keys() ?? [])]);
  const bySharedLabel = new Map(sharedSeqs.map((s) => [s.label, s]));
  return [...labels].sort().map((label) => {
    const s = bySharedLabel.get(label);
    const i = isoSeqs?.get(label);
    const type = (s ?? i)!.type;
    const r = record ? rangeFor(type, record.slot) : undefined;
    return {
      sequence: label,
      type,
      shared: s
        ? { value: s.lastValue?.toString() ?? null, keeps: `1–${(zoneStartOf(type) - 1n).toString()}` }
        : null,
      isolated: i
        ? { value: i.lastValue?.toString() ?? null, first: i.min.toString(), last: i.max.toString() }
        : null,
      registered: r ? { first: r.first.toString(), last: r.last.toString() } : null,
    };
  });
}

/**
 * Sequences of a tenant's database that feed a column and hold no range (a table created after the
 * promotion by the same migration on both sides): the ids they hand out are the shared side's
 * numbers too, and a rollback would find them taken. One line naming them, or undefined.
 */
export function unrangedSequencesNote(sequences: readonly SequenceInfo[]): string | undefined {
  const unranged = sequences.filter((s) => s.columns.length && !s.noRange && s.min < zoneStartOf(s.type));
  if (!unranged.length) return undefined;
  const list = unranged.map(
    (s) => `${s.label} (${s.columns.map((c) => `${c.schema}.${c.table}.${c.column}`).join(', ')})`,
  );
  return `Without a sequence range in the tenant's database (created after the promotion?): ${list.join(', ')}. Ids handed out there may be taken in the shared database as well; a rollback compares the keys before it changes anything and refuses on a collision.`;
}
