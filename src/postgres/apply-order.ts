import type { OnDeleteAction } from './catalog';

/**
 * In which order the tenant's rows can be written where foreign keys are checked statement by
 * statement — in the shared database as a role that may not use `session_replication_role`:
 * rollback copies the rows back (inserts, parents first) and cleanup deletes them (children
 * first). Pure: works on the plan's tables, so the plan can say up front when no order works.
 *
 * A foreign key that references its own table never needs an order: the rows go in one
 * statement (one COPY, one DELETE), and PostgreSQL checks the key at the end of the statement.
 * Between tables, a cycle of keys needs one key that can give way:
 * - inserting: a DEFERRABLE key (checked at COMMIT once the transaction runs
 *   `SET CONSTRAINTS ALL DEFERRED`);
 * - deleting: a DEFERRABLE key, or an `ON DELETE CASCADE` key (deleting the referenced rows
 *   first takes the referencing ones along; they are the tenant's too). `SET NULL` and
 *   `SET DEFAULT` do not count: they rewrite a row instead of removing it, and the rewritten row
 *   may no longer be selected as the tenant's.
 *
 * The catch-up at the switch writes into the tenant's new database, which the run owns: there it
 * makes the keys DEFERRABLE for its own transaction, so a cycle never stops it.
 */

/** A foreign key as the order needs it; `PlanForeignKey` fits, `deferrable`/`notNull` refine it. */
export interface OrderForeignKey {
  name: string;
  /** `qualified` of the referenced table. */
  references: string;
  onDelete: OnDeleteAction;
  /** DEFERRABLE in the shared database; unknown counts as not deferrable. */
  deferrable?: boolean;
  /** Every referencing column is NOT NULL (every row references); unknown counts as nullable. */
  notNull?: boolean;
}

/** A table as the order needs it; `TablePlan` fits. */
export interface OrderTable {
  qualified: string;
  /** Rows at planning time; unknown counts as none (a cycle over empty tables cannot fail). */
  rows?: number;
  foreignKeys?: readonly OrderForeignKey[];
}

export interface ForeignKeyCycle {
  /** The tables of one strongly connected component of the foreign-key graph (2 or more). */
  tables: string[];
  /** Its keys, as `table.key → referenced table`. */
  foreignKeys: string[];
  /** Some order inserts every row: each cycle has a DEFERRABLE key. */
  insertable: boolean;
  /** Some order deletes every row: each cycle has a DEFERRABLE or ON DELETE CASCADE key. */
  deletable: boolean;
  /**
   * The failure is certain, not data-dependent: among the keys that cannot give way, the NOT
   * NULL ones alone still form a cycle over tables that all have rows (every row references).
   * Otherwise it depends on whether the rows' references actually go round.
   */
  certain: { insert: boolean; delete: boolean };
}

export interface ApplyOrder {
  /** Parents first, honouring every key that cannot give way for inserts where an order exists. */
  insertOrder: string[];
  /** Children first, honouring every key that cannot give way for deletes where an order exists. */
  deleteOrder: string[];
  cycles: ForeignKeyCycle[];
}

interface Edge {
  from: string;
  to: string;
  fk: OrderForeignKey;
}

/** Orders `tables` for inserts and deletes, and describes every cycle of foreign keys among them. */
export function applyOrder(tables: readonly OrderTable[]): ApplyOrder {
  const names = tables.map((t) => t.qualified);
  const known = new Set(names);
  const edges: Edge[] = [];
  for (const t of tables) {
    for (const fk of t.foreignKeys ?? []) {
      // Self-references go in one statement; keys to tables outside the set are not ordered here.
      if (fk.references === t.qualified || !known.has(fk.references)) continue;
      edges.push({ from: t.qualified, to: fk.references, fk });
    }
  }
  const rows = new Map(tables.map((t) => [t.qualified, t.rows ?? 0]));
  const givesWayOnInsert = (e: Edge) => e.fk.deferrable === true;
  const givesWayOnDelete = (e: Edge) => e.fk.deferrable === true || e.fk.onDelete === 'cascade';

  const cycles: ForeignKeyCycle[] = [];
  for (const component of stronglyConnected(names, edges)) {
    if (component.length < 2) continue;
    const inside = new Set(component);
    const own = edges.filter((e) => inside.has(e.from) && inside.has(e.to));
    const stuck = (givesWay: (e: Edge) => boolean) => own.filter((e) => !givesWay(e));
    const certain = (givesWay: (e: Edge) => boolean) => {
      const hard = stuck(givesWay).filter(
        (e) => e.fk.notNull === true && (rows.get(e.from) ?? 0) > 0 && (rows.get(e.to) ?? 0) > 0,
      );
      return hasCycle(component, hard);
    };
    const insertable = !hasCycle(component, stuck(givesWayOnInsert));
    const deletable = !hasCycle(component, stuck(givesWayOnDelete));
    cycles.push({
      tables: component,
      foreignKeys: own.map((e) => `${e.from}.${e.fk.name} → ${e.to}`),
      insertable,
      deletable,
      certain: {
        insert: !insertable && certain(givesWayOnInsert),
        delete: !deletable && certain(givesWayOnDelete),
      },
    });
  }
  return {
    insertOrder: topological(
      names,
      edges.filter((e) => !givesWayOnInsert(e)),
    ),
    deleteOrder: topological(
      names,
      edges.filter((e) => !givesWayOnDelete(e)),
    ).reverse(),
    cycles,
  };
}

export interface OrderFinding {
  /** `blocker`: the promotion should not start; `note`: worth knowing, does not block. */
  level: 'blocker' | 'note';
  message: string;
}

/**
 * What the plan should say about the cycles of `order`. A cleanup that certainly cannot delete
 * the tenant's shared rows is a blocker unless the shared rows are kept (the promotion would
 * switch, then refuse to clean up on every re-run); everything data-dependent, and a rollback
 * that could not copy the rows back (it refuses before its commit point, and the tenant stays
 * isolated), is a note.
 */
export function applyOrderFindings(
  order: ApplyOrder,
  options: { keepSharedData?: boolean } = {},
): OrderFinding[] {
  const out: OrderFinding[] = [];
  for (const c of order.cycles) {
    if (c.insertable && c.deletable) continue;
    const where = `Foreign keys form a cycle between ${c.tables.join(', ')} (${c.foreignKeys.join('; ')})`;
    const remedy = (what: string) =>
      `make one of these keys DEFERRABLE in the shared database (ALTER TABLE … ALTER CONSTRAINT … DEFERRABLE)${what}`;
    if (!c.deletable) {
      const certain = c.certain.delete;
      out.push({
        level: certain && !options.keepSharedData ? 'blocker' : 'note',
        message: `${where}: ${certain ? 'no order can delete' : 'unless the references between its rows never go round, no order can delete'} the tenant's shared rows at cleanup, since none of these keys is DEFERRABLE or ON DELETE CASCADE. Keep the shared rows (keep-shared-data), or ${remedy('')}. The catch-up into the new database is unaffected (it defers the keys there).`,
      });
    }
    if (!c.insertable) {
      out.push({
        level: 'note',
        message: `${where}: ${c.certain.insert ? 'a rollback cannot copy' : 'unless the references between its rows never go round, a rollback cannot copy'} the tenant's rows back into the shared database in any order as a role that may not use session_replication_role, since none of these keys is DEFERRABLE; it would refuse before changing anything. To allow it, ${remedy(', or roll back as a superuser')}.`,
      });
    }
  }
  return out;
}

/** Tarjan's strongly connected components, iteratively; components in discovery order. */
function stronglyConnected(nodes: readonly string[], edges: readonly Edge[]): string[][] {
  const out = new Map<string, string[]>();
  for (const n of nodes) out.set(n, []);
  for (const e of edges) out.get(e.from)!.push(e.to);
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const components: string[][] = [];
  let counter = 0;
  const order = new Map(nodes.map((n, i) => [n, i]));
  for (const root of nodes) {
    if (index.has(root)) continue;
    const work: { node: string; next: number }[] = [{ node: root, next: 0 }];
    index.set(root, counter);
    low.set(root, counter++);
    stack.push(root);
    onStack.add(root);
    while (work.length) {
      const frame = work[work.length - 1]!;
      const targets = out.get(frame.node)!;
      if (frame.next < targets.length) {
        const w = targets[frame.next++]!;
        if (!index.has(w)) {
          index.set(w, counter);
          low.set(w, counter++);
          stack.push(w);
          onStack.add(w);
          work.push({ node: w, next: 0 });
        } else if (onStack.has(w)) {
          low.set(frame.node, Math.min(low.get(frame.node)!, index.get(w)!));
        }
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low.set(parent.node, Math.min(low.get(parent.node)!, low.get(frame.node)!));
      if (low.get(frame.node) === index.get(frame.node)) {
        const component: string[] = [];
        for (;;) {
          const w = stack.pop()!;
          onStack.delete(w);
          component.push(w);
          if (w === frame.node) break;
        }
        components.push(component.sort((a, b) => order.get(a)! - order.get(b)!));
      }
    }
  }
  return components;
}

function hasCycle(nodes: readonly string[], edges: readonly Edge[]): boolean {
  return stronglyConnected(nodes, edges).some((c) => c.length > 1);
}

/**
 * Referenced tables before referencing ones (Kahn's algorithm; ties keep the input order). Where
 * a cycle remains, the waiting table that comes first in the input goes next, so the result
 * always lists every table once.
 */
function topological(nodes: readonly string[], edges: readonly Edge[]): string[] {
  const waitingOn = new Map<string, Set<string>>(nodes.map((n) => [n, new Set<string>()]));
  for (const e of edges) waitingOn.get(e.from)!.add(e.to);
  const remaining = new Set(nodes);
  const out: string[] = [];
  while (remaining.size) {
    const ready = nodes.filter(
      (n) => remaining.has(n) && [...waitingOn.get(n)!].every((p) => !remaining.has(p)),
    );
    const next = ready.length ? ready : [nodes.find((n) => remaining.has(n))!];
    for (const n of next) {
      out.push(n);
      remaining.delete(n);
    }
  }
  return out;
}
