/**
 * The fields our queries look documents up by with an equality filter, per collection, for the
 * collections that grow with traffic. MongoDB serves these from the indexes declared on the
 * schemas; FerretDB v1 on PostgreSQL cannot (it filters with `_jsonb->'field' @> value`, which
 * its btree indexes do not serve), so `ensureFerretPgIndexes` gives each of these fields a GIN
 * expression index. Only selective fields are listed: a field with a handful of values (channel,
 * direction) would cost every insert and help no lookup. Top-level fields only: FerretDB does
 * not push dotted paths down as `->`.
 *
 * When a new query filters a growing collection by a field not listed here, add the field.
 */
export const LOOKUP_KEYS: Readonly<Record<string, readonly string[]>> = {
  messages: ['_id', 'conversationId', 'channelMessageId', 'status'],
  conversations: ['_id', 'externalUserId', 'advisorId', 'state', 'branchId', 'customerId'],
  conversationtransitions: ['conversationId'],
  customers: ['_id'],
  handoffs: ['_id', 'conversationId', 'status', 'advisorId'],
  handoffoffers: ['handoffId'],
  handoffraises: ['handoffId'],
  appointments: ['_id', 'requestMessageId', 'status', 'conversationId'],
  appointmentchanges: ['appointmentId'],
  conversationreviews: ['conversationId'],
  // Automatic inspection (agent-console/src/quality): scores by chat and by branch, confirmations by score.
  qualityscores: ['conversationId', 'branchId', 'scorecardVersion'],
  qualityconfirmations: ['scoreId', 'branchId', 'conversationId'],
  conversationlogs: ['conversationId'],
  conversationnotes: ['conversationId', 'key'],
  surveys: ['_id', 'conversationId', 'handoffId'],
  surveyanswers: ['surveyId', 'handoffId', 'conversationId'],
  // Supervisor dashboard rollups (agent-console/src/dashboard): hours read by business day, days by month.
  dashboardhours: ['_id', 'day'],
  dashboarddays: ['_id', 'month'],
  // Practice (智能陪练, agent-console/src/practice/models.ts): grows with every practice.
  practicesessions: ['_id', 'advisorId'],
  practicemessages: ['sessionId'],
  practiceresults: ['sessionId', 'advisorId', 'branchId'],
  practiceassignments: ['advisorId'],
  practicescenarios: ['_id', 'sourceConversationId', 'branchId'],
  // 会话记录 search index (agent-console/src/transcript-index): a day's activity, a word's conversations.
  transcriptactivities: ['_id', 'day', 'scopeDay', 'conversationId'],
  transcriptterms: ['_id', 'term'],
  transcriptsummaries: ['_id'],
  // Client files (channels' MediaStore: records keyed by channel + message id, bytes in GridFS).
  media: ['_id'],
  'media.files': ['_id'],
  'media.chunks': ['files_id'],
  // Records (agent-console/src/records): audit log by conversation, branch and actor; legal holds by
  // conversation. The retention purge deletes by conversationId from every collection that has one.
  auditentries: ['conversationId', 'branchId', 'actorId'],
  legalholds: ['conversationId'],
};
