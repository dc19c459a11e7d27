import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createDatabaseSql } from '../../src/postgres/database';
import { copyFormat } from '../../src/postgres/copy';
import { majorOf, majorVersionProblem } from '../../src/postgres/versions';

const pair = (source: number, target: number) => ({
  source: { num: source, text: `${Math.floor(source / 10000)}.${source % 100}` },
  target: { num: target, text: `${Math.floor(target / 10000)}.${target % 100}` },
});

describe('major versions of the shared and target servers (issue 20)', () => {
  it('reads the major from server_version_num', () => {
    assert.equal(majorOf(150004), 15);
    assert.equal(majorOf(180001), 18);
    assert.equal(majorOf(90624), 9);
  });

  it('allows the same major and every newer one', () => {
    for (const target of [150012, 160008, 170004, 180001]) {
      assert.equal(majorVersionProblem(pair(150004, target), 'db:5432', 'target-database-url'), undefined);
    }
    // A minor release older than the source's is the same major: allowed.
    assert.equal(majorVersionProblem(pair(170006, 170001), 'db:5432', 'target-database-url'), undefined);
  });

  it('refuses an older major, naming both versions, the target and the fix', () => {
    const problem = majorVersionProblem(pair(170004, 150012), 'old.example:5433', '--target-database-url');
    assert.ok(problem);
    assert.match(problem, /old\.example:5433 runs PostgreSQL 15\.12/);
    assert.match(problem, /shared server's PostgreSQL 17\.4/);
    assert.match(problem, /fix: set --target-database-url to a PostgreSQL 17 or newer server/);
  });

  it('copies as binary only on the same major (and where plan.ts found it safe), else as text', () => {
    assert.equal(copyFormat({ binarySafe: true }, true), 'binary');
    assert.equal(copyFormat({ binarySafe: true }, false), 'text');
    assert.equal(copyFormat({ binarySafe: false }, true), 'text');
  });
});

describe('the tenant database keeps the shared database’s locale provider', () => {
  const base = { encoding: 'UTF8', collate: 'C', ctype: 'C', icuLocale: null };
  it('libc, ICU, and the builtin provider of PostgreSQL 17+', () => {
    assert.match(createDatabaseSql('t', 'o', { ...base, provider: 'c' }), / LOCALE_PROVIDER libc$/);
    assert.match(
      createDatabaseSql('t', 'o', { ...base, provider: 'i', icuLocale: 'und' }),
      / LOCALE_PROVIDER icu ICU_LOCALE 'und'$/,
    );
    // Before: the builtin provider fell through to libc, changing ctype behaviour on the target.
    assert.match(
      createDatabaseSql('t', 'o', { ...base, provider: 'b', icuLocale: 'C.UTF-8' }),
      / LOCALE_PROVIDER builtin BUILTIN_LOCALE 'C\.UTF-8'$/,
    );
  });
});
