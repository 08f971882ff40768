import { createHash } from 'node:crypto';
import { createLlmClient, type LlmClient } from '@brokerbot/flows';
import {
  UserError,
  findIn,
  isDuplicateKey,
  notifyPracticeEnded,
  notifyPracticeMessage,
  recentMessages,
  seesBranch,
  toAdvisorWire,
  visibleBranchFilter,
  type ConversationDoc,
  type CustomerDoc,
  type Db,
  type PracticeAssignmentView,
  type PracticeChatView,
  type PracticeFeedback,
  type PracticeHistoryItem,
  type PracticeMessageView,
  type PracticeOutcome,
  type PracticeResultView,
  type PracticeScenarioItem,
  type PracticeScore,
  type Services,
} from '@brokerbot/shared';
import type { AdvisorClaims } from '../advisor-token';
import { DEFAULT_SCORECARD_PATH, ScorecardStore } from '../quality/scorecard-store';
import type { ScoringInput } from '../quality/scoring-input';
import { scenarioFromConversation } from './from-conversation';
import { voiceClientLine } from './llm-voice';
import {
  practiceModels,
  type PracticeMessageDoc,
  type PracticeModels,
  type PracticeResultDoc,
  type PracticeSessionDoc,
} from './models';
import { scorePractice } from './practice-score';
import { scenarioSchema, type Scenario } from './scenario-schema';
import { DEFAULT_SCENARIOS_DIR, ScenarioLibrary } from './scenario-store';
import {
  REACTION_LABELS,
  initialState,
  moodInsight,
  step,
  type ClientState,
  type ReactionKind,
  type TurnReading,
} from './simulated-client';

type Deps = Pick<Services, 'db' | 'emitter' | 'config' | 'logger'>;

/** What a simulated client message keeps about its turn (PracticeMessage.meta). */
interface ClientMeta {
  turn: number;
  reaction: ReactionKind | null;
  state: ClientState;
  moodBefore: number;
  reading: TurnReading | null;
  /** The advisor messages this turn answered (ids), and the highest seq among them. */
  answers: string[];
  answeredUpTo: number;
  insight: { emotion: string; intensity: number };
  voice: 'llm' | 'rules';
}

const OBJECT_ID = /^[0-9a-f]{24}$/;
const MAX_ACTIVE = 3;
const OUTCOME_LABELS: Record<PracticeOutcome, string> = {
  calmed: '客户情绪平复，问题得到处理',
  escalated: '客户情绪升级（投诉/离开）',
  max_turns: '轮次用完，客户未被安抚',
  closed: '顾问提前结束练习',
};

const notOwner = () => new UserError('not_owner', '您没有接入这个会话，或会话已结束');

/**
 * Practice with a simulated client (智能陪练): scenarios, practice chats, the simulated client's
 * turns, the end and its result, history, assignments and results for supervisors, and scenarios
 * made from real conversations. One per database connection (see practiceServiceFor); the
 * simulated client's answers are timers of the process that stored the advisor's message, and
 * each answer is stored once (unique message id per turn) whichever timer or process gets there.
 */
export class PracticeService {
  readonly models: PracticeModels;
  readonly library: ScenarioLibrary;
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private scorecards: ScorecardStore | null = null;
  private stopped = false;

  constructor(
    private readonly deps: Deps,
    private readonly llm: LlmClient | null,
  ) {
    this.models = practiceModels(deps.db);
    this.library = new ScenarioLibrary(deps.config.PRACTICE_SCENARIOS_DIR ?? DEFAULT_SCENARIOS_DIR, deps.logger);
  }

  /** Stops the timers (the process is shutting down). */
  stop(): void {
    this.stopped = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }

  // ---- scenarios ----------------------------------------------------------------------------

  async scenarios(user: AdvisorClaims): Promise<PracticeScenarioItem[]> {
    await this.models.ready;
    const [stored, assignments] = await Promise.all([
      this.models.Scenario.find(visibleBranchFilter(user)).sort({ createdAt: -1 }).limit(200).lean(),
      this.models.Assignment.find({ advisorId: user.sub }).lean(),
    ]);
    const assigned = new Set(assignments.map((a) => a.scenarioId));
    const items: PracticeScenarioItem[] = this.library.list().map((s) => scenarioItem(s, 'file', null, assigned.has(s.id)));
    for (const doc of stored) {
      const parsed = scenarioSchema.safeParse(doc.scenario);
      if (parsed.success) items.push(scenarioItem(parsed.data, 'conversation', doc.branchId, assigned.has(parsed.data.id)));
    }
    return items;
  }

  /** A scenario the user may practise (or assign to an advisor of `branchId`). */
  private async findScenario(id: string, scope: { branchId: string; allBranches: boolean }): Promise<Scenario | null> {
    const fromFile = this.library.get(id);
    if (fromFile) return fromFile;
    await this.models.ready;
    const doc = await this.models.Scenario.findById(id).lean();
    if (!doc || !seesBranch(scope, doc.branchId)) return null;
    const parsed = scenarioSchema.safeParse(doc.scenario);
    return parsed.success ? parsed.data : null;
  }

  // ---- a practice chat ----------------------------------------------------------------------

  /**
   * Starts a practice: the session, then the client's opening message. `join` puts the caller's
   * socket in the chat's room before the opening is announced.
   */
  async start(
    user: AdvisorClaims,
    scenarioId: string,
    join: (conversationId: string) => Promise<void>,
  ): Promise<{ conversationId: string; chat: PracticeChatView }> {
    const scenario = await this.findScenario(scenarioId, user);
    if (!scenario) throw new UserError('not_found', '没有这个练习场景，或它不属于您的营业部');
    const active = await this.models.Session.countDocuments({ advisorId: user.sub, status: 'active' });
    if (active >= MAX_ACTIVE) throw new UserError('too_many', `您已有 ${MAX_ACTIVE} 个进行中的练习，请先结束一个`);
    const session = (
      await this.models.Session.create({
        advisorId: user.sub,
        advisorName: user.name,
        branchId: user.branchId,
        scenarioId: scenario.id,
        scenarioTitle: scenario.title,
        scenario,
        status: 'active',
        startedAt: new Date(),
      })
    ).toObject() as PracticeSessionDoc;
    const conversationId = session._id.toString();
    await join(conversationId);
    const state = initialState(scenario);
    const meta: ClientMeta = {
      turn: 0,
      reaction: null,
      state,
      moodBefore: state.mood,
      reading: null,
      answers: [],
      answeredUpTo: 0,
      insight: moodInsight(scenario, state.mood),
      voice: 'rules',
    };
    const opening = await this.insertMessage(conversationId, {
      messageId: clientMessageId(conversationId, 0),
      from: 'client',
      authorName: scenario.persona.name,
      text: scenario.opening,
      meta,
    });
    notifyPracticeMessage(this.deps.emitter, practiceWire(opening.doc));
    this.scheduleIdle(conversationId, opening.doc.seq);
    return { conversationId, chat: chatView(session, scenario, [opening.doc]) };
  }

  /** Re-opens one's own practice chat (a reload): its messages and, once ended, its result. */
  async open(user: AdvisorClaims, conversationId: string, join: (id: string) => Promise<void>) {
    const session = await this.ownSession(user, conversationId);
    if (!session) throw new UserError('not_found', '没有这个练习');
    await join(conversationId);
    const messages = await this.messagesOf(conversationId);
    const scenario = scenarioSchema.parse(session.scenario);
    // A reply (or silence check) lost with a restarted process is made now.
    const last = messages.at(-1);
    if (session.status === 'active' && last?.from === 'advisor') this.scheduleReply(conversationId, 0);
    else if (session.status === 'active' && last && !this.timers.has(`${conversationId}:idle`))
      this.scheduleIdle(conversationId, last.seq);
    const result = session.status === 'ended' ? await this.models.Result.findOne({ sessionId: conversationId }).lean() : null;
    return { chat: chatView(session, scenario, messages), result: result ? resultView(result) : null };
  }

  /**
   * chat:send on a practice chat: the advisor's message is stored (once per console id) and shown
   * on their consoles; the simulated client answers after PRACTICE_REPLY_DELAY_MS. Null when the
   * id is not a practice chat (the caller then answers as for real chats).
   */
  async send(
    user: AdvisorClaims,
    conversationId: string,
    consoleId: string,
    text: string,
    /** The compliance check real replies get (throws `compliance_warning`; returns the override to keep). */
    check: () => unknown = () => null,
  ): Promise<PracticeMessageView | null> {
    const session = await this.sessionOf(conversationId);
    if (!session) return null;
    if (session.advisorId !== user.sub) throw notOwner();
    if (session.status !== 'active') throw new UserError('practice_ended', '练习已结束');
    const compliance = check();
    const id = `a${createHash('sha256').update(`${user.sub}:${consoleId}`).digest('hex').slice(0, 31)}`;
    const stored = await this.insertMessage(conversationId, {
      messageId: id,
      from: 'advisor',
      authorName: user.name,
      text,
      meta: compliance ? { compliance } : null,
    });
    const view = practiceWire(stored.doc);
    if (!stored.duplicate) {
      notifyPracticeMessage(this.deps.emitter, view);
      this.clear(`${conversationId}:idle`);
      this.scheduleReply(conversationId, this.deps.config.PRACTICE_REPLY_DELAY_MS);
    }
    return view;
  }

  /** chat:close on a practice chat: ends it now (outcome `closed`). False when the id is not a practice chat. */
  async close(user: AdvisorClaims, conversationId: string): Promise<boolean> {
    const session = await this.sessionOf(conversationId);
    if (!session) return false;
    if (session.advisorId !== user.sub) throw notOwner();
    if (session.status === 'active') await this.finish(session, 'closed', 'advisor', user.sub);
    return true;
  }

  async result(user: AdvisorClaims, conversationId: string): Promise<PracticeResultView> {
    const session = await this.sessionOf(conversationId);
    const mayRead =
      session && (session.advisorId === user.sub || (user.role === 'supervisor' && seesBranch(user, session.branchId)));
    if (!session || !mayRead) throw new UserError('not_found', '没有这个练习');
    const result = await this.models.Result.findOne({ sessionId: conversationId }).lean();
    if (!result) throw new UserError('not_ended', '练习尚未结束');
    return resultView(result);
  }

  async history(user: AdvisorClaims): Promise<{ items: PracticeHistoryItem[]; assignments: PracticeAssignmentView[] }> {
    await this.models.ready;
    const sessions = (await this.models.Session.find({ advisorId: user.sub })
      .sort({ startedAt: -1 })
      .limit(100)
      .lean()) as PracticeSessionDoc[];
    const ids = sessions.map((s) => s._id.toString());
    const results = new Map((await findIn<PracticeResultDoc>(this.models.Result, 'sessionId', ids)).map((r) => [r.sessionId, r]));
    const items = sessions.map((s): PracticeHistoryItem => {
      const r = results.get(s._id.toString());
      return {
        conversationId: s._id.toString(),
        practice: true,
        scenarioId: s.scenarioId,
        scenarioTitle: s.scenarioTitle,
        status: s.status === 'ended' ? 'ended' : 'active',
        startedAt: new Date(s.startedAt).toISOString(),
        endedAt: s.endedAt ? new Date(s.endedAt).toISOString() : null,
        outcome: (r?.outcome as PracticeOutcome | undefined) ?? null,
        total: (r?.score as PracticeScore | null | undefined)?.total ?? null,
      };
    });
    const assignments = await this.assignmentViews(user.sub, [...results.values()]);
    return { items, assignments };
  }

  // ---- supervisors --------------------------------------------------------------------------

  async assign(supervisor: AdvisorClaims, advisorId: string, scenarioId: string): Promise<PracticeAssignmentView> {
    requireSupervisor(supervisor);
    const advisor = OBJECT_ID.test(advisorId) ? await this.deps.db.Advisor.findById(advisorId).lean() : null;
    if (!advisor || advisor.role !== 'advisor') throw new UserError('not_found', '没有这位顾问');
    if (!seesBranch(supervisor, advisor.branchId)) throw new UserError('not_visible', '这位顾问不在您的营业部');
    const scenario = await this.findScenario(scenarioId, { branchId: advisor.branchId, allBranches: false });
    if (!scenario) throw new UserError('not_found', '没有这个练习场景，或它不属于该顾问的营业部');
    await this.models.ready;
    const doc = {
      advisorId,
      scenarioId,
      branchId: advisor.branchId,
      assignedBy: supervisor.sub,
      assignedByName: supervisor.name,
      at: new Date(),
    };
    try {
      await this.models.Assignment.create(doc);
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      // Assigning again renews it (the supervisor is the only writer of this assignment).
      await this.models.Assignment.updateOne({ advisorId, scenarioId }, { $set: doc });
    }
    return {
      advisorId,
      scenarioId,
      scenarioTitle: scenario.title,
      assignedByName: supervisor.name,
      at: doc.at.toISOString(),
      done: false,
    };
  }

  async results(supervisor: AdvisorClaims, advisorId?: string): Promise<PracticeResultView[]> {
    requireSupervisor(supervisor);
    await this.models.ready;
    let filter: Record<string, unknown>;
    if (advisorId !== undefined) {
      const advisor = OBJECT_ID.test(advisorId) ? await this.deps.db.Advisor.findById(advisorId).lean() : null;
      if (!advisor) throw new UserError('not_found', '没有这位顾问');
      if (!seesBranch(supervisor, advisor.branchId)) throw new UserError('not_visible', '这位顾问不在您的营业部');
      filter = { advisorId };
    } else filter = visibleBranchFilter(supervisor);
    const results = (await this.models.Result.find(filter).sort({ endedAt: -1 }).limit(200).lean()) as PracticeResultDoc[];
    // Branch scope also on the result's own branch (an advisor may have moved branch since).
    return results.filter((r) => seesBranch(supervisor, r.branchId)).map(resultView);
  }

  /** 质培一体化: a visible real conversation → a scenario of its branch (personal data masked), once per conversation. */
  async fromConversation(
    supervisor: AdvisorClaims,
    conversationId: string,
  ): Promise<{ scenario: PracticeScenarioItem; created: boolean }> {
    requireSupervisor(supervisor);
    const conversation = (await this.deps.db.Conversation.findOne({
      _id: conversationId,
      ...visibleBranchFilter(supervisor),
    }).lean()) as ConversationDoc | null;
    if (!conversation) throw new UserError('not_visible', '会话不存在或不在您的营业部');
    await this.models.ready;
    const existing = await this.models.Scenario.findOne({ sourceConversationId: conversationId }).lean();
    if (existing) return { scenario: storedItem(existing), created: false };
    const [messages, customer] = await Promise.all([
      recentMessages(this.deps.db, conversationId, 200),
      conversation.customerId
        ? (this.deps.db.Customer.findById(conversation.customerId).lean() as Promise<CustomerDoc | null>)
        : null,
    ]);
    const names = [customer?.name, ...messages.filter((m) => m.author.kind === 'advisor').map((m) => m.author.name)].filter(
      (n): n is string => typeof n === 'string' && n !== '',
    );
    const scenario = scenarioFromConversation({
      conversationId,
      tier: (customer?.tier as 'standard' | 'gold' | 'vip' | undefined) ?? 'standard',
      messages: messages.map((m) => {
        const wire = toAdvisorWire(m);
        return { from: wire.from, text: wire.text, insight: wire.insight ?? null };
      }),
      names,
    });
    if (!scenario) throw new UserError('too_short', '会话中没有客户发言，无法生成练习场景');
    const doc = {
      _id: scenario.id,
      branchId: conversation.branchId ?? supervisor.branchId,
      sourceConversationId: conversationId,
      createdBy: supervisor.sub,
      createdByName: supervisor.name,
      scenario,
      createdAt: new Date(),
    };
    try {
      await this.models.Scenario.create(doc);
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
      const stored = await this.models.Scenario.findOne({ sourceConversationId: conversationId }).lean();
      if (stored) return { scenario: storedItem(stored), created: false };
      throw err;
    }
    return { scenario: scenarioItem(scenario, 'conversation', doc.branchId, false), created: true };
  }

  // ---- the simulated client's turns ---------------------------------------------------------

  private scheduleReply(sessionId: string, delayMs: number): void {
    this.schedule(`${sessionId}:reply`, delayMs, () => this.respond(sessionId));
  }

  private scheduleIdle(sessionId: string, clientSeq: number): void {
    const idleS = this.deps.config.PRACTICE_IDLE_S;
    if (idleS > 0) this.schedule(`${sessionId}:idle`, idleS * 1000, () => this.respondToSilence(sessionId, clientSeq));
  }

  private schedule(key: string, delayMs: number, run: () => Promise<void>): void {
    if (this.stopped) return;
    this.clear(key);
    const timer = setTimeout(() => {
      this.timers.delete(key);
      if (this.stopped) return;
      run().catch((err) => this.deps.logger.warn({ err, key }, 'practice turn failed'));
    }, delayMs);
    timer.unref();
    this.timers.set(key, timer);
  }

  private clear(key: string): void {
    const t = this.timers.get(key);
    if (t) clearTimeout(t);
    this.timers.delete(key);
  }

  /** The client answers the advisor's messages it has not answered yet. */
  private async respond(sessionId: string): Promise<void> {
    const session = await this.sessionOf(sessionId);
    if (!session || session.status !== 'active') return;
    const messages = await this.messagesOf(sessionId);
    const last = lastClient(messages);
    if (!last || last.meta.state.ended) return;
    const pending = messages.filter((m) => m.from === 'advisor' && m.seq > last.meta.answeredUpTo);
    if (pending.length === 0) return;
    await this.clientTurn(session, messages, last.meta, { kind: 'reply', texts: pending.map((m) => m.text) }, pending);
  }

  /** Nobody answered the client's message for PRACTICE_IDLE_S: it counts as ignored. */
  private async respondToSilence(sessionId: string, clientSeq: number): Promise<void> {
    const session = await this.sessionOf(sessionId);
    if (!session || session.status !== 'active') return;
    const messages = await this.messagesOf(sessionId);
    const lastMessage = messages.at(-1);
    if (!lastMessage || lastMessage.from !== 'client' || lastMessage.seq !== clientSeq) return;
    const meta = lastMessage.meta as ClientMeta;
    if (meta.state.ended) return;
    await this.clientTurn(session, messages, meta, { kind: 'silence' }, []);
  }

  private async clientTurn(
    session: PracticeSessionDoc,
    messages: PracticeMessageDoc[],
    previous: ClientMeta,
    turn: { kind: 'reply'; texts: string[] } | { kind: 'silence' },
    answered: PracticeMessageDoc[],
  ): Promise<void> {
    const sessionId = session._id.toString();
    const scenario = scenarioSchema.parse(session.scenario);
    const outcome = step(scenario, previous.state, turn);
    const voiced = await voiceClientLine(this.llm, {
      scenario,
      transcript: messages.map((m) => ({ from: m.from as 'client' | 'advisor', text: m.text })),
      reaction: outcome.reaction,
      mood: outcome.state.mood,
      line: outcome.message,
      ending: outcome.ended !== null,
    });
    const meta: ClientMeta = {
      turn: outcome.state.turn,
      reaction: outcome.reaction,
      state: outcome.state,
      moodBefore: previous.state.mood,
      reading: outcome.reading,
      answers: answered.map((m) => m.messageId),
      answeredUpTo: answered.length > 0 ? Math.max(...answered.map((m) => m.seq)) : previous.answeredUpTo,
      insight: moodInsight(scenario, outcome.state.mood),
      voice: voiced.source,
    };
    const stored = await this.insertMessage(sessionId, {
      messageId: clientMessageId(sessionId, outcome.state.turn),
      from: 'client',
      authorName: scenario.persona.name,
      text: voiced.text,
      meta,
    });
    // Another timer or process answered this turn first: it carries on from there.
    if (stored.duplicate) return;
    notifyPracticeMessage(this.deps.emitter, practiceWire(stored.doc));
    if (outcome.ended) await this.finish(session, outcome.ended, 'rules', 'practice');
    else this.scheduleIdle(sessionId, stored.doc.seq);
  }

  // ---- the end ------------------------------------------------------------------------------

  /** Ends a practice once (the result's unique insert decides), scores it, and tells the consoles. */
  private async finish(
    session: PracticeSessionDoc,
    outcome: PracticeOutcome,
    endedBy: 'rules' | 'advisor',
    by: string,
  ): Promise<void> {
    const sessionId = session._id.toString();
    this.clear(`${sessionId}:reply`);
    this.clear(`${sessionId}:idle`);
    const scenario = scenarioSchema.parse(session.scenario);
    const messages = await this.messagesOf(sessionId);
    const endedAt = new Date();
    const clientTurns = messages.filter((m) => m.from === 'client').map((m) => ({ m, meta: m.meta as ClientMeta }));
    const final = clientTurns.at(-1)?.meta.state ?? initialState(scenario);
    const byId = new Map(messages.map((m) => [m.messageId, m]));
    const feedback: PracticeFeedback[] = clientTurns
      .filter(({ meta }) => meta.turn > 0 && meta.reaction)
      .map(({ meta }) => ({
        turn: meta.turn,
        reaction: meta.reaction!,
        label: REACTION_LABELS[meta.reaction!],
        moodBefore: meta.moodBefore,
        moodAfter: meta.state.mood,
        evidence: meta.answers
          .map((id) => byId.get(id))
          .filter((m): m is PracticeMessageDoc => !!m)
          .map((m) => ({ messageId: m.messageId, quote: m.text.length > 80 ? `${m.text.slice(0, 80)}…` : m.text })),
        matched: meta.reading
          ? ({ ...meta.reading } as PracticeFeedback['matched'])
          : ({ silence: '顾问未回复' } as PracticeFeedback['matched']),
      }));
    const moodPath = clientTurns.map(({ meta }) => ({ turn: meta.turn, mood: meta.state.mood, emotion: meta.insight.emotion }));
    const score = await this.score(session, messages, endedAt);
    try {
      await this.models.Result.create({
        sessionId,
        advisorId: session.advisorId,
        advisorName: session.advisorName,
        branchId: session.branchId,
        scenarioId: session.scenarioId,
        scenarioTitle: session.scenarioTitle,
        outcome,
        endedBy,
        turns: final.turn,
        startMood: scenario.mood.start,
        endMood: final.mood,
        moodPath,
        feedback,
        score,
        startedAt: session.startedAt,
        endedAt,
      });
    } catch (err) {
      if (isDuplicateKey(err)) return; // ended already (the rules and the advisor at once)
      throw err;
    }
    await this.models.Session.updateOne({ _id: sessionId }, { $set: { status: 'ended', endedAt } });
    notifyPracticeEnded(this.deps.emitter, sessionId, by, outcome);
  }

  /** The inspection scorecard's score of the practice; null (logged) when scoring fails. */
  private async score(session: PracticeSessionDoc, messages: PracticeMessageDoc[], endedAt: Date): Promise<PracticeScore | null> {
    try {
      this.scorecards ??= new ScorecardStore(this.deps.config.QUALITY_SCORECARD_PATH ?? DEFAULT_SCORECARD_PATH);
      this.scorecards.reload();
      const input: ScoringInput = {
        messages: messages.map((m) => ({
          id: m.messageId,
          seq: m.seq,
          from: m.from as 'client' | 'advisor',
          text: m.text,
          at: new Date(m.at).getTime(),
          insight: m.from === 'client' ? ((m.meta as ClientMeta | null)?.insight ?? null) : null,
        })),
        acceptedAt: new Date(session.startedAt).getTime(),
        closedAt: endedAt.getTime(),
        wrapUp: null,
        satisfaction: null,
      };
      return await scorePractice(this.scorecards.current, input, this.llm);
    } catch (err) {
      this.deps.logger.error({ err }, 'practice scoring failed');
      return null;
    }
  }

  // ---- storage ------------------------------------------------------------------------------

  private async sessionOf(conversationId: string): Promise<PracticeSessionDoc | null> {
    if (!OBJECT_ID.test(conversationId)) return null;
    return (await this.models.Session.findById(conversationId).lean()) as PracticeSessionDoc | null;
  }

  private async ownSession(user: AdvisorClaims, conversationId: string): Promise<PracticeSessionDoc | null> {
    const session = await this.sessionOf(conversationId);
    return session && session.advisorId === user.sub ? session : null;
  }

  private async messagesOf(sessionId: string): Promise<PracticeMessageDoc[]> {
    return (await this.models.Message.find({ sessionId }).sort({ seq: 1 }).limit(500).lean()) as PracticeMessageDoc[];
  }

  /**
   * Stores a practice message once: the next seq after the stored ones, under the unique
   * (session, seq) and (session, messageId) indexes; a repeated messageId returns the stored copy.
   */
  private async insertMessage(
    sessionId: string,
    msg: { messageId: string; from: 'client' | 'advisor'; authorName: string; text: string; meta: unknown },
  ): Promise<{ doc: PracticeMessageDoc; duplicate: boolean }> {
    await this.models.ready;
    for (let attempt = 0; ; attempt++) {
      const existing = (await this.models.Message.findOne({
        sessionId,
        messageId: msg.messageId,
      }).lean()) as PracticeMessageDoc | null;
      if (existing) return { doc: existing, duplicate: true };
      const last = await this.models.Message.findOne({ sessionId }).sort({ seq: -1 }).lean();
      try {
        const doc = (
          await this.models.Message.create({ sessionId, seq: (last?.seq ?? 0) + 1, ...msg, at: new Date() })
        ).toObject() as PracticeMessageDoc;
        return { doc, duplicate: false };
      } catch (err) {
        if (!isDuplicateKey(err) || attempt >= 10) throw err;
      }
    }
  }

  private async assignmentViews(advisorId: string, results: PracticeResultDoc[]): Promise<PracticeAssignmentView[]> {
    const assignments = await this.models.Assignment.find({ advisorId }).sort({ at: -1 }).lean();
    const storedIds = assignments.map((a) => a.scenarioId).filter((id) => !this.library.get(id));
    const stored = await findIn<{ _id: string; scenario: { title?: string } }>(this.models.Scenario, '_id', storedIds);
    const titles = new Map(stored.map((d) => [d._id, d.scenario?.title ?? d._id]));
    return assignments.map((a) => ({
      advisorId: a.advisorId,
      scenarioId: a.scenarioId,
      scenarioTitle: this.library.get(a.scenarioId)?.title ?? titles.get(a.scenarioId) ?? a.scenarioId,
      assignedByName: a.assignedByName,
      at: new Date(a.at).toISOString(),
      done: results.some((r) => r.scenarioId === a.scenarioId && new Date(r.endedAt) >= new Date(a.at)),
    }));
  }
}

function requireSupervisor(user: AdvisorClaims): void {
  if (user.role !== 'supervisor') throw new UserError('not_a_supervisor', '只有督导可以进行此操作');
}

const clientMessageId = (sessionId: string, turn: number) => `${sessionId}-c${turn}`;

function lastClient(messages: PracticeMessageDoc[]): { doc: PracticeMessageDoc; meta: ClientMeta } | null {
  const doc = [...messages].reverse().find((m) => m.from === 'client');
  return doc ? { doc, meta: doc.meta as ClientMeta } : null;
}

function scenarioItem(
  s: Scenario,
  source: 'file' | 'conversation',
  branchId: string | null,
  assigned: boolean,
): PracticeScenarioItem {
  return { id: s.id, title: s.title, persona: { ...s.persona }, source, branchId, assigned };
}

function storedItem(doc: { branchId: string; scenario: unknown }): PracticeScenarioItem {
  return scenarioItem(scenarioSchema.parse(doc.scenario), 'conversation', doc.branchId, false);
}

/** A practice message as the console gets it: the wire message, `practice: true`, the simulated client's mood as insight. */
export function practiceWire(m: PracticeMessageDoc): PracticeMessageView {
  const view: PracticeMessageView = {
    id: m.messageId,
    conversationId: m.sessionId,
    seq: m.seq,
    from: m.from as 'client' | 'advisor',
    authorName: m.authorName ?? null,
    text: m.text,
    createdAt: new Date(m.at).toISOString(),
    status: 'sent',
    practice: true,
  };
  const meta = m.meta as ClientMeta | null;
  if (m.from === 'client' && meta?.insight) {
    view.insight = {
      emotion: meta.insight.emotion,
      intensity: meta.insight.intensity,
      intent: null,
      intentLabel: null,
      action: 'practice',
      reasons: meta.reaction ? [REACTION_LABELS[meta.reaction]] : [],
    };
  }
  return view;
}

function chatView(session: PracticeSessionDoc, scenario: Scenario, messages: PracticeMessageDoc[]): PracticeChatView {
  return {
    conversationId: session._id.toString(),
    practice: true,
    status: session.status === 'ended' ? 'ended' : 'active',
    scenario: { id: scenario.id, title: scenario.title, persona: { ...scenario.persona } },
    startedAt: new Date(session.startedAt).toISOString(),
    messages: messages.map(practiceWire),
  };
}

function resultView(r: PracticeResultDoc): PracticeResultView {
  const outcome = r.outcome as PracticeOutcome;
  return {
    conversationId: r.sessionId,
    practice: true,
    advisorId: r.advisorId,
    advisorName: r.advisorName,
    branchId: r.branchId,
    scenarioId: r.scenarioId,
    scenarioTitle: r.scenarioTitle,
    outcome,
    outcomeLabel: OUTCOME_LABELS[outcome],
    endedBy: r.endedBy as 'rules' | 'advisor',
    turns: r.turns,
    startMood: r.startMood,
    endMood: r.endMood,
    moodPath: (r.moodPath as PracticeResultView['moodPath']) ?? [],
    feedback: (r.feedback as PracticeFeedback[]) ?? [],
    score: (r.score as PracticeScore | null) ?? null,
    startedAt: new Date(r.startedAt).toISOString(),
    endedAt: new Date(r.endedAt).toISOString(),
  };
}

const services = new WeakMap<Db, PracticeService>();

/** The practice service of a system (one per database connection), made on first use. */
export function practiceServiceFor(deps: Deps): PracticeService {
  let service = services.get(deps.db);
  if (!service) {
    const made = new PracticeService(deps, createLlmClient(deps.config, deps.logger));
    service = made;
    services.set(deps.db, made);
    deps.db.connection.once('close', () => made.stop());
  }
  return service;
}

/** The practice service already made for this database, if any (the chat:send / chat:close hook). */
export function existingPracticeService(db: Db): PracticeService | null {
  return services.get(db) ?? null;
}
