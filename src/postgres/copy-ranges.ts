import type { TablePlan } from './plan-types';

/**
 * Splitting a table that dominates the copy into block ranges (issue 18, target 3). Without it
 * the largest table is one COPY on one worker: at 5M rows, with one table holding 75 % of the
 * bytes, the parallel copy lost to a bare pipe. A range is a TID range of the table's heap
 * (`t.ctid >= '(a,0)' AND t.ctid < '(b,0)'`, a TID Range Scan since PostgreSQL 14) with the
 * tenant predicate still applied; on a partitioned parent the condition applies to every
 * partition's own blocks. The first range has no lower bound and the last no upper bound, so the
 * ranges cover every block a row can be in, whatever the table's size when the range is read:
 * every row of the snapshot lands in exactly one range. Boundaries only decide balance, never
 * which rows are copied. Pure: the facts (block counts, sampled block numbers) are read by the copy.
 */

/** A table's tenant rows larger than this may be split; below it one COPY is cheaper than several. */
export const MIN_SPLIT_BYTES = 1024 * 1024;
/** No range smaller than this (estimated tenant bytes). */
export const MIN_RANGE_BYTES = 256 * 1024;
/** Ranges per worker at most: more ranges than workers lets longest-first even out the finish. */
export const RANGES_PER_WORKER = 2;
/**
 * The tenant's rows must fill at least this share of the relation's pages: the ranges read the
 * whole heap once, which for a tenant with a small share of a large table costs more than the
 * tenant-key index scan of one COPY.
 */
export const MIN_TENANT_SHARE = 0.2;

export interface CopyRange {
  /** 0-based position among the table's ranges. */
  index: number;
  of: number;
  /** First block (inclusive); absent for the first range. */
  fromBlock?: number;
  /** Block where the next range starts (exclusive); absent for the last range. */
  toBlock?: number;
}

/** One COPY of the copy's queue: a whole table, or one range of a split table. */
export interface CopyUnit {
  table: TablePlan;
  range?: CopyRange;
  /** Estimated tenant bytes of this unit (for longest-first ordering). */
  bytes: number;
}

/** What the copy read about a split candidate on the snapshot's session. */
export interface SplitFacts {
  /** Pages of the relation (all partitions of a partitioned parent). */
  blocks: number;
  blockSize: number;
  /** Block numbers of a sample of the tenant's rows (any order). */
  sample: number[];
  /**
   * The share of the relation's blocks the sample read (0–1]: with it, the sample also says how
   * many of the tenant's rows the table holds, which corrects a plan that only estimated them.
   */
  sampledShare?: number;
}

/**
 * Tables worth splitting: with more than one worker, a table whose tenant bytes exceed an even
 * share of the whole copy (it alone would outlast the other workers) and MIN_SPLIT_BYTES.
 */
export function splitCandidates(tables: readonly TablePlan[], parallelism: number): TablePlan[] {
  if (parallelism <= 1) return [];
  if (!tables.every((t) => t.bytes !== undefined)) return [];
  const total = tables.reduce((s, t) => s + (t.bytes ?? 0), 0);
  return tables.filter(
    (t) => t.columns.length > 0 && (t.bytes ?? 0) >= MIN_SPLIT_BYTES && (t.bytes ?? 0) > total / parallelism,
  );
}

/** How many ranges a candidate gets: pieces of about half a worker's even share, within the bounds. */
export function rangeCount(tableBytes: number, totalBytes: number, parallelism: number): number {
  if (parallelism <= 1 || totalBytes <= 0) return 1;
  const piece = totalBytes / (RANGES_PER_WORKER * parallelism);
  const wanted = Math.ceil(tableBytes / piece);
  const bySize = Math.floor(tableBytes / MIN_RANGE_BYTES);
  return Math.max(1, Math.min(wanted, bySize, RANGES_PER_WORKER * parallelism));
}

/**
 * Range boundaries (ascending, distinct, > 0) splitting the sampled tenant rows into `count`
 * groups of about equal size: the quantiles of the sampled block numbers. Fewer when the sample
 * cannot tell them apart.
 */
export function boundariesFromSample(sample: readonly number[], count: number): number[] {
  const blocks = sample.filter((b) => Number.isSafeInteger(b) && b >= 0).sort((a, b) => a - b);
  if (count < 2 || blocks.length < count) return [];
  const out: number[] = [];
  for (let i = 1; i < count; i++) {
    const b = blocks[Math.floor((i * blocks.length) / count)]!;
    if (b > 0 && b > (out[out.length - 1] ?? 0)) out.push(b);
  }
  return out;
}

/**
 * The copy's queue: candidates with facts become ranges, every other table one unit. With more
 * than one worker, longest first (the workers stay busy until the end); otherwise plan order.
 */
export function planCopyUnits(
  tables: readonly TablePlan[],
  parallelism: number,
  facts: ReadonlyMap<string, SplitFacts>,
): CopyUnit[] {
  const total = tables.reduce((s, t) => s + (t.bytes ?? 0), 0);
  const units: CopyUnit[] = [];
  for (const table of tables) {
    const f = facts.get(table.qualified);
    const bytes = f ? sampledBytes(table, f) : (table.bytes ?? 0);
    const boundaries =
      f && bytes >= MIN_TENANT_SHARE * f.blocks * f.blockSize
        ? boundariesFromSample(f.sample, rangeCount(bytes, total, parallelism))
        : [];
    if (boundaries.length === 0) {
      units.push({ table, bytes });
      continue;
    }
    const of = boundaries.length + 1;
    for (let index = 0; index < of; index++) {
      const range: CopyRange = { index, of };
      if (index > 0) range.fromBlock = boundaries[index - 1]!;
      if (index < of - 1) range.toBlock = boundaries[index]!;
      units.push({ table, range, bytes: bytes / of });
    }
  }
  if (parallelism > 1 && tables.every((t) => t.bytes !== undefined)) {
    // Stable: ranges of one table keep their order among equals.
    units.sort((a, b) => b.bytes - a.bytes);
  }
  return units;
}

/**
 * The tenant's bytes of a split candidate: the plan's, or, when the plan only estimated them
 * (TablePlan.estimated), the rows the block sample found scaled by the share it read, at the
 * plan's bytes per row. A planner's estimate can be far off where the tenant is reached through
 * joins (an OR of EXISTS is guessed at a fixed share of the table): a table the sample finds
 * nearly empty of the tenant's rows is then copied whole, not read whole in ranges.
 */
export function sampledBytes(table: TablePlan, facts: SplitFacts): number {
  const bytes = table.bytes ?? 0;
  const share = facts.sampledShare;
  if (table.estimated !== true || share === undefined || !(share > 0) || !((table.rows ?? 0) > 0))
    return bytes;
  return (bytes / table.rows!) * (facts.sample.length / Math.min(1, share));
}

/** The range's condition on alias `t` (`true` for a whole table). Block numbers are checked integers. */
export function rangePredicate(range: CopyRange | undefined): string {
  if (!range) return 'true';
  const tid = (block: number) => {
    if (!Number.isSafeInteger(block) || block < 0 || block > 0xffffffff) {
      throw new Error(`Invalid block number ${block} for a copy range.`);
    }
    return `'(${block},0)'::tid`;
  };
  const parts: string[] = [];
  if (range.fromBlock !== undefined) parts.push(`t.ctid >= ${tid(range.fromBlock)}`);
  if (range.toBlock !== undefined) parts.push(`t.ctid < ${tid(range.toBlock)}`);
  return parts.length ? parts.join(' AND ') : 'true';
}

/** `schema.name[i/n]` for messages and failpoints; the table's name alone for a whole table. */
export function unitLabel(table: Pick<TablePlan, 'schema' | 'name'>, range: CopyRange | undefined): string {
  const name = `${table.schema}.${table.name}`;
  return range ? `${name}[${range.index + 1}/${range.of}]` : name;
}
