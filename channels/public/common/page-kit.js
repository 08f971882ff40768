// @ts-check
/*
 * window.PageKit for the console's classic scripts (appointments.js, review.js), which load
 * with `defer` after this module: the same functions as /common/kit.js, plus `request` from
 * /common/connection.js.
 */
import { byId, el, formatTime, newMessageId, pad, readSession, writeSession } from './kit.js';
import { requestOn } from './connection.js';

window.PageKit = { byId, el, pad, formatTime, request: requestOn, readSession, writeSession, newMessageId };
