import { setTimeout as delay } from 'node:timers/promises';
import pg from 'pg';

/**
 * A writer that follows the documented application contract: every write transaction first
 * reads the tenant row `FOR SHARE` in the shared database, and writes to the shared database
 * only while it says `shared` — otherwise to the tenant's own database. It inserts, updates and
 * deletes across users, projects, project_members (dependent, no tenant key), audit_logs (no
 * primary key) and agent_events (partitioned), and keeps a model of every write that committed,
 * so a test can check that none was lost.
 */
/** The fixture tables whose rows of the tenant the writer changes (fault-checks.ts's names). */
export const WRITER_TABLES = [
  'public.users',
  'public.projects',
  'public.project_members',
  'public.audit_logs',
  'public.agent_events',
];

export interface WriterSeed {
  tenantId: string;
  /** Used in every value the writer creates, so its rows are recognisable. */
  tag: string;
  projectIds: number[];
  memberPairs: [number, number][];
  events: { id: string; occurredAt: string }[];
}

export interface WriterModel {
  /** email → display_name, or null when the writer deleted the user. */
  users: Map<string, string | null>;
  /** project id → name */
  projects: Map<number, string>;
  /** "project:user" of pre-existing members the writer deleted. */
  deletedMembers: Set<string>;
  /** "project:email" of members the writer added. */
  addedMembers: Set<string>;
  /** audit_logs.action values inserted (each once). */
  audit: Set<string>;
  /** agent_events.kind values inserted. */
  eventsInserted: Set<string>;
  /** "id|occurred_at" → payload.writer set, or null when deleted. */
  eventsChanged: Map<string, number | null>;
}

export async function writerSeed(url: string, tenantId: string, tag: string): Promise<WriterSeed> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    const projects = await c.query<{ id: number }>(
      'SELECT id FROM projects WHERE tenant_id = $1 ORDER BY id LIMIT 300',
      [tenantId],
    );
    const members = await c.query<{ project_id: number; user_id: string }>(
      `SELECT m.project_id, m.user_id FROM project_members m JOIN projects p ON p.id = m.project_id
        WHERE p.tenant_id = $1 AND m.role <> 'owner' ORDER BY 1, 2 LIMIT 2000`,
      [tenantId],
    );
    const events = await c.query<{ id: string; at: string }>(
      `SELECT id::text, occurred_at::text AS at FROM agent_events WHERE tenant_id = $1 ORDER BY id LIMIT 2000`,
      [tenantId],
    );
    return {
      tenantId,
      tag,
      projectIds: projects.rows.map((r) => r.id),
      memberPairs: members.rows.map((r) => [r.project_id, Number(r.user_id)]),
      events: events.rows.map((r) => ({ id: r.id, occurredAt: r.at })),
    };
  } finally {
    await c.end();
  }
}

export class ContractWriter {
  readonly model: WriterModel = {
    users: new Map(),
    projects: new Map(),
    deletedMembers: new Set(),
    addedMembers: new Set(),
    audit: new Set(),
    eventsInserted: new Set(),
    eventsChanged: new Map(),
  };
  /** Committed write transactions, by where they went. */
  readonly committed = { shared: 0, isolated: 0 };
  /** Each committed transaction's duration in ms (FOR SHARE included). */
  readonly latencies: number[] = [];
  readonly errors: string[] = [];
  private stopping = false;
  private seq = 0;
  private shared?: pg.Client;
  private isolated?: pg.Client;
  private readonly members: [number, number][];
  private readonly events: { id: string; occurredAt: string }[];
  /** Users the writer created that nothing references yet (deletable). */
  private readonly freshUsers: string[] = [];

  constructor(
    private readonly sharedUrl: string,
    private readonly isolatedUrl: string,
    private readonly seed: WriterSeed,
    /** Pause between writes: a paced application (the benchmark) rather than one at full speed (the tests). */
    private readonly pauseMs = 0,
  ) {
    this.members = [...seed.memberPairs];
    this.events = [...seed.events];
  }

  /** Writes in a loop until `stop()`; resolves when the last transaction has ended. */
  async run(): Promise<void> {
    this.shared = new pg.Client({ connectionString: this.sharedUrl, application_name: 'contract-writer' });
    await this.shared.connect();
    try {
      while (!this.stopping) {
        await this.writeOnce();
        if (this.pauseMs > 0 && !this.stopping) await delay(this.pauseMs);
      }
    } finally {
      await this.shared.end().catch(() => undefined);
      await this.isolated?.end().catch(() => undefined);
    }
  }

  stop(): void {
    this.stopping = true;
  }

  get total(): number {
    return this.committed.shared + this.committed.isolated;
  }

  private async writeOnce(): Promise<void> {
    const shared = this.shared!;
    const i = ++this.seq;
    const started = performance.now();
    let target: pg.Client | undefined;
    let apply: (() => void) | undefined;
    try {
      await shared.query('BEGIN');
      const { rows } = await shared.query<{ isolation_mode: string }>(
        'SELECT isolation_mode FROM tenants WHERE id = $1 FOR SHARE',
        [this.seed.tenantId],
      );
      const mode = rows[0]?.isolation_mode;
      if (mode === 'shared') target = shared;
      else if (mode === 'isolated') {
        if (!this.isolated) {
          this.isolated = new pg.Client({
            connectionString: this.isolatedUrl,
            application_name: 'contract-writer',
          });
          await this.isolated.connect();
        }
        target = this.isolated;
        await target.query('BEGIN');
      } else throw new Error(`tenant row says ${mode}`);
      apply = await this.operation(target, i);
      if (target !== shared) await target.query('COMMIT');
      await shared.query('COMMIT');
      apply?.();
      this.committed[mode === 'shared' ? 'shared' : 'isolated']++;
      this.latencies.push(performance.now() - started);
    } catch (e) {
      this.errors.push(`write ${i}: ${e instanceof Error ? e.message : String(e)}`);
      if (target && target !== shared) await target.query('ROLLBACK').catch(() => undefined);
      await shared.query('ROLLBACK').catch(() => undefined);
    }
  }

  /** One write; returns how the model changes once (and only if) it commits. */
  private async operation(db: pg.Client, i: number): Promise<(() => void) | undefined> {
    const { tag, tenantId } = this.seed;
    const m = this.model;
    switch (i % 8) {
      case 0: {
        const email = `w${i}-${tag}@writer.example`;
        const name = `writer ${i}`;
        await db.query('INSERT INTO users (tenant_id, email, display_name) VALUES ($1, $2, $3)', [
          tenantId,
          email,
          name,
        ]);
        return () => {
          m.users.set(email, name);
          this.freshUsers.push(email);
        };
      }
      case 1: {
        const id = this.seed.projectIds[i % this.seed.projectIds.length];
        if (id === undefined) return undefined;
        const name = `renamed by writer ${i}`;
        await db.query('UPDATE projects SET name = $2 WHERE id = $1 AND tenant_id = $3', [
          id,
          name,
          tenantId,
        ]);
        return () => m.projects.set(id, name);
      }
      case 2: {
        const pair = this.members[0];
        if (!pair) return undefined;
        const res = await db.query(
          'DELETE FROM project_members WHERE project_id = $1 AND user_id = $2',
          pair,
        );
        if (res.rowCount !== 1) throw new Error(`member ${pair.join(':')} was not there to delete`);
        return () => {
          this.members.shift();
          m.deletedMembers.add(`${pair[0]}:${pair[1]}`);
        };
      }
      case 3: {
        const email = this.freshUsers[0];
        const project = this.seed.projectIds[i % this.seed.projectIds.length];
        if (!email || project === undefined) return undefined;
        const res = await db.query(
          `INSERT INTO project_members (project_id, user_id, role) SELECT $1, id, 'writer' FROM users WHERE email = $2`,
          [project, email],
        );
        if (res.rowCount !== 1) throw new Error(`user ${email} not found for a membership`);
        return () => {
          this.freshUsers.shift();
          m.addedMembers.add(`${project}:${email}`);
        };
      }
      case 4: {
        const action = `writer-${tag}-${i}`;
        await db.query('INSERT INTO audit_logs (tenant_id, actor, action) VALUES ($1, $2, $3)', [
          tenantId,
          'writer',
          action,
        ]);
        return () => m.audit.add(action);
      }
      case 5: {
        const kind = `writer-${tag}-${i}`;
        await db.query(
          `INSERT INTO agent_events (tenant_id, occurred_at, kind, payload) VALUES ($1, timestamptz '2025-03-01 00:00:00+00' + $2 * interval '1 second', $3, $4)`,
          [tenantId, i, kind, { writer: i }],
        );
        return () => m.eventsInserted.add(kind);
      }
      case 6: {
        const ev = this.events[i % 16 === 6 ? 0 : this.events.length - 1];
        if (!ev) return undefined;
        const key = `${ev.id}|${ev.occurredAt}`;
        if (i % 16 === 6) {
          const res = await db.query('DELETE FROM agent_events WHERE id = $1 AND occurred_at = $2', [
            ev.id,
            ev.occurredAt,
          ]);
          if (res.rowCount !== 1) throw new Error(`event ${key} was not there to delete`);
          return () => {
            this.events.shift();
            m.eventsChanged.set(key, null);
          };
        }
        await db.query('UPDATE agent_events SET payload = $3 WHERE id = $1 AND occurred_at = $2', [
          ev.id,
          ev.occurredAt,
          { writer: i },
        ]);
        return () => m.eventsChanged.set(key, i);
      }
      default: {
        // Delete a user the writer made earlier and nothing references.
        const email = this.freshUsers[1];
        if (!email) return undefined;
        const res = await db.query('DELETE FROM users WHERE email = $1 AND tenant_id = $2', [
          email,
          tenantId,
        ]);
        if (res.rowCount !== 1) throw new Error(`user ${email} was not there to delete`);
        return () => {
          this.freshUsers.splice(1, 1);
          m.users.set(email, null);
        };
      }
    }
  }
}

/** Every committed write of `model` that the database at `url` does not show; [] when none is lost. */
export async function missingWrites(url: string, seed: WriterSeed, model: WriterModel): Promise<string[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  const lost: string[] = [];
  try {
    await c.query(`SET TimeZone = 'UTC'`);
    const users = new Map(
      (
        await c.query<{ email: string; display_name: string }>(
          `SELECT email, display_name FROM users WHERE email LIKE $1`,
          [`%-${seed.tag}@writer.example`],
        )
      ).rows.map((r) => [r.email, r.display_name]),
    );
    for (const [email, name] of model.users) {
      if (name === null ? users.has(email) : users.get(email) !== name)
        lost.push(`users ${email}: expected ${name}, found ${users.get(email)}`);
    }
    const projects = new Map(
      (
        await c.query<{ id: number; name: string }>('SELECT id, name FROM projects WHERE id = ANY($1)', [
          [...model.projects.keys()],
        ])
      ).rows.map((r) => [r.id, r.name]),
    );
    for (const [id, name] of model.projects)
      if (projects.get(id) !== name) lost.push(`projects ${id}: expected ${name}, found ${projects.get(id)}`);
    const members = new Set(
      (
        await c.query<{ k: string }>(
          `SELECT m.project_id || ':' || m.user_id AS k FROM project_members m JOIN projects p ON p.id = m.project_id WHERE p.tenant_id = $1`,
          [seed.tenantId],
        )
      ).rows.map((r) => r.k),
    );
    for (const k of model.deletedMembers)
      if (members.has(k)) lost.push(`project_members ${k}: deleted, still present`);
    const added = new Set(
      (
        await c.query<{ k: string }>(
          `SELECT m.project_id || ':' || u.email AS k FROM project_members m JOIN users u ON u.id = m.user_id WHERE m.role = 'writer'`,
        )
      ).rows.map((r) => r.k),
    );
    for (const k of model.addedMembers) if (!added.has(k)) lost.push(`project_members ${k}: added, missing`);
    const audit = new Map(
      (
        await c.query<{ action: string; n: number }>(
          `SELECT action, count(*)::int AS n FROM audit_logs WHERE action LIKE $1 GROUP BY action`,
          [`writer-${seed.tag}-%`],
        )
      ).rows.map((r) => [r.action, r.n]),
    );
    for (const a of model.audit)
      if (audit.get(a) !== 1) lost.push(`audit_logs ${a}: expected once, found ${audit.get(a) ?? 0}`);
    const kinds = new Set(
      (
        await c.query<{ kind: string }>(`SELECT kind FROM agent_events WHERE kind LIKE $1`, [
          `writer-${seed.tag}-%`,
        ])
      ).rows.map((r) => r.kind),
    );
    for (const k of model.eventsInserted)
      if (!kinds.has(k)) lost.push(`agent_events ${k}: inserted, missing`);
    for (const [key, writer] of model.eventsChanged) {
      const [id, at] = key.split('|');
      const { rows } = await c.query<{ w: string | null }>(
        `SELECT payload->>'writer' AS w FROM agent_events WHERE id = $1 AND occurred_at = $2`,
        [id, at],
      );
      if (writer === null ? rows.length !== 0 : rows[0]?.w !== String(writer)) {
        lost.push(
          `agent_events ${key}: expected ${writer === null ? 'deleted' : `writer ${writer}`}, found ${rows[0]?.w ?? 'none'}`,
        );
      }
    }
  } finally {
    await c.end();
  }
  return lost;
}
