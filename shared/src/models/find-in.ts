import type { Model } from 'mongoose';
import type { Db } from './db';
import type { CustomerDoc } from './schemas';

/** More values than this go out as one `$in` query after all. */
const MAX_PARALLEL = 100;

/**
 * `find({ [field]: { $in: values }, ...where })`, answered from an index on every backend.
 * FerretDB v1 on PostgreSQL pushes only equality filters down, so an `$in` reads the whole
 * collection (seconds at a million messages); one equality query per distinct value, run in
 * parallel, is served by the lookup indexes (shared/src/models/lookup-keys.ts). MongoDB answers
 * both forms from its index alike. Results come in no particular order: sort them yourself.
 *
 * @example
 *   const handoffs = await findIn<HandoffDoc>(db.Handoff, 'conversationId', conversationIds);
 */
export async function findIn<T>(
  model: Model<any>,
  field: string,
  values: readonly unknown[],
  options: { where?: Record<string, unknown>; projection?: Record<string, 0 | 1> } = {},
): Promise<T[]> {
  const distinct = [...new Map(values.filter((v) => v !== null && v !== undefined).map((v) => [String(v), v])).values()];
  if (distinct.length === 0) return [];
  const where = options.where ?? {};
  if (distinct.length > MAX_PARALLEL) {
    return (await model.find({ ...where, [field]: { $in: distinct } }, options.projection).lean()) as T[];
  }
  const parts = await Promise.all(distinct.map((v) => model.find({ ...where, [field]: v }, options.projection).lean()));
  return parts.flat() as T[];
}

/** Customers by id (the brokerage's client number), for views that show several at once. */
export async function customersById(
  db: Pick<Db, 'Customer'>,
  ids: readonly (string | null | undefined)[],
): Promise<Map<string, CustomerDoc>> {
  const docs = await findIn<CustomerDoc>(db.Customer, '_id', ids);
  return new Map(docs.map((c) => [c._id, c]));
}
