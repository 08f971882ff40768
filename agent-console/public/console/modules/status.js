// @ts-check
/*
 * My status (advisor:status): 在线 takes new chats; 忙碌 and 离开 get no new offers (the chats
 * already open stay). Advisors only; the server's view (ready, advisor:status) wins.
 */
import { byId } from '../../common/kit.js';
import { isSupervisor, request, state } from './state.js';
import { toast } from './ui.js';

/** @typedef {import('../../../../shared/src/realtime').AdvisorStatus} AdvisorStatus */
/** @typedef {import('./state.js').ServerToAdvisorEvents} ServerToAdvisorEvents */

const select = /** @type {HTMLSelectElement} */ (byId('status-select'));
/** The status the server last confirmed. @type {AdvisorStatus} */
let confirmed = 'online';

/** @param {string | undefined} status */
function isStatus(status) {
  return status === 'online' || status === 'busy' || status === 'away';
}

/**
 * On connect: shown to advisors, with the status the server holds.
 * @param {{ status?: AdvisorStatus } | undefined} advisor
 */
export function showStatus(advisor) {
  select.hidden = isSupervisor();
  if (advisor && isStatus(advisor.status)) confirmed = /** @type {AdvisorStatus} */ (advisor.status);
  select.value = confirmed;
}

export function hideStatus() {
  select.hidden = true;
  confirmed = 'online';
}

/** A status change of mine made elsewhere (another tab, the idle timer). @type {ServerToAdvisorEvents['advisor:status']} */
export function onAdvisorStatus(p) {
  if (!p || !state.session || p.advisorId !== state.session.advisor.id || !isStatus(p.status)) return;
  confirmed = p.status;
  select.value = p.status;
}

select.addEventListener('change', () => {
  const status = /** @type {AdvisorStatus} */ (select.value);
  request('advisor:status', { status }).then((res) => {
    if (res.ok) {
      confirmed = status;
      toast(
        status === 'online' ? '已设为在线，将接收新会话' : '已设为' + (status === 'busy' ? '忙碌' : '离开') + '，暂不接收新会话',
      );
      return;
    }
    select.value = confirmed;
    toast(res.message || '状态设置失败，请重试', 'error');
  });
});
