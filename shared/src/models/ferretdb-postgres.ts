import { createHash } from 'node:crypto';
import type { Connection } from 'mongoose';
import pg from 'pg';
import type { Logger } from '../logger';
import { LOOKUP_KEYS } from './lookup-keys';

/** One GIN expression index we keep on a FerretDB table. */
export interface LookupIndex {
  collection: string;
  field: string;
  table: string;
  /** PostgreSQL index name (bb_gin_…, never one of FerretDB's own names). */
  name: string;
}

export interface FerretPgReport {
  /** PostgreSQL schema FerretDB keeps this MongoDB database in (the database's name). */
  schema: string;
  created: LookupIndex[];
  present: LookupIndex[];
  /** Whether PostgreSQL answered the pushed-down filter with the index (checked on one lookup). */
  indexServesLookups: boolean;
  planCacheMode: string;
}

/**
 * FerretDB v1 on PostgreSQL keeps a collection as a table with one `jsonb` column and pushes an
 * equality filter down as `_jsonb->$1 @> $2`. Its own indexes are btrees on `_jsonb->'field'`,
 * which cannot serve `@>`, so every lookup reads the whole table (150 ms for a findOne by _id at
 * 255,000 documents). This gives each field of LOOKUP_KEYS a GIN (jsonb_path_ops) index on the
 * same expression, which can, and sets `plan_cache_mode = force_custom_plan` on the database:
 * FerretDB uses prepared statements, and a generic plan does not know the key `$1`, so it could
 * not match the expression index. (FerretDB's PostgreSQL URL should also carry
 * `plan_cache_mode=force_custom_plan`, so that its open connections get it without a restart;
 * the project's scripts set both.)
 *
 * Idempotent and safe to run from several processes at once (a PostgreSQL advisory lock per
 * schema); an index on a large table is built CONCURRENTLY, so the table keeps taking writes
 * while it builds. Then it checks that PostgreSQL uses the index for a pushed-down filter.
 * MongoDB needs none of this: call it only when the database is FerretDB on PostgreSQL.
 */
export async function ensureFerretPgIndexes(
  connection: Connection,
  postgresqlUrl: string,
  logger?: Logger,
): Promise<FerretPgReport> {
  const schema = connection.db?.databaseName;
  if (!schema) throw new Error('ensureFerretPgIndexes needs a connected database');
  await createMissingCollections(connection, Object.keys(LOOKUP_KEYS));

  const client = new pg.Client({ connectionString: withoutQuery(postgresqlUrl), application_name: 'brokerbot-indexes' });
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock(hashtext($1))', [`brokerbot-indexes:${schema}`]);
    const tables = await collectionTables(client, schema);
    const wanted = plannedIndexes(tables);
    const existing = await existingIndexes(client, schema);
    const created: LookupIndex[] = [];
    const present: LookupIndex[] = [];
    for (const index of wanted) {
      const state = existing.get(index.name);
      if (state === 'valid') {
        present.push(index);
        continue;
      }
      // An interrupted CONCURRENTLY build leaves an invalid index behind: build it again.
      if (state === 'invalid') await client.query(`DROP INDEX IF EXISTS ${ident(schema)}.${ident(index.name)}`);
      // A small table is indexed at once (a brief lock); a large one CONCURRENTLY, taking writes meanwhile.
      const concurrently = (await estimatedRows(client, schema, index.table)) > 10_000 ? 'CONCURRENTLY ' : '';
      await client.query(
        `CREATE INDEX ${concurrently}IF NOT EXISTS ${ident(index.name)} ON ${ident(schema)}.${ident(index.table)} ` +
          `USING gin ((_jsonb -> ${literal(index.field)}) jsonb_path_ops)`,
      );
      created.push(index);
    }
    const planCacheMode = await ensurePlanCacheMode(client, logger);
    const indexServesLookups = await checkIndexServesLookup(client, schema, wanted);
    await client.query('SELECT pg_advisory_unlock(hashtext($1))', [`brokerbot-indexes:${schema}`]);
    const report = { schema, created, present, indexServesLookups, planCacheMode };
    if (!indexServesLookups)
      logger?.warn({ schema }, 'PostgreSQL does not use the lookup indexes: lookups will scan whole tables');
    else if (created.length) logger?.info({ schema, created: created.map((i) => i.name) }, 'FerretDB lookup indexes created');
    return report;
  } finally {
    await client.end();
  }
}

/** The GIN indexes LOOKUP_KEYS asks for, on the tables FerretDB made (pure; exported for tests). */
export function plannedIndexes(tables: ReadonlyMap<string, string>): LookupIndex[] {
  const out: LookupIndex[] = [];
  for (const [collection, fields] of Object.entries(LOOKUP_KEYS)) {
    const table = tables.get(collection);
    if (!table) continue;
    for (const field of fields) out.push({ collection, field, table, name: indexName(table, field) });
  }
  return out;
}

/** PostgreSQL names are at most 63 bytes: the table and a hash of the field keep them unique. */
export function indexName(table: string, field: string): string {
  const hash = createHash('sha1').update(field).digest('hex').slice(0, 8);
  const readable = field.replace(/[^A-Za-z0-9]/g, '').slice(0, 20);
  return `bb_gin_${table}_${readable}_${hash}`.slice(0, 63);
}

/** FerretDB creates a collection's table on first write; an empty collection gets its table now. */
async function createMissingCollections(connection: Connection, names: string[]): Promise<void> {
  const db = connection.db!;
  const have = new Set((await db.listCollections({}, { nameOnly: true }).toArray()).map((c) => c.name));
  for (const name of names) {
    if (have.has(name)) continue;
    await db.createCollection(name).catch((err: { code?: number }) => {
      if (err.code !== 48) throw err; // NamespaceExists: another process was first
    });
  }
}

async function collectionTables(client: pg.Client, schema: string): Promise<Map<string, string>> {
  const { rows } = await client.query<{ collection: string; table: string }>(
    `SELECT _jsonb->>'_id' AS collection, _jsonb->>'table' AS table FROM ${ident(schema)}._ferretdb_database_metadata`,
  );
  return new Map(rows.map((r) => [r.collection, r.table]));
}

async function estimatedRows(client: pg.Client, schema: string, table: string): Promise<number> {
  const { rows } = await client.query<{ n: number }>(
    `SELECT greatest(c.reltuples, 0)::float8 AS n FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relname = $2`,
    [schema, table],
  );
  return rows[0]?.n ?? 0;
}

async function existingIndexes(client: pg.Client, schema: string): Promise<Map<string, 'valid' | 'invalid'>> {
  const { rows } = await client.query<{ name: string; valid: boolean }>(
    `SELECT c.relname AS name, i.indisvalid AS valid
       FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 AND c.relname LIKE 'bb\\_gin\\_%'`,
    [schema],
  );
  return new Map(rows.map((r) => [r.name, r.valid ? 'valid' : 'invalid']));
}

/** Sets force_custom_plan on the database when it is not already; returns what new sessions get. */
async function ensurePlanCacheMode(client: pg.Client, logger?: Logger): Promise<string> {
  const current = async () => (await client.query<{ v: string }>(`SELECT current_setting('plan_cache_mode') AS v`)).rows[0]!.v;
  const {
    rows: [row],
  } = await client.query<{ db: string; configured: string | null }>(
    `SELECT current_database() AS db,
            (SELECT option_value FROM pg_db_role_setting s, pg_options_to_table(s.setconfig)
              WHERE s.setdatabase = (SELECT oid FROM pg_database WHERE datname = current_database())
                AND s.setrole = 0 AND option_name = 'plan_cache_mode') AS configured`,
  );
  if (row!.configured === 'force_custom_plan') return 'force_custom_plan';
  try {
    await client.query(`ALTER DATABASE ${ident(row!.db)} SET plan_cache_mode = force_custom_plan`);
    logger?.info({ database: row!.db }, 'PostgreSQL plan_cache_mode set to force_custom_plan for new sessions');
    return 'force_custom_plan';
  } catch (err) {
    // Not the database's owner: the operator sets it (or FerretDB's URL carries it).
    logger?.warn({ err, database: row!.db }, 'could not set plan_cache_mode = force_custom_plan on the database');
    return current();
  }
}

/**
 * Asks PostgreSQL how it would run FerretDB's pushed-down filter on the largest of our indexed
 * fields' tables, sequential scans discouraged, and whether a bb_gin index answers it.
 */
async function checkIndexServesLookup(client: pg.Client, schema: string, indexes: LookupIndex[]): Promise<boolean> {
  const probe = indexes.find((i) => i.collection === 'messages' && i.field === 'conversationId') ?? indexes[0];
  if (!probe) return false;
  await client.query('BEGIN');
  try {
    await client.query('SET LOCAL enable_seqscan = off');
    const { rows } = await client.query<{ 'QUERY PLAN': string }>(
      `EXPLAIN SELECT _jsonb FROM ${ident(schema)}.${ident(probe.table)} WHERE _jsonb -> ${literal(probe.field)} @> '"probe"'`,
    );
    return rows.some((r) => r['QUERY PLAN'].includes(probe.name));
  } finally {
    await client.query('ROLLBACK');
  }
}

function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function literal(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** FerretDB's URL carries pool settings (pool_max_conns …) that are not libpq options. */
function withoutQuery(url: string): string {
  const u = new URL(url);
  u.search = '';
  return u.toString();
}
