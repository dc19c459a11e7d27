import type pg from 'pg';
import type { CloneBlocker } from './catalog';

/**
 * Objects of the source that the schema clone cannot recreate on the target as the connecting
 * role, each with everything that depends on it. Read from the catalog (with the caller's empty
 * search_path, so names come out qualified), before anything is created: a promotion that would
 * otherwise fail half-way through the clone ("function public.group_concat(text) does not exist"
 * at statement 257) is refused up front, naming the object and its dependents.
 *
 * Two kinds:
 * - object kinds the clone has no DDL for (base and shell types, operator classes
 *   and families, text search parsers and templates); a foreign table only when
 *   something cloned depends on it (it holds no tenant rows; it is otherwise left out with a note);
 * - objects only a superuser may create, when the connecting role is not one (managed
 *   PostgreSQL): functions in an untrusted language (C, internal, plpython3u…), aggregates whose
 *   transition state is `internal`, extensions that are not trusted, binary-coercible casts and casts between types the clone does not create.
 *
 * The target is assumed to be the server the role is connected to (the tenant's database is
 * created there) with the same role.
 */

/** Not a member of an extension (deptype 'e'). */
const NOT_EXT = (catalog: string, oid: string) =>
  `NOT EXISTS (SELECT 1 FROM pg_depend xd WHERE xd.classid = '${catalog}'::regclass AND xd.objid = ${oid} AND xd.deptype = 'e')`;

interface Candidate {
  classid: string;
  objid: string;
  object: string;
  why: string;
  /** Blocks only when something depends on it. */
  onlyIfNeeded: boolean;
}

const candidatesSql = `
  WITH me AS (SELECT r.rolsuper AS su FROM pg_roles r WHERE r.rolname = current_user)
  SELECT 'pg_type'::regclass::oid::text AS classid, t.oid::text AS objid, 'type ' || t.oid::regtype::text AS object,
         'the clone cannot recreate a base or shell type (its input/output functions are C code)' AS why, false AS "onlyIfNeeded"
    FROM pg_type t WHERE t.typnamespace = ANY($1::oid[]) AND t.typtype IN ('b', 'p') AND t.typelem = 0 AND ${NOT_EXT('pg_type', 't.oid')}
  UNION ALL
  SELECT 'pg_opclass'::regclass::oid::text, c.oid::text, 'operator class ' || quote_ident(n.nspname) || '.' || quote_ident(c.opcname),
         'the clone does not recreate operator classes', false
    FROM pg_opclass c JOIN pg_namespace n ON n.oid = c.opcnamespace
   WHERE c.opcnamespace = ANY($1::oid[]) AND ${NOT_EXT('pg_opclass', 'c.oid')}
  UNION ALL
  SELECT 'pg_opfamily'::regclass::oid::text, f.oid::text, 'operator family ' || quote_ident(n.nspname) || '.' || quote_ident(f.opfname),
         'the clone does not recreate operator families', false
    FROM pg_opfamily f JOIN pg_namespace n ON n.oid = f.opfnamespace
   WHERE f.opfnamespace = ANY($1::oid[]) AND ${NOT_EXT('pg_opfamily', 'f.oid')}
     -- an operator class's implicit family goes with its class
     AND NOT EXISTS (SELECT 1 FROM pg_opclass c WHERE c.opcfamily = f.oid AND c.opcname = f.opfname AND c.opcnamespace = f.opfnamespace)
  UNION ALL
  SELECT 'pg_ts_parser'::regclass::oid::text, p.oid::text, 'text search parser ' || quote_ident(n.nspname) || '.' || quote_ident(p.prsname),
         'the clone does not recreate text search parsers (C functions)', false
    FROM pg_ts_parser p JOIN pg_namespace n ON n.oid = p.prsnamespace
   WHERE p.prsnamespace = ANY($1::oid[]) AND ${NOT_EXT('pg_ts_parser', 'p.oid')}
  UNION ALL
  SELECT 'pg_ts_template'::regclass::oid::text, t.oid::text, 'text search template ' || quote_ident(n.nspname) || '.' || quote_ident(t.tmplname),
         'the clone does not recreate text search templates (C functions)', false
    FROM pg_ts_template t JOIN pg_namespace n ON n.oid = t.tmplnamespace
   WHERE t.tmplnamespace = ANY($1::oid[]) AND ${NOT_EXT('pg_ts_template', 't.oid')}
  UNION ALL
  SELECT 'pg_class'::regclass::oid::text, c.oid::text, 'foreign table ' || c.oid::regclass::text,
         'the clone does not recreate foreign tables (their server and user mappings live outside the schema)', true
    FROM pg_class c WHERE c.relnamespace = ANY($1::oid[]) AND c.relkind = 'f' AND ${NOT_EXT('pg_class', 'c.oid')}
  UNION ALL
  SELECT 'pg_proc'::regclass::oid::text, p.oid::text,
         CASE p.prokind WHEN 'p' THEN 'procedure ' ELSE 'function ' END || p.oid::regprocedure::text,
         'it is written in ' || quote_ident(l.lanname) || ', an untrusted language: only a superuser can create it, and role "' || current_user || '" is not one', false
    FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang, me
   WHERE NOT me.su AND NOT l.lanpltrusted AND p.pronamespace = ANY($1::oid[]) AND p.prokind IN ('f', 'p', 'w')
     AND ${NOT_EXT('pg_proc', 'p.oid')}
     AND NOT EXISTS (SELECT 1 FROM pg_depend i WHERE i.classid = 'pg_proc'::regclass AND i.objid = p.oid AND i.deptype = 'i')
  UNION ALL
  SELECT 'pg_proc'::regclass::oid::text, p.oid::text, 'aggregate ' || p.oid::regprocedure::text,
         'its transition state is of type internal: only a superuser can create such an aggregate, and role "' || current_user || '" is not one', false
    FROM pg_aggregate a JOIN pg_proc p ON p.oid = a.aggfnoid, me
   WHERE NOT me.su AND p.pronamespace = ANY($1::oid[]) AND ${NOT_EXT('pg_proc', 'p.oid')}
     AND 'internal'::regtype IN (a.aggtranstype, a.aggmtranstype)
  UNION ALL
  SELECT 'pg_extension'::regclass::oid::text, x.oid::text, 'extension ' || quote_ident(x.extname),
         'it is not a trusted extension: only a superuser can create it, and role "' || current_user || '" is not one', false
    FROM pg_extension x JOIN pg_available_extension_versions v ON v.name = x.extname AND v.version = x.extversion, me
   WHERE NOT me.su AND v.superuser AND NOT v.trusted AND x.extname <> 'plpgsql' AND $1::oid[] IS NOT NULL
  UNION ALL
  SELECT 'pg_cast'::regclass::oid::text, c.oid::text, 'cast (' || format_type(c.castsource, NULL) || ' AS ' || format_type(c.casttarget, NULL) || ')',
         CASE WHEN c.castmethod = 'b' THEN 'only a superuser can create a binary-coercible cast (WITHOUT FUNCTION)'
              ELSE 'only the owner of its source or target type can create it, and the clone creates neither (built-in or an extension''s)' END
         || ', and role "' || current_user || '" is not a superuser', false
    FROM pg_cast c, me
   WHERE NOT me.su AND c.oid >= 16384 AND ${NOT_EXT('pg_cast', 'c.oid')}
     AND NOT EXISTS (SELECT 1 FROM pg_depend i WHERE i.classid = 'pg_cast'::regclass AND i.objid = c.oid AND i.deptype = 'i')
     AND (c.castmethod = 'b' OR NOT EXISTS (
           SELECT 1 FROM pg_type t WHERE t.oid IN (c.castsource, c.casttarget)
              AND t.typnamespace = ANY($1::oid[]) AND ${NOT_EXT('pg_type', 't.oid')}))
  ORDER BY 3`;

/**
 * Everything that depends on one object (pg_depend, normal, automatic and internal dependencies,
 * transitively). A view's rewrite rule stands for its view, so what depends on the view follows.
 * The object itself and members of extensions are not listed.
 */
const dependentsSql = `
  WITH RECURSIVE dep(classid, objid, objsubid) AS (
    SELECT * FROM (
      SELECT CASE WHEN rw.oid IS NOT NULL THEN 'pg_class'::regclass::oid ELSE d.classid END,
             coalesce(rw.ev_class, d.objid), CASE WHEN rw.oid IS NOT NULL THEN 0 ELSE d.objsubid END
        FROM pg_depend d LEFT JOIN pg_rewrite rw ON d.classid = 'pg_rewrite'::regclass AND rw.oid = d.objid
       WHERE d.refclassid = $1::oid AND d.refobjid = $2::oid AND d.deptype IN ('n', 'a', 'i')) s
    UNION
    SELECT CASE WHEN rw.oid IS NOT NULL THEN 'pg_class'::regclass::oid ELSE d.classid END,
           coalesce(rw.ev_class, d.objid), CASE WHEN rw.oid IS NOT NULL THEN 0 ELSE d.objsubid END
      FROM dep JOIN pg_depend d ON d.refclassid = dep.classid AND d.refobjid = dep.objid
                               AND (dep.objsubid = 0 OR d.refobjsubid = dep.objsubid)
      LEFT JOIN pg_rewrite rw ON d.classid = 'pg_rewrite'::regclass AND rw.oid = d.objid
     WHERE d.deptype IN ('n', 'a', 'i')
  )
  SELECT DISTINCT pg_describe_object(dep.classid, dep.objid, dep.objsubid) AS what
    FROM dep
   WHERE NOT (dep.classid = $1::oid AND dep.objid = $2::oid)
     AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = dep.classid AND e.objid = dep.objid AND e.deptype = 'e')
     -- a view's columns come with the view, which is named
     AND NOT (dep.classid = 'pg_class'::regclass AND dep.objsubid <> 0 AND EXISTS (
           SELECT 1 FROM pg_class v WHERE v.oid = dep.objid AND v.relkind IN ('v', 'm')))
     -- an array type and a table's row type are parts of their object, not dependents to name
     AND NOT (dep.classid = 'pg_type'::regclass AND EXISTS (
           SELECT 1 FROM pg_type t WHERE t.oid = dep.objid AND (t.typelem <> 0 OR t.typrelid <> 0)))
   ORDER BY 1`;

/** Reads the blockers of a clone of the schemas `namespaces` (oids), with their dependents. */
export async function readBlockers(client: pg.ClientBase, namespaces: string[]): Promise<CloneBlocker[]> {
  const candidates = (await client.query<Candidate>(candidatesSql, [namespaces])).rows;
  const blockers: CloneBlocker[] = [];
  for (const c of candidates) {
    const { rows } = await client.query<{ what: string | null }>(dependentsSql, [c.classid, c.objid]);
    const dependents = rows.map((r) => r.what).filter((w): w is string => !!w);
    if (c.onlyIfNeeded && dependents.length === 0) continue;
    blockers.push({ object: c.object, why: c.why, dependents });
  }
  return blockers;
}

/** One line per blocker: the object, why, and what depends on it (at most `max` named). */
export function describeBlocker(b: CloneBlocker, max = 12): string {
  const shown = b.dependents.slice(0, max);
  const more = b.dependents.length - shown.length;
  const needed = b.dependents.length
    ? `; needed by ${shown.join(', ')}${more > 0 ? ` and ${more} more` : ''}`
    : '; nothing in the schema depends on it, but the application may use it';
  return `${b.object}: ${b.why}${needed}`;
}
