import type pg from 'pg';

/**
 * The base snapshot S of the switch, and the oldest transaction whose writes S may not have seen
 * in this database (issue 13, property 5: open transactions elsewhere in the cluster change
 * nothing).
 *
 * A row version S did not see was written by a transaction S saw as running or future: one in
 * its in-progress list (`pg_snapshot_xip`), a subtransaction of one (newer than its top-level
 * xid; `pg_current_snapshot()` leaves subtransactions out), or one at or past `pg_snapshot_xmax`.
 * S.xmin is the oldest running transaction of the whole cluster, so one idle transaction holding
 * an xid in another database holds it back, and every row written since looked "maybe changed".
 *
 * A transaction runs in one database for its whole life (a backend never changes database), and
 * only writes that database's tables; so do its subtransactions. The in-progress transactions of
 * S that provably run in another database — a backend's `backend_xid` with that backend's
 * `datid`, or a prepared transaction's `database` — can never have written our tables. The lower
 * bound is then the oldest in-progress xid of S NOT proven to be elsewhere, or S.xmax when there
 * is none: every version with an older xmin was committed before S (so S saw it), or was written
 * by a transaction elsewhere (not in our tables), or aborted.
 *
 * Conservative wherever proof is missing: an xid no backend lists (the transaction ended between
 * S and the read, a backend the role may not see, an auxiliary process) is not proven elsewhere,
 * nor is one whose backend has no database, nor any of our own database's sessions (the run's
 * included). The xids are read in the same statement that takes S (the first of its REPEATABLE
 * READ transaction); a transaction id is never reused while it can be in a snapshot, so a match is
 * the same transaction whenever it was read. `backend_xid` and `datid` are shown to every role
 * (pg_stat_activity hides only the query and state of other roles' sessions), so a role with
 * only LOGIN CREATEDB CREATEROLE gets the same bound.
 */

/** What the statement taking S reads: S itself and the xids running in other databases. */
export interface BaseSnapshotFacts {
  /** `pg_snapshot_xmin(S)`, xid8 as text. */
  xmin: string;
  /** `pg_snapshot_xmax(S)`, xid8 as text. */
  xmax: string;
  /** `pg_snapshot_xip(S)`, xid8s as text. */
  xip: string[];
  /** 32-bit xids of transactions proven to run in another database, as text. */
  elsewhere: string[];
}

export interface BaseSnapshot extends BaseSnapshotFacts {
  /** The oldest xid (xid8, text) whose writes S may not have seen in this database; see above. */
  changedFrom: string;
  /** How many of S's in-progress transactions are proven to run in another database. */
  openElsewhere: number;
}

/**
 * Run as the first statement of the REPEATABLE READ transaction that holds S: takes S and reads,
 * in the same statement, which transactions run in other databases.
 */
export const BASE_SNAPSHOT_SQL = `
SELECT pg_snapshot_xmin(s.s)::text AS xmin, pg_snapshot_xmax(s.s)::text AS xmax,
       ARRAY(SELECT x::text FROM pg_snapshot_xip(s.s) AS x) AS xip,
       ARRAY(SELECT a.backend_xid::text FROM pg_stat_activity a
              WHERE a.backend_xid IS NOT NULL AND a.datid IS NOT NULL
                AND a.datid <> (SELECT d.oid FROM pg_database d WHERE d.datname = current_database())
             UNION ALL
             SELECT p.transaction::text FROM pg_prepared_xacts p
              WHERE p.database IS NOT NULL AND p.database <> current_database()) AS elsewhere
  FROM (SELECT pg_current_snapshot() AS s) AS s`;

const XID = /^\d+$/;

/** The 32-bit xid of an xid8 (row headers and pg_stat_activity hold 32-bit xids). */
const low32 = (xid8: string) => BigInt(xid8) % 4294967296n;

/**
 * The lower bound of the xids S may not have seen here (see the module comment), and how many
 * in-progress xids of S it leaves out as proven elsewhere. Pure.
 */
export function changedFromXid(facts: BaseSnapshotFacts): { changedFrom: string; openElsewhere: number } {
  for (const x of [facts.xmin, facts.xmax, ...facts.xip, ...facts.elsewhere])
    if (!XID.test(x)) throw new Error(`Unexpected transaction id ${x}`);
  const elsewhere = new Set(facts.elsewhere.map((x) => BigInt(x)));
  let bound = BigInt(facts.xmax);
  let openElsewhere = 0;
  for (const x of facts.xip) {
    const x8 = BigInt(x);
    if (elsewhere.has(low32(x))) openElsewhere++;
    else if (x8 < bound) bound = x8;
  }
  // Never below S.xmin (no in-progress xid is): the bound only ever narrows the horizon test.
  const xmin = BigInt(facts.xmin);
  return { changedFrom: (bound < xmin ? xmin : bound).toString(), openElsewhere };
}

/** Takes S in `client` (which must have just begun a REPEATABLE READ transaction) and its bound. */
export async function takeBaseSnapshot(client: pg.ClientBase): Promise<BaseSnapshot> {
  const { rows } = await client.query<BaseSnapshotFacts>(BASE_SNAPSHOT_SQL);
  const facts = rows[0]!;
  return { ...facts, ...changedFromXid(facts) };
}
