import { DelayedError, Worker, type Job } from 'bullmq';
import {
  QUEUE_NAMES,
  createRedis,
  handoffJobSchema,
  emitClientState,
  isDuplicateKey,
  notifyOffer,
  notifyWaitingListAdded,
  transition,
  repairTransitions,
  type ConversationDoc,
  type HandoffDoc,
  type HandoffJob,
  type RoleHandle,
  toHandoffView,
  raisesOf,
  withRaises,
  type Services,
} from '@brokerbot/shared';

import { PolicyStore, isOpen, nextOpening } from '@brokerbot/flows';
import { Presence } from './presence';

/** How often a chat with nobody available is tried again. */
const NO_ADVISOR_RETRY_MS = 2_000;
const RECOVERY_EVERY_MS = 30_000;

type Deps = Pick<Services, 'db' | 'redis' | 'queues' | 'emitter' | 'metrics' | 'config' | 'logger'>;

/**
 * Online advisors who may take the branch's chat and have room for another, least loaded first.
 * A chat without a branch (a WeCom / mini-program client not yet bound to a brokerage client,
 * with no CHANNEL_DEFAULT_BRANCH) goes only to advisors who see every branch: nobody else could
 * accept it.
 */
export async function pickAdvisor(deps: Deps, branchId: string | null, exclude: string[]): Promise<string | null> {
  const advisors = await deps.db.Advisor.find(
    { role: 'advisor', active: true, ...(branchId ? { branchId } : { allBranches: true }) },
    { maxChats: 1 },
  ).lean();
  const presence = new Presence(deps.redis, deps.config.QUEUE_PREFIX);
  const online = await presence.online(advisors.map((a) => a._id.toString()));
  let candidates = advisors.filter((a) => online.has(a._id.toString()));
  if (candidates.length === 0) return null;
  const fresh = candidates.filter((a) => !exclude.includes(a._id.toString()));
  // Everyone was offered it already: start over rather than leave the client waiting.
  if (fresh.length > 0) candidates = fresh;
  const ids = candidates.map((a) => a._id.toString());
  const loads = await deps.db.Conversation.aggregate<{ _id: string; n: number }>([
    { $match: { state: 'human', advisorId: { $in: ids } } },
    { $group: { _id: '$advisorId', n: { $sum: 1 } } },
  ]);
  const load = new Map(loads.map((l) => [l._id, l.n]));
  const available = candidates
    .map((a) => ({
      id: a._id.toString(),
      load: load.get(a._id.toString()) ?? 0,
      max: a.maxChats ?? deps.config.MAX_CHATS_PER_ADVISOR,
    }))
    .filter((a) => a.load < a.max)
    .sort((a, b) => a.load - b.load);
  return available[0]?.id ?? null;
}

/**
 * Routes one handoff: offer it to the best available advisor of the client's branch and
 * schedule the SLA check that re-offers it elsewhere if nobody accepts in time. With nobody
 * available, the job waits (delayed) and tries again; the chat stays on the waiting list
 * where any advisor of the branch can take it.
 */
export async function routeHandoff(
  deps: Deps,
  job: Job<HandoffJob>,
  token?: string,
  hours?: PolicyStore,
): Promise<'offered' | 'done' | 'waiting'> {
  const data = handoffJobSchema.parse(job.data);
  const handoff = (await deps.db.Handoff.findById(data.handoffId).lean()) as HandoffDoc | null;
  if (!handoff || handoff.status !== 'queued') return 'done';

  // A call-back taken after hours waits for the next opening, then joins the queue.
  if (handoff.afterHours && hours) {
    const now = new Date();
    if (!isOpen(hours.current.businessHours, now)) {
      if (!token) return 'waiting';
      await job.moveToDelayed(nextOpening(hours.current.businessHours, now).getTime(), token);
      throw new DelayedError();
    }
    const queued = await transition(deps.db, {
      conversationId: handoff.conversationId,
      from: 'after_hours',
      to: 'queued',
      by: 'router',
      reason: 'business_hours_opened',
      where: { handoffId: data.handoffId },
    });
    if (queued) emitClientState(deps.emitter, handoff.conversationId, 'queued');
  }

  const advisorId = await pickAdvisor(deps, handoff.branchId ?? null, data.excludeAdvisorIds);
  if (!advisorId) {
    if (token) {
      await job.moveToDelayed(Date.now() + NO_ADVISOR_RETRY_MS, token);
      throw new DelayedError();
    }
    return 'waiting';
  }
  // One offer per attempt: a re-run of this job (after a crash) re-sends the same offer.
  let offeredTo = advisorId;
  try {
    await deps.db.HandoffOffer.create({ handoffId: data.handoffId, attempt: data.attempt, advisorId, at: new Date() });
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
    offeredTo =
      (await deps.db.HandoffOffer.findOne({ handoffId: data.handoffId, attempt: data.attempt }).lean())?.advisorId ?? advisorId;
  }
  const [customer, raises] = await Promise.all([
    handoff.customerId ? deps.db.Customer.findById(handoff.customerId).lean() : null,
    raisesOf(deps.db, [data.handoffId]),
  ]);
  const offered = withRaises(handoff, raises.get(data.handoffId));
  const view = toHandoffView(offered, customer, offeredTo);
  notifyOffer(deps.emitter, offeredTo, view);
  notifyWaitingListAdded(deps.emitter, view);
  if (data.attempt === 0) deps.metrics.offerLatency.observe((Date.now() - data.queuedAt) / 1000);

  await deps.queues.handoff.add(
    'sla',
    { ...data, attempt: data.attempt + 1, excludeAdvisorIds: [...data.excludeAdvisorIds, offeredTo] },
    {
      jobId: `${data.handoffId}.retry.${data.attempt + 1}`,
      delay: deps.config.OFFER_TIMEOUT_S * 1000,
      priority: offered.priority,
    },
  );
  return 'offered';
}

/** When an advisor comes online, chats of their branch that wait for someone are routed at once. */
export async function promoteWaitingHandoffs(deps: Pick<Services, 'queues'>, branchId: string): Promise<number> {
  const delayed = await deps.queues.handoff.getDelayed(0, 500);
  let promoted = 0;
  for (const job of delayed) {
    if (job.name === 'route' && (job.data.branchId === branchId || job.data.branchId === null)) {
      await job.promote().catch(() => undefined);
      promoted += 1;
    }
  }
  return promoted;
}

/**
 * Nothing lost: every stored handoff still waiting gets its routing job back (the job id
 * makes this a no-op when the job exists). Covers a crash between storing the handoff and
 * queueing it, and a Redis that lost its data. A handoff whose conversation never queued
 * (the escalating process died between the two steps) is cancelled instead.
 */
export async function recoverHandoffs(deps: Pick<Services, 'db' | 'queues'>): Promise<number> {
  await repairTransitions(deps.db);
  const waiting = (await deps.db.Handoff.find({ status: 'queued' }).limit(1000).lean()) as HandoffDoc[];
  let added = 0;
  for (const h of waiting) {
    const jobId = h._id.toString();
    const conversation = (await deps.db.Conversation.findById(h.conversationId).lean()) as ConversationDoc | null;
    if (!conversation || conversation.handoffId !== jobId) {
      if (Date.now() - new Date(h.createdAt).getTime() > 60_000) {
        await deps.db.Handoff.updateOne({ _id: jobId }, { $set: { status: 'cancelled' } });
      }
      continue;
    }
    // The routing chain of a handoff is its route job, then one SLA job per offer
    // ("<id>.retry.<n>"). Only a chain whose current job is gone (Redis lost it, or the
    // process died before adding the next) needs a new job.
    const lastOffer = await deps.db.HandoffOffer.findOne({ handoffId: jobId }).sort({ attempt: -1 }).lean();
    const attempt = lastOffer ? lastOffer.attempt + 1 : 0;
    const currentId = attempt === 0 ? jobId : `${jobId}.retry.${attempt}`;
    const current = await deps.queues.handoff.getJob(currentId);
    if (current && !(await current.isCompleted()) && !(await current.isFailed())) continue;
    if (current) await current.remove();
    await deps.queues.handoff.add(
      attempt === 0 ? 'route' : 'sla',
      {
        handoffId: jobId,
        conversationId: h.conversationId,
        branchId: h.branchId ?? null,
        attempt,
        excludeAdvisorIds: lastOffer ? [lastOffer.advisorId] : [],
        queuedAt: new Date(h.createdAt).getTime(),
      },
      { jobId: currentId, priority: h.priority },
    );
    added += 1;
  }
  return added;
}

/** The router role: consumes the handoff queue. */
export function startRouterRole(services: Services): RoleHandle {
  const connection = createRedis(services.config.REDIS_URL, 'router-worker');
  // Business hours come from the escalation policy file (reloaded on change, like the bot's).
  const hours = new PolicyStore(services.config.ESCALATION_POLICY_PATH, (e) => {
    if ('error' in e) services.logger.error({ err: e.error.message }, 'escalation policy edit rejected by the router');
  }).watch();
  const worker = new Worker<HandoffJob>(QUEUE_NAMES.handoff, (job, token) => routeHandoff(services, job, token, hours), {
    connection,
    prefix: services.config.QUEUE_PREFIX,
    concurrency: 8,
  });
  worker.on('failed', (job, err) => services.logger.error({ err, jobId: job?.id }, 'handoff routing failed'));
  worker.on('error', (err) => services.logger.error({ err }, 'router worker error'));
  const sweep = () =>
    recoverHandoffs(services)
      .then((n) => n && services.logger.warn({ requeued: n }, 'requeued handoffs that had lost their job'))
      .catch((err) => services.logger.error({ err }, 'handoff recovery failed'));
  void sweep();
  const timer = setInterval(sweep, RECOVERY_EVERY_MS);
  timer.unref();
  return {
    name: 'router',
    async stop() {
      clearInterval(timer);
      hours.close();
      await worker.close();
      await connection.quit();
    },
  };
}
