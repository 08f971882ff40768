export { createGateway, PUBLIC_DIR, type Gateway } from './gateway';
export { ingest, type IncomingMessage, type IngestResult } from './ingest';
export { startOutboundRole, deliver } from './outbound-worker';
export { mintClientToken, verifyClientToken, type ClientClaims } from './app/client-token';
