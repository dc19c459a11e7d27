import { after, before } from 'node:test';
import { createSharedFixture, type FixtureOptions, type SharedFixture } from './fixture';
import { createNonSuperuser, type NonSuperuser } from './nonsuper';

/** Who runs the engine: the `postgres` superuser, or an admin role as managed PostgreSQL gives one. */
export const SUBJECTS = ['superuser', 'non-superuser'] as const;
export type Subject = (typeof SUBJECTS)[number];

/**
 * Registers, in the enclosing suite, a shared fixture created before its tests and dropped after;
 * for the non-superuser subject also its admin role (BYPASSRLS: the fixture has tables under
 * row-level security, see nonsuper.ts). `engine` holds the options that make a promotion run as
 * the subject.
 */
export function subjectFixture(subject: Subject, options: FixtureOptions = {}) {
  let fixture: SharedFixture | undefined;
  let admin: NonSuperuser | undefined;
  before(async () => {
    fixture = await createSharedFixture(options);
    if (subject === 'non-superuser') admin = await createNonSuperuser(fixture.url, { bypassRls: true });
  });
  after(async () => {
    try {
      await fixture?.cleanup();
    } finally {
      await admin?.drop();
    }
  });
  return {
    get f(): SharedFixture {
      if (!fixture) throw new Error('the fixture is created before the suite’s tests');
      return fixture;
    },
    get engine(): { databaseUrl?: string } {
      return admin ? { databaseUrl: admin.url } : {};
    },
  };
}
