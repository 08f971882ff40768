import {
  notifyAppointmentRequested,
  isDuplicateKey,
  toAppointmentView,
  type AppointmentDoc,
  type CustomerDoc,
  type Services,
} from '@brokerbot/shared';

export interface AppointmentRequest {
  /** The inbound message that finished the 预约 flow. */
  requestMessageId: string;
  conversationId: string;
  customerId: string | null;
  branchId?: string | null;
  topic: string;
  preferredTime: string;
}

/**
 * Stores a client's appointment request once and announces it to the branch and supervisors.
 * Keyed (unique index) by the inbound message that finished the flow, so a redelivered job
 * (BullMQ retry, crash recovery, two bot processes holding the same job) finds the stored
 * request instead of adding a second one. It is announced again then: the process that stored
 * it may have died before announcing, and the console treats a repeat as an update.
 */
export async function recordAppointmentRequest(
  deps: Pick<Services, 'db' | 'emitter'>,
  request: AppointmentRequest,
): Promise<AppointmentDoc> {
  let appointment: AppointmentDoc;
  try {
    appointment = (await deps.db.Appointment.create(request)).toObject() as AppointmentDoc;
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
    appointment = (await deps.db.Appointment.findOne({ requestMessageId: request.requestMessageId }).lean()) as AppointmentDoc;
  }
  const customer = request.customerId
    ? ((await deps.db.Customer.findById(request.customerId).lean()) as CustomerDoc | null)
    : null;
  notifyAppointmentRequested(deps.emitter, toAppointmentView(appointment, customer));
  return appointment;
}
