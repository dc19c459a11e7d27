import type pg from 'pg';

/**
 * PostgreSQL major versions of the two servers of a promotion. A tenant may move onto a newer
 * major version (the clone, the copy and the checks translate what changed) but never onto an
 * older one: a newer server's catalog can hold what an older one cannot represent.
 */

/** `server_version_num` → major version, e.g. 170004 → 17. */
export function majorOf(versionNum: number): number {
  return Math.floor(versionNum / 10000);
}

export interface VersionPair {
  /** `server_version_num` and `server_version` of the shared server. */
  source: { num: number; text: string };
  target: { num: number; text: string };
}

/**
 * Why the target cannot host the tenant's database because of its major version (undefined
 * when it can): a target older than the shared server is refused, naming both versions and
 * the fix. `where` is the target's host:port, `input` the setting that names it.
 */
export function majorVersionProblem(v: VersionPair, where: string, input: string): string | undefined {
  const [from, to] = [majorOf(v.source.num), majorOf(v.target.num)];
  if (to >= from) return undefined;
  return `the target server ${where} runs PostgreSQL ${v.target.text}, older than the shared server's PostgreSQL ${v.source.text}: a tenant can move onto the same or a newer major version only, never back to an older one (fix: set ${input} to a PostgreSQL ${from} or newer server)`;
}

/** `server_version_num` and `server_version` of the server a session is connected to. */
export async function serverVersion(c: pg.ClientBase): Promise<{ num: number; text: string }> {
  const { rows } = await c.query<{ num: string; version: string }>(
    `SELECT current_setting('server_version_num') AS num, current_setting('server_version') AS version`,
  );
  return { num: Number(rows[0]!.num), text: rows[0]!.version };
}

/** `server_version_num` of the server a session is connected to, e.g. 180001. */
export async function serverVersionNum(c: pg.ClientBase): Promise<number> {
  return (await serverVersion(c)).num;
}

/** The major version of the server a session is connected to. */
export async function serverMajor(c: pg.ClientBase): Promise<number> {
  return majorOf(await serverVersionNum(c));
}
