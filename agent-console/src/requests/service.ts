import { cannedRequests, deleteCanned, listCanned, saveCanned } from '../canned-replies';
import { clientPanel, clientPanelRequest } from '../client-panel';
import { addNote, listNotes, noteRequests } from '../notes';
import type { FeatureRequests } from './index';

/**
 * Service requests on /advisor (shared/src/protocol/advisor-service.ts): canned replies, internal
 * notes and the client panel. chat:send's compliance check and chat:close's wrap-up live with
 * those core requests (advisor-namespace.ts → handoff-service.ts).
 */
export const serviceRequests: FeatureRequests = ({ advisor, services, on }) => {
  on('canned:list', cannedRequests.list, async ({ q }) => ({ items: await listCanned(services, advisor, q) }));
  on('canned:save', cannedRequests.save, async (input) => ({ item: await saveCanned(services, advisor, input) }));
  on('canned:delete', cannedRequests.delete, ({ id }) => deleteCanned(services, advisor, id));
  on('chat:note', noteRequests.add, async (input) => ({ note: await addNote(services, advisor, input) }));
  on('chat:notes', noteRequests.list, async ({ conversationId }) => ({
    notes: await listNotes(services, advisor, conversationId),
  }));
  on('chat:client', clientPanelRequest, async ({ conversationId }) => ({
    client: await clientPanel(services, advisor, conversationId),
  }));
};
