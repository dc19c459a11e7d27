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

/**
 * A `SET <from> TO|=|FROM CURRENT` line of pg_get_functiondef (which writes each setting on a line
 * of its own): one pattern for the clone (JavaScript, flags `gim`) and for schema parity
 * (PostgreSQL's regexp_replace, flags `gin`), so both rename exactly the same clauses.
 */
export const renamedSettingClause = (from: string): string =>
  String.raw`^(\s*SET\s+)${from}(\s+(?:TO|=|FROM\s+CURRENT))`;

const listed = (names: string[]) =>
  names.length > 3 ? `${names.slice(0, 3).join(', ')} and ${names.length - 3} more` : names.join(', ');

export const TRANSLATIONS: readonly Translation[] = [
  ...RENAMED_SETTINGS.map((r): Translation => ({
    since: r.since,
    apply(cat) {
      // pg_get_functiondef writes each setting on its own line: ` SET name TO value`.
      const clause = new RegExp(renamedSettingClause(r.from), 'gim');
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
      const { catalog, renamed } = nameClashingNotNulls(cat);
      return {
        catalog,
        line:
          `${columns} NOT NULL column(s) become named not-null constraints (<table>_<column>_not_null) in pg_constraint, as PostgreSQL 18 records every NOT NULL` +
          (renamed.length
            ? `; ${listed(renamed)} named otherwise (a constraint of the table already has the name 18 would choose)`
            : ''),
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

/**
 * PostgreSQL's `makeObjectName(name1, name2, label)`: `name1_name2_label`, the longer of the two
 * names shortened (by whole characters) until it fits in NAMEDATALEN - 1 bytes.
 */
export function objectName(name1: string, name2: string, label: string): string {
  const bytes = (s: string) => Buffer.byteLength(s, 'utf8');
  let [a, b] = [[...name1], [...name2]];
  const room = 63 - (bytes(label) + 2);
  const len = (cs: string[]) => bytes(cs.join(''));
  while (len(a) + len(b) > room) {
    if (len(a) > len(b)) a = a.slice(0, -1);
    else b = b.slice(0, -1);
  }
  return `${a.join('')}_${b.join('')}_${label}`;
}

/**
 * PostgreSQL 18 names each NOT NULL `<table>_<column>_not_null`; a table whose own constraint
 * (a CHECK (col IS NOT NULL), the usual lock-free way to add one) already has that name would
 * make the clone's ADD CONSTRAINT fail. Such columns get a free name of their own, written
 * inline (`CONSTRAINT name NOT NULL`, which older majors accept and ignore).
 */
function nameClashingNotNulls(cat: Catalog): { catalog: Catalog; renamed: string[] } {
  const taken = new Map<string, Set<string>>();
  for (const c of cat.constraints) {
    const key = `${c.schema}.${c.table}`;
    taken.set(key, (taken.get(key) ?? new Set()).add(c.name));
  }
  const renamed: string[] = [];
  const relations = cat.relations.map((t) => {
    const names = taken.get(`${t.schema}.${t.name}`);
    if (!names || !(t.kind === 'r' || t.kind === 'p')) return t;
    const used = new Set(names);
    let changed = false;
    const columns = t.columns.map((c) => {
      if (!c.notNull) return c;
      const chosen = objectName(t.name, c.name, 'not_null');
      if (!names.has(chosen)) return c;
      let n = 1;
      while (used.has(objectName(t.name, c.name, `not_null${n}`))) n++;
      const notNullName = objectName(t.name, c.name, `not_null${n}`);
      used.add(notNullName);
      renamed.push(`${t.schema}.${t.name}.${c.name}`);
      changed = true;
      return { ...c, notNullName };
    });
    return changed ? { ...t, columns } : t;
  });
  return renamed.length ? { catalog: { ...cat, relations }, renamed } : { catalog: cat, renamed };
}
