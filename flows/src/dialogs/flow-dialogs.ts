import type { StatePropertyAccessor } from 'botbuilder-core';
import { DialogSet, type DialogState } from 'botbuilder-dialogs';
import { AppointmentDialog } from './appointment-dialog';
import { BRANCH_MEETING_HOURS, type BranchHours } from './appointment-time';
import { MarginEligibilityDialog } from './margin-eligibility-dialog';
import { PasswordResetDialog } from './password-reset-dialog';
import { TransferFailedDialog } from './transfer-failed-dialog';

/** Which intent starts which multi-turn flow. */
export const FLOW_FOR_INTENT: Record<string, string> = {
  password_reset: PasswordResetDialog.id,
  transfer_failed: TransferFailedDialog.id,
  margin_account: MarginEligibilityDialog.id,
  appointment: AppointmentDialog.id,
};

export interface FlowOptions {
  /** When the branch receives clients (the appointment flow offers only these times). */
  meetingHours?: BranchHours;
}

/** The multi-turn flows, with their state kept by the given accessor (one per conversation). */
export function createFlowDialogs(state: StatePropertyAccessor<DialogState>, options: FlowOptions = {}): DialogSet {
  const dialogs = new DialogSet(state);
  dialogs.add(new PasswordResetDialog());
  dialogs.add(new TransferFailedDialog());
  dialogs.add(new MarginEligibilityDialog());
  dialogs.add(new AppointmentDialog(options.meetingHours ?? BRANCH_MEETING_HOURS));
  return dialogs;
}
