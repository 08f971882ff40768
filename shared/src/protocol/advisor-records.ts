/** Requests on the /advisor namespace for transcript keyword search, export, audit log and retention (records:*, transcripts:* additions). */
// Filled in by the feature that owns these events; see ./advisor.ts for the composed map.
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface RecordsRequests {}
