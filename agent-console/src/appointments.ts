import { z } from 'zod';
import {
  UserError,
  notifyAppointmentUpdated,
  sendToClient,
  toAppointmentView,
  type AppointmentDoc,
  type AppointmentView,
  type ConversationDoc,
  type CustomerDoc,
  type Services,
} from '@brokerbot/shared';
import { visibleBranchFilter, type AdvisorClaims } from './advisor-token';
import { applyChange, catchUp, changeAt } from './appointment-log';

type Deps = Pick<Services, 'db' | 'seq' | 'queues' | 'emitter'>;
type NewStatus = 'confirmed' | 'done' | 'cancelled';

/**
 * Done and cancelled appointments stay on the list for a week, so that an advisor can see what
 * became of a request (a colleague completed or cancelled it) after the console reloads.
 */
const RECENT_CLOSED_MS = 7 * 24 * 3600_000;

export const appointmentRequests = {
  list: z.object({}),
  update: z.object({
    appointmentId: z.string().regex(/^[0-9a-f]{24}$/, '预约编号无效'),
    status: z.enum(['confirmed', 'done', 'cancelled'], {
      errorMap: () => ({ message: '状态只能是 confirmed（确认）、done（完成）或 cancelled（取消）' }),
    }),
  }),
};

async function viewsOf(deps: Deps, appointments: AppointmentDoc[]): Promise<AppointmentView[]> {
  const ids = [...new Set(appointments.map((a) => a.customerId).filter((id): id is string => !!id))];
  const customers = ids.length ? ((await deps.db.Customer.find({ _id: { $in: ids } }).lean()) as CustomerDoc[]) : [];
  const byId = new Map(customers.map((c) => [c._id, c]));
  return appointments.map((a) => toAppointmentView(a, byId.get(a.customerId ?? '') ?? null));
}

/**
 * The appointments an advisor may act on (own branch; supervisors: all): open ones, oldest
 * request first, then those closed in the last week, most recent first.
 */
export async function listAppointments(deps: Deps, advisor: AdvisorClaims): Promise<AppointmentView[]> {
  const scope = visibleBranchFilter(advisor);
  const [open, closed] = await Promise.all([
    deps.db.Appointment.find({ ...scope, status: { $in: ['requested', 'confirmed'] } })
      .sort({ createdAt: 1 })
      .limit(200)
      .lean(),
    deps.db.Appointment.find({
      ...scope,
      status: { $in: ['done', 'cancelled'] },
      updatedAt: { $gte: new Date(Date.now() - RECENT_CLOSED_MS) },
    })
      .sort({ updatedAt: -1 })
      .limit(100)
      .lean(),
  ]);
  return viewsOf(deps, [...(open as AppointmentDoc[]), ...(closed as AppointmentDoc[])]);
}

const isSupervisor = (advisor: AdvisorClaims) => advisor.role === 'supervisor';

/** Why this advisor may not make this change, or null when the rules allow it. */
function refusal(advisor: AdvisorClaims, a: AppointmentDoc, to: NewStatus): UserError | null {
  const owner = a.advisorName ?? '其他顾问';
  if (a.status === 'done') return new UserError('appointment_closed', '该预约已完成，不能再更改');
  if (a.status === 'cancelled') return new UserError('appointment_closed', '该预约已取消，不能再更改');
  if (to === 'confirmed') {
    if (a.status === 'confirmed') return new UserError('already_confirmed', `已被其他顾问确认（${owner}）`);
    if (isSupervisor(advisor)) return new UserError('not_an_advisor', '督导账号不能确认预约，请由营业部客户经理确认');
    return null;
  }
  if (to === 'done' && a.status === 'requested') return new UserError('not_confirmed', '请先确认预约，见面后再标记完成');
  // A confirmed appointment is its owner's promise to the client: only they (or a supervisor) close it.
  if (a.status === 'confirmed' && a.advisorId !== advisor.sub && !isSupervisor(advisor)) {
    const action = to === 'done' ? '标记完成' : '取消';
    return new UserError('not_owner', `该预约已由 ${owner} 确认，只有其本人或督导可以${action}`);
  }
  return null;
}

/**
 * Someone changed the appointment first. If that was the same request (this advisor's double
 * click), the appointment as it now is; otherwise what the advisor is told: who was first.
 */
async function afterLostRace(deps: Deps, advisor: AdvisorClaims, a: AppointmentDoc, to: NewStatus): Promise<AppointmentDoc> {
  const version = (a.version ?? 0) + 1;
  const winner = await changeAt(deps.db, a._id.toString(), version);
  const set = (winner?.set ?? {}) as { advisorId?: string; advisorName?: string };
  if (winner?.to === to && (to !== 'confirmed' || set.advisorId === advisor.sub)) {
    return { ...a, ...set, status: to, version, updatedAt: winner.at };
  }
  if (winner?.to === 'confirmed') {
    throw new UserError('already_confirmed', `已被其他顾问确认${set.advisorName ? `（${set.advisorName}）` : ''}`);
  }
  if (winner?.to === 'cancelled') throw new UserError('appointment_closed', '该预约刚刚被取消');
  if (winner?.to === 'done') throw new UserError('appointment_closed', '该预约刚刚被标记为已完成');
  throw new UserError('conflict', '该预约刚被其他人更新，请刷新后重试');
}

/**
 * Tells the client in their chat that the branch confirmed or cancelled the request, through
 * the ordinary outbound path. The message id derives from the change, so repeating it (a retry
 * of the same request) sends nothing twice.
 */
async function notifyClient(deps: Deps, a: AppointmentDoc, advisor: AdvisorClaims): Promise<void> {
  const text =
    a.status === 'confirmed'
      ? `您预约的「${a.topic}」已由客户经理 ${a.advisorName ?? advisor.name} 确认，时间：${a.preferredTime}。`
      : a.status === 'cancelled'
        ? `您预约的「${a.topic}」（${a.preferredTime}）已取消。如需重新预约，请随时告诉我们。`
        : null;
  if (!text) return;
  const conversation = (await deps.db.Conversation.findById(a.conversationId).lean()) as ConversationDoc | null;
  if (!conversation) return;
  await sendToClient(deps, conversation, {
    id: `ap${a._id.toString()}v${a.version ?? 0}`,
    author: { kind: 'system', name: advisor.name },
    text,
  });
}

/**
 * An advisor confirms, completes or cancels an appointment. Who wins when two act at once is
 * decided by an insert under a unique index (see applyChange), never by a conditional update.
 * Asking again for the state it is already in (a double click, a retry after a timeout) answers
 * with the appointment as it is; a repeat after the fact also re-sends the client's notice if
 * it was lost (its id makes that a no-op otherwise).
 */
export async function updateAppointment(
  deps: Deps,
  advisor: AdvisorClaims,
  appointmentId: string,
  to: NewStatus,
): Promise<AppointmentView> {
  const found = (await deps.db.Appointment.findById(appointmentId).lean()) as AppointmentDoc | null;
  if (!found) throw new UserError('not_found', '预约不存在或已被删除');
  const scope = visibleBranchFilter(advisor);
  if (scope.branchId !== undefined && found.branchId !== scope.branchId) {
    throw new UserError('not_visible', '该预约不属于您的营业部，您无权处理');
  }
  const current = await catchUp(deps.db, found);
  const repeat = current.status === to && (to !== 'confirmed' || current.advisorId === advisor.sub);
  if (repeat) {
    await notifyClient(deps, current, advisor);
    return (await viewsOf(deps, [current]))[0]!;
  }
  const refused = refusal(advisor, current, to);
  if (refused) throw refused;
  const changed = await applyChange(deps.db, current, {
    to,
    by: `advisor:${advisor.sub}`,
    set: to === 'confirmed' ? { advisorId: advisor.sub, advisorName: advisor.name } : undefined,
  });
  if (!changed) return (await viewsOf(deps, [await afterLostRace(deps, advisor, current, to)]))[0]!;
  const [view] = await viewsOf(deps, [changed]);
  notifyAppointmentUpdated(deps.emitter, view!);
  await notifyClient(deps, changed, advisor);
  return view!;
}
