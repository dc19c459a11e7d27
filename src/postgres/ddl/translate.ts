import { majorOf } from '../versions';
import type { Catalog } from './catalog';

/**
 * What the schema clone translates when the tenant's database is on a newer PostgreSQL major
 * than the shared one (issue 20), as named rules over the source catalog (pure). A rule either
 * rewrites what the target would refuse, or names a change of representation the target makes
 * by itself (the clone's DDL stays as it is), so that the plan says, object kind by object kind,
 * what the tenant's database will hold differently. Rules apply only when the source is older
 * than the version that made the change and the target is not.
 */
export interface Translation {
  /** The major version that made the change. */
  since: number;
  /** What changes, one line (with the objects it touched), or nothing when the catalog has none. */
  apply(cat: Catalog): { catalog: Catalog; line?: string };
}

/** Settings a function's `SET` clause may name that a newer major renamed. */
export const RENAMED_SETTINGS: readonly { since: number; from: string; to: string }[] = [
  { since: 16, from: 'force_parallel_mode', to: 'debug_parallel_query' },
];

const listed = (names: string[]) =>
  names.length > 3 ? `${names.slice(0, 3).join(', ')} and ${names.length - 3} more` : names.join(', ');

export const TRANSLATIONS: readonly Translation[] = [
  ...RENAMED_SETTINGS.map((r): Translation => ({
    since: r.since,
    apply(cat) {
      // pg_get_functiondef writes each setting on its own line: ` SET name TO value`.
      const clause = new RegExp(`^(\\s*SET\\s+)${r.from}(\\s+(?:TO|=|FROM\\s+CURRENT))`, 'gim');
      const touched: string[] = [];
      const functions = cat.functions.map((f) => {
        const def = f.def.replace(clause, `$1${r.to}$2`);
        if (def === f.def) return f;
        touched.push(f.signature);
        return { ...f, def };
      });
      if (!touched.length) return { catalog: cat };
      return {
        catalog: { ...cat, functions },
        line: `SET ${r.from} of ${listed(touched)} written as SET ${r.to} (renamed in PostgreSQL ${r.since})`,
      };
    },
  })),
  {
    since: 17,
    apply(cat) {
      const roots = new Set(
        cat.relations
          .filter((t) => t.kind === 'p' && t.columns.some((c) => c.identity))
          .map((t) => `${t.schema}.${t.name}`),
      );
      if (!roots.size) return { catalog: cat };
      return {
        catalog: cat,
        line: `partitions of ${listed([...roots])} carry their identity column themselves (PostgreSQL 17 propagates identity to partitions; the values still come from the partitioned table's sequence)`,
      };
    },
  },
  {
    since: 18,
    apply(cat) {
      const columns = cat.relations
        .filter((t) => t.kind === 'r' || t.kind === 'p')
        .reduce((n, t) => n + t.columns.filter((c) => c.notNull).length, 0);
      if (!columns) return { catalog: cat };
      return {
        catalog: cat,
        line: `${columns} NOT NULL column(s) become named not-null constraints (<table>_<column>_not_null) in pg_constraint, as PostgreSQL 18 records every NOT NULL`,
      };
    },
  },
  {
    since: 18,
    apply(cat) {
      const generated = cat.relations.flatMap((t) =>
        t.columns.filter((c) => c.generated != null).map((c) => `${t.schema}.${t.name}.${c.name}`),
      );
      if (!generated.length) return { catalog: cat };
      return {
        catalog: cat,
        line: `generated column(s) ${listed(generated)} written with STORED (PostgreSQL 18 makes an unqualified generated column VIRTUAL)`,
      };
    },
  },
];

/**
 * The catalog with every rule between the two majors applied, and one line per rule that found
 * something: "PostgreSQL 18: …". Same major (or no target version known): unchanged, no lines.
 */
export function translateCatalog(
  cat: Catalog,
  targetVersion: number | undefined,
): { catalog: Catalog; translations: string[] } {
  const [from, to] = [majorOf(cat.serverVersion), majorOf(targetVersion ?? 0)];
  const translations: string[] = [];
  let catalog = cat;
  if (to <= from) return { catalog, translations };
  for (const rule of TRANSLATIONS) {
    if (!(from < rule.since && rule.since <= to)) continue;
    const out = rule.apply(catalog);
    catalog = out.catalog;
    if (out.line) translations.push(`PostgreSQL ${rule.since}: ${out.line}`);
  }
  return { catalog, translations };
}
