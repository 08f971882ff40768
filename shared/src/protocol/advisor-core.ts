/** Requests on the /advisor namespace for the console's base requests: waiting list, accept, send, close, watch, assist, appointments, transcripts. */
// Filled in by the feature that owns these events; see ./advisor.ts for the composed map.
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface CoreAdvisorRequests {}
