// @ts-check
/*
 * Getting the advisor's attention when something new needs them outside the chat they look at
 * (a new offer, a client's message in another chat, or anything while the page is in the
 * background): a short sound, the page title flashing until they look, and, when they allowed
 * it, a desktop notification.
 */

const FLASH_EVERY_MS = 1000;
/** Flashes shown even when the page is in view (the advisor looks at another chat). */
const MIN_FLASHES = 6;
let baseTitle = document.title;
/** @type {string | null} */
let flashing = null;
/** The tag of what the title flashes for, e.g. "offer:<handoffId>". @type {string | null} */
let flashingTag = null;
/** @type {ReturnType<typeof setInterval> | undefined} */
let flashTimer;
/** @type {AudioContext | null} */
let audio = null;

/**
 * The title when nothing flashes, e.g. "(2) 顾问工作台" with two offers waiting.
 * @param {string} title
 */
export function setBaseTitle(title) {
  baseTitle = title;
  if (!flashing) document.title = title;
}

/** Whether the advisor is looking at this page now. */
export function pageInView() {
  return document.visibilityState === 'visible' && document.hasFocus();
}

/**
 * Asks once for permission to show desktop notifications (on a click: browsers only ask then).
 */
export function askNotificationPermission() {
  if (!('Notification' in window) || Notification.permission !== 'default') return;
  Notification.requestPermission().catch(() => undefined);
}

/**
 * Sound, title flash and desktop notification for something new.
 * @param {string} title what it is, e.g. "新会话待接入"
 * @param {string} body who, e.g. the client's name and message
 * @param {string} tag one notification per chat or offer (a newer one replaces it)
 */
export function alertAdvisor(title, body, tag) {
  playSound();
  flashTitle(title);
  flashingTag = tag;
  notify(title, body, tag);
}

/**
 * The advisor dealt with what the title flashes for (accepted the offered chat, or another
 * advisor took it): the title is plain again. A flash for something else keeps going.
 * @param {string} tag the tag given to {@link alertAdvisor}, e.g. "offer:<handoffId>"
 */
export function settleAlert(tag) {
  if (flashing && flashingTag === tag) stopFlashing();
}

function playSound() {
  try {
    const Ctx = window.AudioContext;
    if (!Ctx) return;
    audio = audio || new Ctx();
    if (audio.state === 'suspended') audio.resume().catch(() => undefined);
    const now = audio.currentTime;
    const osc = audio.createOscillator();
    const gain = audio.createGain();
    osc.type = 'sine';
    osc.frequency.setValueAtTime(880, now);
    osc.frequency.setValueAtTime(660, now + 0.12);
    gain.gain.setValueAtTime(0.0001, now);
    gain.gain.exponentialRampToValueAtTime(0.2, now + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, now + 0.3);
    osc.connect(gain).connect(audio.destination);
    osc.start(now);
    osc.stop(now + 0.32);
  } catch {
    /* no sound device: the title and the notification still tell */
  }
}

/** @param {string} text */
function flashTitle(text) {
  flashing = '【' + text + '】';
  clearInterval(flashTimer);
  let on = true;
  let ticks = 0;
  document.title = flashing + baseTitle;
  flashTimer = setInterval(() => {
    // Seen on screen: a few flashes are enough; in the background it flashes until looked at.
    if (pageInView() && ++ticks >= MIN_FLASHES) {
      stopFlashing();
      return;
    }
    on = !on;
    document.title = on && flashing ? flashing + baseTitle : baseTitle;
  }, FLASH_EVERY_MS);
}

/** The advisor is looking: the title is plain again. */
export function stopFlashing() {
  clearInterval(flashTimer);
  flashing = null;
  flashingTag = null;
  document.title = baseTitle;
}

/**
 * @param {string} title
 * @param {string} body
 * @param {string} tag
 */
function notify(title, body, tag) {
  if (!('Notification' in window) || Notification.permission !== 'granted') return;
  try {
    const n = new Notification(title, { body, tag });
    n.onclick = () => {
      window.focus();
      n.close();
    };
  } catch {
    /* some browsers only notify from a service worker */
  }
}

window.addEventListener('focus', () => {
  if (flashing) stopFlashing();
});
document.addEventListener('visibilitychange', () => {
  if (flashing && pageInView()) stopFlashing();
});
