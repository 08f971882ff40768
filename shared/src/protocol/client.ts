/**
 * Requests the trading app's chat page sends on the /client namespace (socket.io's typed
 * ClientToServer map); channels/src/app/client-namespace.ts registers them. What the server
 * sends back on its own is ServerToClientEvents in ../realtime.ts.
 */
import type { Request } from './ack';

/** `message`: a client's message. The same clientMessageId resent is stored once (`duplicate`). */
export interface ClientMessagePayload {
  /** [A-Za-z0-9_-], at most 64 characters. */
  clientMessageId: string;
  text: string;
}

export interface ClientMessageResult {
  clientMessageId: string;
  seq: number;
  duplicate: boolean;
}

/** `survey:answer`: the client's rating of the advisor who served them (the `survey` event's surveyId). */
export interface SurveyAnswerPayload {
  surveyId: string;
  /** 1 (非常不满意) … 5 (非常满意). */
  score: number;
  /** At most 500 characters. */
  comment?: string;
}

export interface ClientRequestEvents {
  message: Request<ClientMessagePayload, ClientMessageResult>;
  /** Answers a satisfaction survey once. Errors: `survey_not_found`, `survey_expired`, `already_answered`, `invalid_request`. */
  'survey:answer': Request<SurveyAnswerPayload>;
}
