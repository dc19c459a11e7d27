import pg from 'pg';
import { RENAMED_SETTINGS, renamedSettingClause } from '../postgres/ddl/translate';
import { capDetails, fail, pass, warn, type Check } from './check';
import { closeQuietly, connectFor, plannedTables } from './db';
import { driftSinceSwitch, readSchemaAtSwitch, recordedUnderFixedTextForms } from './schema-fingerprint';
import { SESSION_OPTIONS_WITH_DATABASE_TEXT_FORMS } from '../postgres/connect';
import { serverMajor } from '../postgres/versions';
import { userSchemaSql } from '../postgres/tool-schemas';
import { RENAMED_MARK, normaliseAcrossVersions } from './version-normalise';
import { readFullyQualified, recordedSchemaPlace, sourceItems, targetItemsMappedBack } from './schema-level';

/** How a check's reason starts when the tenant's schema changed since the switch (status verdict `drifted`). */
export const DRIFTED = 'drifted since the switch:';

export interface CatalogItem {
  category: string;
  name: string;
  definition: string;
  /** Always-quoted `"schema"."table"` (as TablePlan.qualified) of the table (or partition root) the item belongs to; null for free-standing objects. */
  owner: string | null;
}

/**
 * The user schemas a summary reads: with `only` (the tenant's schemas, schema level) just those —
 * into the shared database they sit beside the shared ones, which the tool leaves out of every
 * other read (tool-schemas.ts).
 */
const userNs = (only?: readonly string[]) =>
  `${only ? `n.nspname::text = ANY (ARRAY[${only.map((s) => pg.escapeLiteral(s)).join(', ') || 'NULL'}]::text[])` : userSchemaSql('n')} AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp%'`;
/** Objects that belong to an extension are the extension's business. */
const NOT_EXTENSION = (classid: string, oid: string) =>
  `NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = '${classid}'::regclass AND d.objid = ${oid} AND d.deptype = 'e')`;
const ROOT = (oid: string) =>
  `(SELECT '"' || replace(rn.nspname, '"', '""') || '"."' || replace(rc.relname, '"', '""') || '"' FROM pg_class rc JOIN pg_namespace rn ON rn.oid = rc.relnamespace WHERE rc.oid = coalesce(pg_partition_root(${oid}), ${oid}))`;

/** A function definition's `SET` clauses with the settings newer majors renamed, by their new names (SQL). */
const RENAMED_IN_SQL = (def: string) =>
  RENAMED_SETTINGS.reduce(
    (sql, r) =>
      `regexp_replace(${sql}, ${pg.escapeLiteral(renamedSettingClause(r.from))}, ${pg.escapeLiteral(String.raw`\1${r.to}\2`)}, 'gin')`,
    def,
  );

/**
 * A summary of the user objects of a database, one item per object, compared by name. With
 * `policyRoles` (the source side), only policies that apply to PUBLIC or to one of those roles
 * are listed: the clone leaves out policies for roles that have no place in the tenant's
 * database (e.g. one that lets the promoting role past row-level security).
 */
export async function catalogSummary(
  client: pg.ClientBase,
  opts: {
    policyRoles?: readonly string[];
    /**
     * Functions by their definition's text instead of its digest (schema level: the definition
     * always names the function's schema, which differs between the sides until mapped back).
     */
    functionText?: boolean;
    /** Schema level: only these schemas (the tenant's), see userNs. */
    only?: readonly string[];
  } = {},
): Promise<CatalogItem[]> {
  const USER_NS = userNs(opts.only);
  // $1 is bound only for the policy query (see the loop below).
  const policyFilter = opts.policyRoles
    ? `WHERE (0::oid = ANY (p.polroles) OR EXISTS (SELECT 1 FROM pg_roles pr
              WHERE pr.oid = ANY (p.polroles) AND pr.rolname = ANY ($1::text[])))`
    : '';
  const rel = (c: string) => `quote_ident(n.nspname) || '.' || quote_ident(${c}.relname)`;
  const queries: string[] = [
    // tables (and partitions)
    `SELECT 'table' AS category, ${rel('c')} AS name,
            c.relkind::text || CASE WHEN c.relispartition THEN ' partition ' || pg_get_expr(c.relpartbound, c.oid) ELSE '' END
            || CASE WHEN c.relkind = 'p' THEN ' by ' || pg_get_partkeydef(c.oid) ELSE '' END AS definition,
            ${ROOT('c.oid')} AS owner
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p') AND ${USER_NS} AND ${NOT_EXTENSION('pg_class', 'c.oid')}`,
    `SELECT 'column', ${rel('c')} || '.' || quote_ident(a.attname),
            format_type(a.atttypid, a.atttypmod) || CASE WHEN a.attnotnull THEN ' not null' ELSE '' END
            || CASE WHEN a.attidentity <> '' THEN ' identity ' || a.attidentity::text ELSE '' END
            || CASE WHEN a.attgenerated <> '' THEN ' generated ' ELSE '' END
            || coalesce(' default ' || pg_get_expr(ad.adbin, ad.adrelid), '')
            || ' #' || (SELECT count(*) FROM pg_attribute a2 WHERE a2.attrelid = a.attrelid AND a2.attnum > 0 AND NOT a2.attisdropped AND a2.attnum <= a.attnum),
            CASE WHEN c.relkind IN ('v', 'm') THEN NULL ELSE ${ROOT('c.oid')} END
       FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
       LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
      WHERE c.relkind IN ('r', 'p', 'v', 'm') AND a.attnum > 0 AND NOT a.attisdropped AND ${USER_NS} AND ${NOT_EXTENSION('pg_class', 'c.oid')}`,
    // Constraints PostgreSQL derives from a parent's (on partitions, and per partition of a
    // referenced partitioned table) follow from the parent's definition, which is compared; their
    // generated names and validation flags are the server's business.
    `SELECT 'constraint', ${rel('c')} || '.' || quote_ident(k.conname), pg_get_constraintdef(k.oid), ${ROOT('c.oid')}
       FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE ${USER_NS} AND k.conparentid = 0`,
    // An index of a materialized view belongs to no planned table: compared as free-standing, like the view.
    `SELECT 'index', quote_ident(n.nspname) || '.' || quote_ident(i.relname), pg_get_indexdef(i.oid),
            CASE WHEN c.relkind IN ('v', 'm') THEN NULL ELSE ${ROOT('c.oid')} END
       FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class c ON c.oid = x.indrelid
       JOIN pg_namespace n ON n.oid = i.relnamespace
      WHERE ${USER_NS} AND ${NOT_EXTENSION('pg_class', 'c.oid')}`,
    // Bounds are left out: an isolated tenant's sequences get their own range (sequence-ranges.ts),
    // which the sequences check verifies against the register.
    `SELECT 'sequence', ${rel('c')},
            format_type(s.seqtypid, NULL) || ' increment ' || s.seqincrement || ' cycle ' || s.seqcycle::text,
            (SELECT ${ROOT('d.refobjid')} FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i') LIMIT 1)
       FROM pg_sequence s JOIN pg_class c ON c.oid = s.seqrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE ${USER_NS} AND ${NOT_EXTENSION('pg_class', 'c.oid')}`,
    `SELECT 'policy', ${rel('c')} || '.' || quote_ident(p.polname),
            p.polcmd::text || CASE WHEN p.polpermissive THEN ' permissive' ELSE ' restrictive' END
            || coalesce(' using ' || pg_get_expr(p.polqual, p.polrelid), '')
            || coalesce(' check ' || pg_get_expr(p.polwithcheck, p.polrelid), ''),
            ${ROOT('c.oid')}
       FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid JOIN pg_namespace n ON n.oid = c.relnamespace
       ${policyFilter}`,
    `SELECT 'row security', ${rel('c')},
            CASE WHEN c.relrowsecurity THEN 'enabled' ELSE 'disabled' END || CASE WHEN c.relforcerowsecurity THEN ', forced' ELSE '' END,
            ${ROOT('c.oid')}
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 'p') AND (c.relrowsecurity OR c.relforcerowsecurity) AND ${USER_NS}`,
    `SELECT 'trigger', ${rel('c')} || '.' || quote_ident(t.tgname), pg_get_triggerdef(t.oid) || ' ' || t.tgenabled::text, ${ROOT('c.oid')}
       FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE NOT t.tgisinternal AND t.tgparentid = 0 AND ${USER_NS}`,
    `SELECT 'view', ${rel('c')}, c.relkind::text || ' ' || pg_get_viewdef(c.oid), NULL
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('v', 'm') AND ${USER_NS} AND ${NOT_EXTENSION('pg_class', 'c.oid')}`,
    `SELECT 'type', quote_ident(n.nspname) || '.' || quote_ident(t.typname),
            t.typtype::text || coalesce(' ' || (SELECT string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = t.oid), '')
            || coalesce(' ' || format_type(t.typbasetype, t.typtypmod), ''), NULL
       FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
      WHERE t.typtype IN ('e', 'd') AND ${USER_NS} AND ${NOT_EXTENSION('pg_type', 't.oid')}`,
    // Settings a newer major renamed are compared by their new names, and say so (version-normalise.ts).
    `SELECT 'function', quote_ident(n.nspname) || '.' || quote_ident(p.proname) || '(' || pg_get_function_identity_arguments(p.oid) || ')',
            ${opts.functionText ? 'd.renamed' : 'md5(d.renamed)'} || CASE WHEN d.renamed <> d.def THEN '${RENAMED_MARK}' ELSE '' END, NULL
       FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
       CROSS JOIN LATERAL (SELECT f.def, ${RENAMED_IN_SQL('f.def')} AS renamed FROM (SELECT pg_get_functiondef(p.oid) AS def) f) d
      WHERE p.prokind IN ('f', 'p') AND ${USER_NS} AND ${NOT_EXTENSION('pg_proc', 'p.oid')}`,
    `SELECT 'extension', quote_ident(e.extname), '', NULL FROM pg_extension e WHERE e.extname <> 'plpgsql'`,
  ];
  const items: CatalogItem[] = [];
  for (const q of queries) {
    const params = policyFilter && q.includes(policyFilter) ? [opts.policyRoles] : [];
    const r = await client.query<CatalogItem>(
      `SELECT * FROM (${q}) x (category, name, definition, owner)`,
      params,
    );
    for (const row of r.rows) items.push(row);
  }
  return items;
}

/** Categories whose definitions are expressions PostgreSQL re-deparses when the clone re-parses them. */
const EXPRESSIONS = new Set(['constraint', 'index', 'policy', 'column']);
/** A cast: `::name`, multi-word type names, a type modifier, array brackets. */
const CAST =
  /::\s*(?:"(?:[^"]|"")*"|[a-z_][a-z0-9_$]*)(?:\.(?:"(?:[^"]|"")*"|[a-z_][a-z0-9_$]*))?(?:\s+(?:varying|precision|with(?:out)? time zone))?(?:\s*\(\s*\d+(?:\s*,\s*\d+)?\s*\))?(?:\s*\[\s*\])*/gi;

/**
 * The meaning of a deparsed expression, for comparison: PostgreSQL re-parsing its own output
 * adds or moves casts and parentheses (`(ARRAY['a'::varchar])::text[]` becomes
 * `ARRAY[('a'::varchar)::text]`), so both are dropped outside string literals and identifiers.
 */
export function normaliseExpression(definition: string): string {
  let out = '';
  // Split into quoted parts (kept as they are) and code (casts and parentheses dropped).
  const parts = definition.split(/('(?:[^']|'')*'|"(?:[^"]|"")*")/);
  for (const [i, part] of parts.entries()) {
    if (i % 2 === 1) {
      out += part;
      continue;
    }
    out += part
      .replace(CAST, '')
      .replace(/[()]/g, ' ')
      .replace(/\s+/g, ' ')
      .replace(/\s*([,=<>[\]])\s*/g, '$1');
  }
  return out.trim();
}

/** How diffCatalogs words each kind of difference. */
export interface DifferenceWords {
  missing: string;
  extra: string;
  differs: (source: string, target: string) => string;
}

const SOURCE_AND_NEW: DifferenceWords = {
  missing: 'missing in the new database',
  extra: 'only in the new database',
  differs: (source, target) => `differs (source: ${source}; new: ${target})`,
};

/** Pure: the differences between two summaries, by category and name. */
export function diffCatalogs(
  source: CatalogItem[],
  target: CatalogItem[],
  words: DifferenceWords = SOURCE_AND_NEW,
): string[] {
  const key = (i: CatalogItem) => `${i.category} ${i.name}`;
  const s = new Map(source.map((i) => [key(i), i]));
  const t = new Map(target.map((i) => [key(i), i]));
  const same = (a: CatalogItem, b: CatalogItem) =>
    a.definition === b.definition ||
    (EXPRESSIONS.has(a.category) && normaliseExpression(a.definition) === normaliseExpression(b.definition));
  const out: string[] = [];
  for (const [k, i] of s) {
    const other = t.get(k);
    if (!other) out.push(`${i.category} ${i.name}: ${words.missing}`);
    else if (!same(i, other))
      out.push(`${i.category} ${i.name}: ${words.differs(i.definition, other.definition)}`);
  }
  for (const [k, i] of t) if (!s.has(k)) out.push(`${i.category} ${i.name}: ${words.extra}`);
  return out;
}

/** Pure: the differences that matter, objects of source tables the plan leaves out not expected. */
export function parityDifferences(
  source: CatalogItem[],
  target: CatalogItem[],
  planned: Set<string>,
): string[] {
  const inPlan = (i: CatalogItem) => i.owner === null || planned.has(i.owner);
  return diffCatalogs(source.filter(inPlan), target);
}

/**
 * Tables, columns and types, constraints, indexes, sequences, policies, row security,
 * triggers, views, enum/domain types and functions of the new database match the source.
 * Objects of source tables the plan leaves out are not expected in the new database.
 */
export const schemaParity: Check = {
  name: 'schema-parity',
  title: 'Schema parity',
  async run(ctx, budgetMs) {
    let source;
    let target;
    try {
      source = await connectFor(ctx.sourceUrl, budgetMs);
      target = await connectFor(ctx.targetUrl, budgetMs);
      // After the switch, the schema recorded then is the reference: see schema-fingerprint.ts.
      const at = recordedSchemaPlace(ctx);
      const only = at.only && { only: at.only };
      const recorded = ctx.afterSwitch ? await readSchemaAtSwitch(target, at) : undefined;
      if (recorded) {
        let now = await catalogSummary(target, { ...only });
        let drift = driftSinceSwitch(recorded, now);
        if (drift.length > 0 && !(await recordedUnderFixedTextForms(target, at))) {
          // Recorded by an earlier version under the database's own TimeZone and DateStyle: read
          // again the same way, or every timestamptz default would count as drift.
          const asRecorded = await connectFor(
            ctx.targetUrl,
            budgetMs,
            undefined,
            SESSION_OPTIONS_WITH_DATABASE_TEXT_FORMS,
          );
          try {
            now = await catalogSummary(asRecorded, { ...only });
          } finally {
            await closeQuietly(asRecorded);
          }
          drift = driftSinceSwitch(recorded, now);
        }
        if (drift.length === 0) return pass(`${now.length} catalog objects as recorded at the switch`);
        return warn(
          `${DRIFTED} ${drift.length} difference(s) from the schema recorded then: ${drift[0]}`,
          capDetails(drift),
        );
      }
      const planned = new Set(plannedTables(ctx).map((t) => t.qualified));
      // A target on a newer major represents some objects differently: named rules even that out.
      const majors = { source: await serverMajor(source), target: await serverMajor(target) };
      // Schema level: both sides read with every name qualified (readFullyQualified), the tenant's
      // items mapped back to the source schemas, and each side restricted to its schemas (in the
      // shared database, source and target are one database).
      const layout = ctx.schemaLayout;
      if (layout) {
        await readFullyQualified(source);
        await readFullyQualified(target);
      }
      const sourceSummary = await catalogSummary(source, {
        ...(ctx.mappedRoles && { policyRoles: ctx.mappedRoles }),
        functionText: layout !== undefined,
      });
      const targetSummary = await catalogSummary(target, { functionText: layout !== undefined, ...only });
      const {
        source: s,
        target: t,
        applied,
      } = normaliseAcrossVersions(
        layout ? sourceItems(sourceSummary, layout) : sourceSummary,
        layout ? targetItemsMappedBack(targetSummary, layout) : targetSummary,
        majors,
      );
      const normalised = applied.length
        ? `; PostgreSQL ${majors.source} → ${majors.target}, normalised: ${applied.join('; ')}`
        : '';
      const differences = parityDifferences(s, t, planned);
      if (differences.length === 0) return pass(`${s.length} catalog objects match${normalised}`);
      // Functions and extensions are reported but do not fail: the shared database may carry helpers the tenant never uses.
      const soft = differences.filter((d) => d.startsWith('function ') || d.startsWith('extension '));
      const hard = differences.filter((d) => !soft.includes(d));
      if (hard.length)
        return fail(`${hard.length} difference(s): ${hard[0]}${normalised}`, capDetails([...hard, ...soft]));
      return warn(
        `${soft.length} function/extension difference(s): ${soft[0]}${normalised}`,
        capDetails(soft),
      );
    } finally {
      await closeQuietly(source);
      await closeQuietly(target);
    }
  },
};
