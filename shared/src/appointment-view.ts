import type { AppointmentDoc, AppointmentStatus, CustomerDoc } from './models/schemas';

/** What an advisor sees of a client's appointment request. No phone number: the console does not need it. */
export interface AppointmentView {
  appointmentId: string;
  conversationId: string;
  customer: { id: string; name: string; tier: string } | null;
  branchId: string | null;
  topic: string;
  preferredTime: string;
  status: AppointmentStatus;
  advisorId: string | null;
  advisorName: string | null;
  createdAt: string;
  updatedAt: string;
}

export function toAppointmentView(a: AppointmentDoc, customer: CustomerDoc | null): AppointmentView {
  return {
    appointmentId: a._id.toString(),
    conversationId: a.conversationId,
    customer: customer ? { id: customer._id, name: customer.name, tier: customer.tier } : null,
    branchId: a.branchId ?? null,
    topic: a.topic,
    preferredTime: a.preferredTime,
    status: a.status,
    advisorId: a.advisorId ?? null,
    advisorName: a.advisorName ?? null,
    createdAt: new Date(a.createdAt).toISOString(),
    updatedAt: new Date(a.updatedAt ?? a.createdAt).toISOString(),
  };
}
