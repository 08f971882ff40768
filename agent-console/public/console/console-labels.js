// @ts-check
/*
 * window.ConsoleLabels for the console's classic scripts (appointments.js, review.js, loaded with
 * `defer` after this module): the words of ./modules/labels.js.
 */
import { EMOTION_LABELS, RISK_LABELS, TIER_LABELS, emotionText, reasonLabel, renderInsight } from './modules/labels.js';

window.ConsoleLabels = { TIER_LABELS, EMOTION_LABELS, RISK_LABELS, reasonLabel, emotionText, renderInsight };
