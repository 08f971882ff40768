export { createFlowDialogs, FLOW_FOR_INTENT } from './flow-dialogs';
export type { FlowResult } from './flow-result';
export { isCancel, pickChoice } from './choice';
