import type { CatalogItem } from './schema-parity';

/**
 * What two PostgreSQL major versions represent differently in the catalog summary that schema
 * parity compares, when the tenant moved onto a newer major (issue 20). Each rule is named,
 * applies only when the two servers straddle the version that changed, and rewrites both sides
 * the same way; the check reports the rules that changed something. Same-major comparisons are
 * left untouched.
 */
export interface VersionNormalisation {
  name: string;
  /** True when the source and target majors differ across this rule's change. */
  applies(sourceMajor: number, targetMajor: number): boolean;
  /** The items as the older version would have them (pure; may drop items). */
  apply(items: CatalogItem[]): CatalogItem[];
}

const straddles = (since: number) => (s: number, t: number) => s < since !== t < since;

/** Names of the partitions among the summary's tables (`"schema"."table"`-style names as listed). */
function partitionNames(items: CatalogItem[]): Set<string> {
  return new Set(
    items.filter((i) => i.category === 'table' && /^[rp] partition /.test(i.definition)).map((i) => i.name),
  );
}

const IDENT = String.raw`(?:"(?:[^"]|"")+"|[a-z_][a-z0-9_$]*)`;
/** `FROM [schema.]relation [alias]` and whether a comma (another relation) follows. */
const FROM_ITEM = new RegExp(
  String.raw`\bFROM\s+(?:${IDENT}\.)?(${IDENT})(?:\s+(?:AS\s+)?(${IDENT}))?(\s*,)?`,
  'gi',
);
const NOT_ALIAS = new Set(
  'where group order limit offset fetch having window union intersect except join inner left right full cross natural on for'.split(
    ' ',
  ),
);

/**
 * A view's definition without the qualifiers PostgreSQL 16 stopped writing: in a query level
 * that reads one relation, its columns lose their `relation.` (or `alias.`) prefix. Only those
 * prefixes go — schema names stay — and a definition that joins or lists several relations is
 * left exact (16 still qualifies there, and dropping would hide two columns swapped between
 * the joined tables).
 */
function dropQualifiers(definition: string): string {
  const parts = definition.split(/('(?:[^']|'')*')/);
  const code = parts.filter((_, i) => i % 2 === 0).join(' ');
  if (/\bJOIN\b/i.test(code)) return definition;
  const names = new Set<string>();
  for (const m of code.matchAll(FROM_ITEM)) {
    if (m[3]) return definition;
    const alias = m[2] && !NOT_ALIAS.has(m[2].toLowerCase()) ? m[2] : undefined;
    names.add((alias ?? m[1]!).toLowerCase());
  }
  // `FROM ( subquery ) alias`: the alias is the one relation of the outer level.
  for (const m of code.matchAll(/\bFROM\s+\(/gi)) {
    let depth = 0;
    let end = m.index + m[0].length - 1;
    for (; end < code.length; end++) {
      if (code[end] === '(') depth++;
      else if (code[end] === ')' && --depth === 0) break;
    }
    const after = new RegExp(String.raw`^\)\s+(?:AS\s+)?(${IDENT})(\s*,)?`, 'i').exec(code.slice(end));
    if (after?.[2]) return definition;
    if (after && !NOT_ALIAS.has(after[1]!.toLowerCase())) names.add(after[1]!.toLowerCase());
  }
  if (!names.size) return definition;
  const qualifier = new RegExp(String.raw`(?<![.\w"])(${IDENT})\.(?=["a-z_])`, 'gi');
  return parts
    .map((p, i) =>
      i % 2 === 1
        ? p
        : p.replace(qualifier, (whole, name: string) => (names.has(name.toLowerCase()) ? '' : whole)),
    )
    .join('');
}

/** The item itself when nothing changed (so the rule is reported only when it did something). */
const withDefinition = (i: CatalogItem, definition: string): CatalogItem =>
  definition === i.definition ? i : { ...i, definition };

/** Appended to a function's definition digest when its SET clauses name a setting a newer major renamed. */
export const RENAMED_MARK = ' (SET clause with a renamed setting)';

export const VERSION_NORMALISATIONS: readonly VersionNormalisation[] = [
  {
    // PostgreSQL 18 records every NOT NULL as a named constraint in pg_constraint; before, only
    // pg_attribute.attnotnull said so — which the column items already compare.
    name: 'not-null constraints (pg_constraint from PostgreSQL 18) compared as the columns’ NOT NULL',
    applies: straddles(18),
    apply: (items) => items.filter((i) => !(i.category === 'constraint' && /^NOT NULL /.test(i.definition))),
  },
  {
    // From PostgreSQL 17 a partition's column carries the identity of its partitioned table's;
    // the identity itself is compared on the partitioned table.
    name: 'identity of partitions’ columns (inherited from the partitioned table from PostgreSQL 17)',
    applies: straddles(17),
    apply: (items) => {
      const partitions = partitionNames(items);
      return items.map((i) => {
        if (i.category !== 'column') return i;
        const table = i.name.slice(0, i.name.lastIndexOf('.'));
        if (!partitions.has(table)) return i;
        return withDefinition(i, i.definition.replace(/ identity [ad]\b/, ''));
      });
    },
  },
  {
    // The clone writes `SET force_parallel_mode` as `SET debug_parallel_query` for PostgreSQL 16
    // (ddl/translate.ts); the digests compare the new names, the mark says the old one was there.
    name: 'function SET clauses with settings renamed in PostgreSQL 16 (force_parallel_mode → debug_parallel_query)',
    applies: straddles(16),
    apply: (items) =>
      items.map((i) =>
        i.category === 'function' && i.definition.endsWith(RENAMED_MARK)
          ? withDefinition(i, i.definition.slice(0, -RENAMED_MARK.length))
          : i,
      ),
  },
  {
    // PostgreSQL 16's pg_get_viewdef leaves out a column's table name where the query reads
    // one table; 15 wrote `daily_usage.tenant_id`. Qualifiers are dropped on both sides.
    name: 'view definitions without table qualifiers (pg_get_viewdef from PostgreSQL 16)',
    applies: straddles(16),
    apply: (items) =>
      items.map((i) => (i.category === 'view' ? withDefinition(i, dropQualifiers(i.definition)) : i)),
  },
];

/**
 * Both summaries rewritten by every rule the two majors straddle, and the names of the rules
 * that changed either side (pure).
 */
export function normaliseAcrossVersions(
  source: CatalogItem[],
  target: CatalogItem[],
  majors: { source: number; target: number },
): { source: CatalogItem[]; target: CatalogItem[]; applied: string[] } {
  const applied: string[] = [];
  let [s, t] = [source, target];
  for (const rule of VERSION_NORMALISATIONS) {
    if (!rule.applies(majors.source, majors.target)) continue;
    const [ns, nt] = [rule.apply(s), rule.apply(t)];
    const changed = (a: CatalogItem[], b: CatalogItem[]) =>
      a.length !== b.length || a.some((x, k) => x !== b[k]);
    if (changed(s, ns) || changed(t, nt)) applied.push(rule.name);
    [s, t] = [ns, nt];
  }
  return { source: s, target: t, applied };
}
