export { createFlowDialogs, FLOW_FOR_INTENT, type FlowOptions } from './flow-dialogs';
export type { FlowResult } from './flow-result';
export type { FlowStart } from './slot-flow';
export { isCancel, pickChoice, mentionedChoice } from './choice';
export {
  BRANCH_MEETING_HOURS,
  judgeTime,
  nearestSlots,
  parseRequestedTime,
  describeRequested,
  type BranchHours,
} from './appointment-time';
