/**
 * Dependency order for DDL, from pg_depend edges. Kahn's algorithm; among objects that are ready
 * the lowest `rank` (then name) goes first, so the output is deterministic. A cycle (e.g. a table
 * whose default calls a function that returns that table's row type) cannot be ordered: the
 * lowest-ranked object in it is emitted anyway and reported in `cycles`, so the apply names it
 * if it then fails.
 */
export interface OrderNode {
  key: string;
  rank: number;
  name: string;
}

export function topoOrder<T extends OrderNode>(
  nodes: T[],
  edges: [string, string][],
): { ordered: T[]; cycles: string[] } {
  const byKey = new Map(nodes.map((n) => [n.key, n]));
  const deps = new Map<string, Set<string>>();
  const dependents = new Map<string, Set<string>>();
  for (const n of nodes) {
    deps.set(n.key, new Set());
    dependents.set(n.key, new Set());
  }
  for (const [from, to] of edges) {
    if (from === to || !byKey.has(from) || !byKey.has(to)) continue;
    deps.get(from)!.add(to);
    dependents.get(to)!.add(from);
  }
  const cmp = (a: T, b: T) => a.rank - b.rank || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  const ready = nodes.filter((n) => deps.get(n.key)!.size === 0).sort(cmp);
  const done = new Set<string>();
  const ordered: T[] = [];
  const cycles: string[] = [];
  const insert = (n: T) => {
    let lo = 0;
    let hi = ready.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cmp(ready[mid]!, n) <= 0) lo = mid + 1;
      else hi = mid;
    }
    ready.splice(lo, 0, n);
  };
  const emit = (n: T) => {
    done.add(n.key);
    ordered.push(n);
    for (const d of dependents.get(n.key)!) {
      const s = deps.get(d)!;
      s.delete(n.key);
      if (s.size === 0 && !done.has(d)) insert(byKey.get(d)!);
    }
  };
  while (ordered.length < nodes.length) {
    const next = ready.shift();
    if (next) {
      if (!done.has(next.key)) emit(next);
      continue;
    }
    // Only cycles remain: break one at its lowest-ranked member.
    const stuck = nodes.filter((n) => !done.has(n.key)).sort(cmp)[0]!;
    cycles.push(stuck.name);
    deps.get(stuck.key)!.clear();
    emit(stuck);
  }
  return { ordered, cycles };
}

/** Keys reachable backwards from `seeds` (the seeds and everything that depends on them). */
export function dependentsClosure(seeds: Iterable<string>, edges: [string, string][]): Set<string> {
  const rev = new Map<string, string[]>();
  for (const [from, to] of edges) {
    const list = rev.get(to) ?? [];
    list.push(from);
    rev.set(to, list);
  }
  const out = new Set<string>();
  const stack = [...seeds];
  while (stack.length) {
    const k = stack.pop()!;
    if (out.has(k)) continue;
    out.add(k);
    for (const d of rev.get(k) ?? []) stack.push(d);
  }
  return out;
}
