import { VersionedLog, type AppointmentChangeDoc, type AppointmentDoc, type AppointmentStatus, type Db } from '@brokerbot/shared';

/** A change whose writer has not updated the appointment after this long is taken to have died. */
const REPAIR_AFTER_MS = 10_000;

export interface AppointmentChange {
  to: AppointmentStatus;
  by: string;
  /** Fields set with the change (the confirming advisor). */
  set?: { advisorId?: string; advisorName?: string };
}

/** An appointment's changes: its versioned log (see VersionedLog). */
const changeLog = (db: Db) => new VersionedLog(db.AppointmentChange, db.Appointment, 'appointmentId');

/**
 * Changes an appointment's status exactly once. The change is won by inserting
 * (appointmentId, version + 1) into the log, whose unique index admits one winner even when
 * conditional updates are not atomic (FerretDB); only the winner then writes the appointment.
 * Returns the updated appointment, or null when someone else changed it first.
 */
export async function applyChange(db: Db, current: AppointmentDoc, change: AppointmentChange): Promise<AppointmentDoc | null> {
  const set = change.set ?? {};
  const version = await changeLog(db).advance(
    current._id.toString(),
    current.version ?? 0,
    { from: current.status, to: change.to, by: change.by, set },
    { status: change.to, ...set },
  );
  if (version === null) return null;
  return { ...current, ...set, status: change.to, version, updatedAt: new Date() };
}

/** The change that took this version (to say who won a race). */
export async function changeAt(db: Db, appointmentId: string, version: number): Promise<AppointmentChangeDoc | null> {
  const log = db.AppointmentChange;
  return (await log.findOne({ appointmentId, version }).lean()) as AppointmentChangeDoc | null;
}

/**
 * Crash repair: a process that died between winning a change and writing the appointment
 * leaves it a version behind its log, and no later change could be won. Applies such
 * entries once they are old enough that their writer cannot still be at work.
 */
export async function catchUp(db: Db, appointment: AppointmentDoc): Promise<AppointmentDoc> {
  const log = db.AppointmentChange;
  const appointmentId = appointment._id.toString();
  const missed = (await log
    .find({
      appointmentId,
      version: { $gt: appointment.version ?? 0 },
      at: { $lt: new Date(Date.now() - REPAIR_AFTER_MS) },
    })
    .sort({ version: 1 })
    .lean()) as AppointmentChangeDoc[];
  const changes = changeLog(db);
  let current = appointment;
  for (const c of missed) {
    const set = (c.set ?? {}) as Record<string, unknown>;
    if (!(await changes.applyMissed(appointmentId, current.version ?? 0, c, { status: c.to, ...set }))) break;
    current = { ...current, ...set, status: c.to, version: c.version, updatedAt: new Date() };
  }
  return current;
}
