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
  recentMessages,
  repairTransitions,
  type ConversationDoc,
  type HandoffDoc,
  type HandoffJob,
  type HandoffSnapshot,
  type HandoffView,
  type RoleHandle,
  toHandoffView,
  raisesOf,
  withRaises,
  type Services,
  WORKER_STALL_OPTIONS,
} from '@brokerbot/shared';

import { PolicyStore, isOpen, nextOpening, sharedPolicyStore } from '@brokerbot/flows';
import { capacityOf } from './advisor-capacity';
import { loadsOf, markIdleAdvisorsAway } from './advisor-status';
import { Presence } from './presence';
import { tellQueuePositions } from './queue-position';
import { decideRoute, type RoutingCandidate } from './routing-decision';
import { DEFAULT_SKILLS_PATH, SkillsStore, skillFor, type SkillsFile } from './skills';
import { transferTargetOf } from './transfer';

/** How often a chat with nobody available is tried again. */
const NO_ADVISOR_RETRY_MS = 2_000;
const RECOVERY_EVERY_MS = 30_000;
/** How long a fresh handoff waits for the escalating turn to store the client's intent (its skill), and how often it looks. */
const SKILL_WAIT_MS = 3_000;
const SKILL_RETRY_MS = 150;
/** How often waiting clients' places in the queue are looked at (see queue-position.ts). */
const QUEUE_POSITION_EVERY_MS = 3_000;

type Deps = Pick<Services, 'db' | 'redis' | 'queues' | 'emitter' | 'metrics' | 'config' | 'logger' | 'seq' | 'conversations'>;

/** What the router knows of a waiting chat when it chooses an advisor (see routing-decision.ts). */
export interface ChatToRoute {
  branchId: string | null;
  skill: string | null;
  ownAdvisorId: string | null;
  targetAdvisorId: string | null;
  waitedS: number;
}

/** Every active advisor as a routing candidate: branch, skills, status (Redis presence) and load. */
export async function routingCandidates(deps: Pick<Deps, 'db' | 'redis' | 'config'>): Promise<RoutingCandidate[]> {
  const [advisors, loads] = await Promise.all([
    deps.db.Advisor.find({ role: 'advisor', active: true }, { branchId: 1, allBranches: 1, skills: 1, maxChats: 1 }).lean(),
    loadsOf(deps),
  ]);
  const ids = advisors.map((a) => a._id.toString());
  const statuses = await new Presence(deps.redis, deps.config.QUEUE_PREFIX).statuses(ids);
  return advisors.map((a) => {
    const id = a._id.toString();
    return {
      id,
      branchId: a.branchId,
      allBranches: a.allBranches ?? false,
      skills: a.skills ?? [],
      status: statuses.get(id) ?? 'offline',
      load: loads.get(id) ?? 0,
      capacity: capacityOf(a, deps.config),
    };
  });
}

/**
 * The advisor to offer a chat to now (null: nobody yet), by the rules of routing-decision.ts.
 * A chat without a branch (a WeCom / mini-program client not yet bound to a brokerage client,
 * with no CHANNEL_DEFAULT_BRANCH) goes only to advisors who see every branch: nobody else could
 * accept it.
 */
export async function pickAdvisor(
  deps: Pick<Deps, 'db' | 'redis' | 'config'>,
  branchId: string | null,
  exclude: string[],
  chat: Partial<Omit<ChatToRoute, 'branchId'>> = {},
  /** The candidates when the caller read them already (routingCandidates). */
  candidates?: RoutingCandidate[],
): Promise<string | null> {
  const decision = decideRoute(
    {
      branchId,
      skill: chat.skill ?? null,
      ownAdvisorId: chat.ownAdvisorId ?? null,
      targetAdvisorId: chat.targetAdvisorId ?? null,
      waitedS: chat.waitedS ?? 0,
      exclude,
      branchAnyAfterS: deps.config.ROUTING_BRANCH_WAIT_S,
      centralAfterS: deps.config.ROUTING_CENTRAL_WAIT_S,
    },
    candidates ?? (await routingCandidates(deps)),
  );
  return decision.advisorId;
}

/**
 * The skill the handoff needs: a transfer's named skill, else from its reasons and the client's
 * latest intents — carried by the bot's handoff, else (older handoffs, transfers) read from the
 * stored messages. Undefined while, in the latter case, the client's latest message is still in
 * the bot's turn (its intent is stored when the turn ends) and no reason names a skill.
 */
async function skillOfHandoff(
  deps: Pick<Deps, 'db'>,
  handoff: HandoffDoc,
  skills: SkillsFile | null,
): Promise<string | null | undefined> {
  const target = transferTargetOf(handoff);
  if (target && 'skill' in target) return target.skill;
  if (!skills) return null;
  const fromReasons = skillFor(skills, handoff.reasons, []);
  if (fromReasons) return fromReasons;
  // The bot's escalation carries the client's intents: nothing to read or wait for.
  if (handoff.intents) return skillFor(skills, [], handoff.intents);
  const inbound = (await recentMessages(deps.db, handoff.conversationId, 20)).filter((m) => m.direction === 'in').reverse();
  if (inbound[0]?.status === 'received') return undefined;
  const intents = inbound
    .map((m) => (m.meta as { understanding?: { intent?: unknown } } | null)?.understanding?.intent)
    .filter((i): i is string => typeof i === 'string');
  return skillFor(skills, [], intents);
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
  skills?: SkillsStore,
): Promise<'offered' | 'done' | 'waiting'> {
  const data = handoffJobSchema.parse(job.data);
  if (data.attempt === 0 && data.snapshot) {
    const fresh = await routeFreshEscalation(deps, job, data, data.snapshot, token, skills);
    if (fresh !== 'unsure') return fresh;
  }
  return routeStoredHandoff(deps, job, data, token, hours, skills);
}

/**
 * The bot's escalation, offered from what its job carries (see handoffSnapshotSchema): the
 * conversation's Redis copy says whether the chat still waits, read at once with the handoff's
 * raises and the advisors. 'unsure' when the copy does not show this handoff waiting (taken
 * already, or the copy is missing or out of date): the stored handoff decides then.
 */
async function routeFreshEscalation(
  deps: Deps,
  job: Job<HandoffJob>,
  data: HandoffJob,
  snapshot: HandoffSnapshot,
  token: string | undefined,
  skills?: SkillsStore,
): Promise<'offered' | 'waiting' | 'unsure'> {
  const [conversation, raises, candidates] = await Promise.all([
    deps.conversations.get(data.conversationId),
    raisesOf(deps.db, [data.handoffId]),
    routingCandidates(deps),
  ]);
  if (conversation?.state !== 'queued' || conversation.handoffId !== data.handoffId) return 'unsure';
  const view = withRaises(
    {
      handoffId: data.handoffId,
      conversationId: data.conversationId,
      status: 'queued',
      priority: snapshot.priority,
      reasons: snapshot.reasons,
      summary: snapshot.summary,
      branchId: data.branchId,
      offeredTo: null,
      createdAt: new Date(snapshot.createdAt).toISOString(),
      customer: snapshot.customer && {
        id: snapshot.customer.id,
        name: snapshot.customer.name,
        tier: snapshot.customer.tier,
        phone: snapshot.customer.phone,
      },
    },
    raises.get(data.handoffId),
  );
  const table = skills?.current ?? null;
  const skill = table ? (skillFor(table, view.reasons, []) ?? skillFor(table, [], snapshot.intents)) : null;
  const advisorId = await pickAdvisor(
    deps,
    data.branchId,
    data.excludeAdvisorIds,
    { skill, ownAdvisorId: snapshot.customer?.advisorId ?? null, waitedS: (Date.now() - snapshot.createdAt) / 1000 },
    candidates,
  );
  if (!advisorId) return waitForAdvisor(job, token);
  await offer(deps, data, advisorId, view.priority, (offeredTo) => ({ ...view, status: 'offered', offeredTo }));
  return 'offered';
}

/** Routes a handoff as stored: re-offers, transfers, call-backs, and jobs of older code. */
async function routeStoredHandoff(
  deps: Deps,
  job: Job<HandoffJob>,
  data: HandoffJob,
  token?: string,
  hours?: PolicyStore,
  skills?: SkillsStore,
): Promise<'offered' | 'done' | 'waiting'> {
  // A fresh escalation (attempt 0, carrying its client) is almost always still waiting: everything
  // the choice needs is read at once. A re-offer is often moot (taken meanwhile): it looks first.
  const fresh = data.attempt === 0 && data.customerId !== undefined;
  const early = fresh
    ? {
        customer: data.customerId ? deps.db.Customer.findById(data.customerId).lean().exec() : null,
        raises: raisesOf(deps.db, [data.handoffId]),
        candidates: routingCandidates(deps),
      }
    : null;
  // Read at once but awaited later (or not at all): a rejection must not go unhandled meanwhile.
  if (early) for (const p of [early.customer, early.raises, early.candidates]) void p?.catch(() => undefined);
  const handoff = (await deps.db.Handoff.findById(data.handoffId).lean()) as HandoffDoc | null;
  if (!handoff || handoff.status !== 'queued') return 'done';
  // A call-back taken after hours has waited for the opening: what was read early is stale then.
  const read = early && !handoff.afterHours ? early : null;

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

  const [customer, raises] = await Promise.all([
    read ? read.customer : handoff.customerId ? deps.db.Customer.findById(handoff.customerId).lean() : null,
    read ? read.raises : raisesOf(deps.db, [data.handoffId]),
  ]);
  const offered = withRaises(handoff, raises.get(data.handoffId));
  const target = transferTargetOf(handoff);
  const skill = await skillOfHandoff(deps, offered, skills?.current ?? null);
  if (skill === undefined && token && Date.now() - new Date(handoff.createdAt).getTime() < SKILL_WAIT_MS) {
    await job.moveToDelayed(Date.now() + SKILL_RETRY_MS, token);
    throw new DelayedError();
  }
  const advisorId = await pickAdvisor(
    deps,
    handoff.branchId ?? null,
    data.excludeAdvisorIds,
    {
      skill: skill ?? null,
      ownAdvisorId: customer?.advisorId ?? null,
      targetAdvisorId: target && 'advisorId' in target ? target.advisorId : null,
      waitedS: (Date.now() - new Date(handoff.createdAt).getTime()) / 1000,
    },
    read ? await read.candidates : undefined,
  );
  if (!advisorId) return waitForAdvisor(job, token);
  await offer(deps, data, advisorId, offered.priority, (offeredTo) => toHandoffView(offered, customer, offeredTo));
  return 'offered';
}

/** Nobody available: the job comes back in NO_ADVISOR_RETRY_MS (run without a token, by a test: 'waiting'). */
async function waitForAdvisor(job: Job<HandoffJob>, token: string | undefined): Promise<'waiting'> {
  if (!token) return 'waiting';
  await job.moveToDelayed(Date.now() + NO_ADVISOR_RETRY_MS, token);
  throw new DelayedError();
}

/**
 * Offers the chat to `advisorId` and schedules the SLA re-offer. One offer per attempt: a re-run
 * of this job (after a crash) re-sends the same offer, to whom it went the first time.
 */
async function offer(
  deps: Deps,
  data: HandoffJob,
  advisorId: string,
  priority: number,
  viewFor: (offeredTo: string) => HandoffView,
): Promise<void> {
  let offeredTo = advisorId;
  try {
    await deps.db.HandoffOffer.create({ handoffId: data.handoffId, attempt: data.attempt, advisorId, at: new Date() });
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
    offeredTo =
      (await deps.db.HandoffOffer.findOne({ handoffId: data.handoffId, attempt: data.attempt }).lean())?.advisorId ?? advisorId;
  }
  const view = viewFor(offeredTo);
  notifyOffer(deps.emitter, offeredTo, view);
  notifyWaitingListAdded(deps.emitter, view);
  if (data.attempt === 0) deps.metrics.offerLatency.observe((Date.now() - data.queuedAt) / 1000);

  await deps.queues.handoff.add(
    'sla',
    {
      ...data,
      snapshot: undefined,
      attempt: data.attempt + 1,
      excludeAdvisorIds: [...data.excludeAdvisorIds, offeredTo],
    },
    {
      jobId: `${data.handoffId}.retry.${data.attempt + 1}`,
      delay: deps.config.OFFER_TIMEOUT_S * 1000,
      priority,
    },
  );
}

/**
 * When an advisor comes online, chats of their branch that wait for someone are routed at once
 * (every waiting chat, for an advisor of the central team: `branchId` null).
 */
export async function promoteWaitingHandoffs(deps: Pick<Services, 'queues'>, branchId: string | null): Promise<number> {
  const delayed = await deps.queues.handoff.getDelayed(0, 500);
  let promoted = 0;
  for (const job of delayed) {
    if (job.name === 'route' && (branchId === null || job.data.branchId === branchId || job.data.branchId === null)) {
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
  const hours = sharedPolicyStore(services.config.ESCALATION_POLICY_PATH);
  const unsubscribePolicy = hours.subscribe((e) => {
    if ('error' in e) services.logger.error({ err: e.error.message }, 'escalation policy edit rejected by the router');
  });
  // Intent → skill mapping (reloaded on change; a bad edit keeps the previous one).
  const skills = new SkillsStore(services.config.ROUTING_SKILLS_PATH ?? DEFAULT_SKILLS_PATH, (e) => {
    if ('error' in e) services.logger.error({ err: e.error.message }, 'routing skills edit rejected by the router');
  }).watch();
  const worker = new Worker<HandoffJob>(QUEUE_NAMES.handoff, (job, token) => routeHandoff(services, job, token, hours, skills), {
    ...WORKER_STALL_OPTIONS,
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
  const positions = setInterval(() => {
    tellQueuePositions(services).catch((err) => services.logger.error({ err }, 'queue position update failed'));
  }, QUEUE_POSITION_EVERY_MS);
  positions.unref();
  // Advisors idle for ADVISOR_IDLE_AWAY_S become away (checked often enough for short settings too).
  const idleEveryMs = Math.max(500, Math.min(5_000, (services.config.ADVISOR_IDLE_AWAY_S * 1000) / 3));
  const idle = setInterval(() => {
    markIdleAdvisorsAway(services).catch((err) => services.logger.error({ err }, 'idle advisor check failed'));
  }, idleEveryMs);
  idle.unref();
  return {
    name: 'router',
    async stop() {
      clearInterval(timer);
      clearInterval(positions);
      clearInterval(idle);
      skills.close();
      unsubscribePolicy();
      await worker.close();
      await connection.quit();
    },
  };
}
