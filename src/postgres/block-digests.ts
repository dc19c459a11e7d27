/**
 * The per-heap-block digests of the versions snapshot S saw (catch-up.ts, Block digests), held
 * compactly: one entry per block of the tenant's rows grows with the tenant (about 40,000 blocks
 * at 1M rows in the benchmark), and a Map of `tableoid:block` strings to digest strings took about
 * 70 bytes an entry. Here, per relation oid, the block numbers sorted (Uint32Array) and their
 * digests (BigInt64Array, bucketDigest is a bigint): 12 bytes an entry. Pure.
 */
export class BlockDigests {
  private constructor(private readonly byOid: Map<string, { blocks: Uint32Array; digests: BigInt64Array }>) {}

  /** From `tableoid:block digest` pairs in any order (see eachFolded in catch-up.ts). */
  static from(each: (add: (blk: string, digest: string) => void) => void): BlockDigests {
    const lists = new Map<string, { blocks: number[]; digests: bigint[] }>();
    each((blk, digest) => {
      const [oid, block] = splitBlock(blk);
      let l = lists.get(oid);
      if (!l) lists.set(oid, (l = { blocks: [], digests: [] }));
      l.blocks.push(block);
      l.digests.push(BigInt(digest));
    });
    const byOid = new Map<string, { blocks: Uint32Array; digests: BigInt64Array }>();
    for (const [oid, l] of lists) {
      const order = l.blocks.map((_, i) => i).sort((a, b) => l.blocks[a]! - l.blocks[b]!);
      byOid.set(oid, {
        blocks: Uint32Array.from(order, (i) => l.blocks[i]!),
        digests: BigInt64Array.from(order, (i) => l.digests[i]!),
      });
    }
    return new BlockDigests(byOid);
  }

  get size(): number {
    let n = 0;
    for (const l of this.byOid.values()) n += l.blocks.length;
    return n;
  }

  /** Every `tableoid:block` and its digest (as text), by oid then block. */
  entries(): [string, string][] {
    const out: [string, string][] = [];
    for (const [oid, l] of this.byOid)
      l.blocks.forEach((b, i) => out.push([`${oid}:${b}`, String(l.digests[i])]));
    return out;
  }

  /**
   * The blocks whose digest now differs from S's (`current`: `tableoid:block digest` pairs, each
   * block once): those whose digest changed, those S saw no version of the tenant's in, and those
   * S saw versions in and none is left.
   */
  differing(
    current: (visit: (blk: string, digest: string) => void) => void,
    differs: (blk: string) => void,
  ): void {
    const seen = new Map<string, Uint8Array>();
    for (const [oid, l] of this.byOid) seen.set(oid, new Uint8Array(l.blocks.length));
    current((blk, digest) => {
      const [oid, block] = splitBlock(blk);
      const l = this.byOid.get(oid);
      const i = l ? indexOf(l.blocks, block) : -1;
      if (i === -1) return differs(blk);
      seen.get(oid)![i] = 1;
      if (l!.digests[i] !== BigInt(digest)) differs(blk);
    });
    for (const [oid, l] of this.byOid) {
      const s = seen.get(oid)!;
      l.blocks.forEach((b, i) => {
        if (!s[i]) differs(`${oid}:${b}`);
      });
    }
  }
}

function splitBlock(blk: string): [string, number] {
  const colon = blk.indexOf(':');
  return [blk.slice(0, colon), Number(blk.slice(colon + 1))];
}

/** Binary search in sorted `xs`: the index of `x`, or -1. */
function indexOf(xs: Uint32Array, x: number): number {
  let lo = 0;
  let hi = xs.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const v = xs[mid]!;
    if (v === x) return mid;
    if (v < x) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}
