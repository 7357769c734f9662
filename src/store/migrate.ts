/**
 * Versioned migrations. Each migration runs in one transaction that first records its id, so two
 * processes starting together collide on the primary key instead of applying it twice.
 */
import { sql, type Kysely } from 'kysely';
import type { Database } from './schema.js';

export interface Migration {
  readonly id: number;
  readonly name: string;
  readonly sql: string;
}

export interface MigrationReport {
  readonly applied: number[];
  readonly current: number;
}

export async function migrate(
  db: Kysely<Database>,
  migrations: readonly Migration[],
): Promise<MigrationReport> {
  await sql`CREATE TABLE IF NOT EXISTS livehook_migrations (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at BIGINT NOT NULL
  )`.execute(db);
  const done = new Set(
    (await db.selectFrom('livehook_migrations').select('id').execute()).map((r) => Number(r.id)),
  );
  const known = Math.max(0, ...migrations.map((m) => m.id));
  const newest = Math.max(0, ...done);
  if (newest > known) {
    throw new Error(
      `database schema is at migration ${newest}, newer than this livehook knows (${known}); upgrade livehook`,
    );
  }
  const applied: number[] = [];
  for (const migration of migrations) {
    if (done.has(migration.id)) continue;
    await db.transaction().execute(async (trx) => {
      await trx
        .insertInto('livehook_migrations')
        .values({ id: migration.id, name: migration.name, applied_at: Date.now() })
        .execute();
      for (const statement of splitStatements(migration.sql)) {
        await sql.raw(statement).execute(trx);
      }
    });
    applied.push(migration.id);
  }
  return { applied, current: known };
}

/** Drivers prepare one statement at a time; migrations end each statement with `;` and a newline. */
const splitStatements = (text: string): string[] =>
  text
    .split(/;\s*(?:\n|$)/)
    .map((s) => s.trim())
    .filter(Boolean);
