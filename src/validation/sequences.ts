import pg from 'pg';
import { SequenceRangeRecord } from '../pipeline/tenant-state';
import { columnsExtreme, rangeFor, readSequences, zoneStartOf } from '../postgres/sequence-ranges';
import { capDetails, fail, pass, warn, type Check } from './check';
import { closeQuietly, connectFor, openTarget } from './db';

/** A name as regclass prints it for a sequence or table in public (schema-qualified otherwise). */
const shown = (schema: string, name: string) => (schema === 'public' ? name : `${schema}.${name}`);

/** This tenant's entry in the register of sequence ranges (its tenants row), if any. */
async function registered(
  sourceUrl: string,
  tenantsTable: string,
  slug: string,
  budgetMs: number,
): Promise<SequenceRangeRecord | undefined> {
  const source = await connectFor(sourceUrl, budgetMs);
  try {
    const { rows } = await source.query<{ r: unknown }>(
      `SELECT t.settings->'isolation'->'sequence_range' AS r FROM ${tenantsTable} t WHERE t.slug = $1`,
      [slug],
    );
    const parsed = SequenceRangeRecord.safeParse(rows[0]?.r);
    return parsed.success ? parsed.data : undefined;
  } finally {
    await closeQuietly(source);
  }
}

/**
 * Every sequence of the new database is past the values already in the columns it feeds (owned
 * sequences, identity columns, and `nextval(...)` defaults) and, once the switch gave it the
 * tenant's range (see postgres/sequence-ranges.ts), within that range: "past the values it
 * feeds, within its range". Before the switch the copy sits below the tenants' zone and values
 * inside the zone (ids of an earlier isolation) are left to the switch, which restarts the
 * sequence past them. A sequence whose MINVALUE–MAXVALUE is not the range the register gives this
 * tenant (an ALTER that moved it into another tenant's range), or that lost the range it was
 * given at the switch, fails.
 */
export const sequences: Check = {
  name: 'sequences',
  title: 'Sequences',
  async run(ctx, budgetMs) {
    let target;
    try {
      const tenants = ctx.plan.tenantsTable;
      const record = await registered(
        ctx.sourceUrl,
        `${pg.escapeIdentifier(tenants.schema)}.${pg.escapeIdentifier(tenants.name)}`,
        ctx.names.slug,
        budgetMs,
      );
      target = await openTarget(ctx, budgetMs);
      // Schema level: the tenant's schemas only (into the shared database, the shared ones are beside them).
      const seqs = await readSequences(
        target,
        ctx.schemaLayout?.mappings.map((m) => m.target),
      );
      const problems: string[] = [];
      const notes: string[] = [];
      let ranged = 0;
      for (const s of seqs) {
        const state = await target.query<{ last_value: string; is_called: boolean }>(
          `SELECT last_value::text AS last_value, is_called FROM ${s.qualified}`,
        );
        const row = state.rows[0]!;
        const next = row.is_called ? BigInt(row.last_value) + s.increment : BigInt(row.last_value);
        const ascending = s.increment > 0n;
        const zone = zoneStartOf(s.type);
        const expected = record ? rangeFor(s.type, record.slot) : undefined;
        const given = record?.sequences?.[s.label];
        if (ascending && s.min >= zone) {
          ranged += 1;
          if (expected && (s.min !== expected.first || s.max !== expected.last)) {
            problems.push(
              `${s.label} has the range ${s.min}–${s.max}, but the register gives this tenant ${expected.first}–${expected.last} (another tenant's range?)`,
            );
            continue;
          }
          if (next > s.max) {
            notes.push(
              `${s.label} has used up its range ${s.min}–${s.max}: the next insert fails (never collides)`,
            );
            continue;
          }
          const used = await columnsExtreme(target, s, 'max', s.min, s.max);
          if (used !== null && next <= used)
            problems.push(
              `${s.label} would next give ${next} but its columns already hold ${used} (in its range)`,
            );
          continue;
        }
        if (ctx.afterSwitch && given) {
          problems.push(
            `${s.label} lost the range ${given.first}–${given.last} the switch gave it (now ${s.min}–${s.max}, next ${next}): ids may be handed out twice`,
          );
          continue;
        }
        // Not (yet) ranged: past the values below the tenants' zone (a descending sequence: below
        // the minimum), per column it feeds.
        for (const c of s.columns) {
          const used = ascending
            ? await columnsExtreme(target, { columns: [c] }, 'max', undefined, zone - 1n)
            : await columnsExtreme(target, { columns: [c] }, 'min');
          if (used === null) continue;
          if (ascending ? next <= used : next >= used) {
            problems.push(
              `${shown(s.schema, s.name)} would next give ${next} but ${shown(c.schema, c.table)}.${c.column} already holds ${used}`,
            );
          }
        }
      }
      if (problems.length) return fail(problems[0] ?? 'sequence behind', capDetails([...problems, ...notes]));
      const within = ranged ? `, ${ranged} within the tenant's range` : '';
      if (notes.length) return warn(notes[0]!, capDetails(notes));
      return pass(`${seqs.length} sequence(s) past the values they feed${within}`);
    } finally {
      await closeQuietly(target);
    }
  },
};
