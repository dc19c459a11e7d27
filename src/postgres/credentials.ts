import type pg from 'pg';
import { PromotionError } from '../errors';
import type { CredentialsRecord, HistoryEntry } from '../pipeline/tenant-state';
import { quoteQualified } from './sql';

/** What one write of the credentials record changes in `settings.isolation`. */
export interface CredentialsPatch {
  credentials: CredentialsRecord;
  /** Keys merged into `settings.isolation.service` (a rotation's new secret version and revision). */
  service?: Record<string, unknown>;
  /** Appended to the audit history. */
  history?: HistoryEntry;
}

/**
 * Writes `settings.isolation.credentials` of an isolated tenant (and, for a rotation, merges
 * the service's new facts and appends a history entry), preserving every other key of
 * `settings` and of `settings.isolation` (jsonb concatenation on the row's current value, not a
 * read-modify-write). Only while the row is still the switch the record is about
 * (`credentials.switched_at` equals `isolated_at`). The caller runs it inside a transaction
 * that proved ownership (pipeline/ownership.ts asOwner). Never the password itself.
 */
export async function writeCredentials(
  client: pg.ClientBase,
  tenantsTable: string,
  slug: string,
  patch: CredentialsPatch,
): Promise<void> {
  const table = quoteQualified(tenantsTable);
  const res = await client.query(
    `UPDATE ${table} t
        SET settings = jsonb_set(
              coalesce(t.settings, '{}'::jsonb),
              '{isolation}',
              coalesce(t.settings -> 'isolation', '{}'::jsonb)
                || jsonb_build_object('credentials', $2::jsonb)
                || CASE WHEN $3::jsonb IS NULL THEN '{}'::jsonb
                        ELSE jsonb_build_object('service',
                               coalesce(t.settings #> '{isolation,service}', '{}'::jsonb) || $3::jsonb) END
                || CASE WHEN $4::jsonb IS NULL THEN '{}'::jsonb
                        ELSE jsonb_build_object('history',
                               coalesce(t.settings #> '{isolation,history}', '[]'::jsonb) || jsonb_build_array($4::jsonb)) END,
              true)
      WHERE t.slug = $1
        AND t.isolation_mode = 'isolated'
        AND (t.settings #>> '{isolation,isolated_at}') IS NOT DISTINCT FROM $5::text`,
    [
      slug,
      JSON.stringify(patch.credentials),
      patch.service ? JSON.stringify(patch.service) : null,
      patch.history ? JSON.stringify(patch.history) : null,
      patch.credentials.switched_at ?? null,
    ],
  );
  if (res.rowCount !== 1) {
    throw new PromotionError(
      'tenant-state',
      `Tenant "${slug}" is no longer isolated by the switch this run knows; its credentials were not recorded.`,
      'Check its status (`tenant-isolation status`) and re-run.',
    );
  }
}

/** `settings.isolation.credentials` as it stands now (for reading back an ambiguous commit). */
export async function readCredentials(
  client: pg.ClientBase,
  tenantsTable: string,
  slug: string,
): Promise<Record<string, unknown> | undefined> {
  const { rows } = await client.query<{ credentials: Record<string, unknown> | null }>(
    `SELECT t.settings #> '{isolation,credentials}' AS credentials FROM ${quoteQualified(tenantsTable)} t WHERE t.slug = $1`,
    [slug],
  );
  return rows[0]?.credentials ?? undefined;
}
