import { capDetails, fail, pass, type Check } from './check';
import { closeQuietly, openTarget } from './db';

interface Feed {
  seq: string;
  tbl: string;
  col: string;
  increment: string;
  last_value: string | null;
  start_value: string;
}

/**
 * Every sequence of the new database is past the values already in the column it feeds
 * (owned sequences, identity columns, and `nextval(...)` defaults), so the first insert after
 * the promotion cannot collide.
 */
export const sequences: Check = {
  name: 'sequences',
  title: 'Sequences',
  async run(ctx, budgetMs) {
    let target;
    try {
      target = await openTarget(ctx, budgetMs);
      const feeds = await target.query<Feed>(`
        SELECT s.seqrelid::regclass::text AS seq, c.oid::regclass::text AS tbl, quote_ident(a.attname) AS col,
               s.seqincrement::text AS increment, pg_sequence_last_value(s.seqrelid)::text AS last_value,
               s.seqstart::text AS start_value
          FROM pg_sequence s
          JOIN pg_depend d ON d.refclassid = 'pg_class'::regclass AND d.refobjid = s.seqrelid
                          AND d.classid = 'pg_attrdef'::regclass
          JOIN pg_attrdef ad ON ad.oid = d.objid
          JOIN pg_class c ON c.oid = ad.adrelid
          JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = ad.adnum
         WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
        UNION
        SELECT s.seqrelid::regclass::text, c.oid::regclass::text, quote_ident(a.attname),
               s.seqincrement::text, pg_sequence_last_value(s.seqrelid)::text, s.seqstart::text
          FROM pg_sequence s
          JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = s.seqrelid
                          AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
          JOIN pg_class c ON c.oid = d.refobjid
          JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = d.refobjsubid
         WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
         ORDER BY 1, 2, 3`);
      const problems: string[] = [];
      for (const f of feeds.rows) {
        const inc = BigInt(f.increment);
        const agg = inc > 0n ? 'max' : 'min';
        const r = await target.query<{ v: string | null }>(
          `SELECT ${agg}(${f.col})::text AS v FROM ${f.tbl}`,
        );
        const v = r.rows[0]?.v;
        if (v === null || v === undefined || !/^-?\d+$/.test(v)) continue; // empty, or not an integer column
        const next = f.last_value === null ? BigInt(f.start_value) : BigInt(f.last_value) + inc;
        const used = BigInt(v);
        if (inc > 0n ? next <= used : next >= used) {
          problems.push(`${f.seq} would next give ${next} but ${f.tbl}.${f.col} already holds ${used}`);
        }
      }
      if (problems.length) return fail(problems[0] ?? 'sequence behind', capDetails(problems));
      return pass(`${feeds.rows.length} sequence(s) past the values they feed`);
    } finally {
      await closeQuietly(target);
    }
  },
};
