// @ts-check
/* A message's file (WireMessage.media): fetched once with the advisor's token, shown from a blob URL. */
import { el } from '../../common/kit.js';
import { MEDIA_LABELS } from './labels.js';
import { state } from './state.js';
import { button, els } from './ui.js';

const MEDIA_UNAVAILABLE = '文件已过期或无法获取';

/** @typedef {NonNullable<import('./state.js').AdvisorWireMessage['media']>} Media */
/** @typedef {{ state: 'loading' | 'ready' | 'failed', blobUrl: string | null, name?: string | null }} MediaFile */

/** Fetched message files by URL. @type {Map<string, MediaFile>} */
const mediaFiles = new Map();

/** @param {Media} media */
export function renderMedia(media) {
  const box = el('div', 'tmedia');
  box.dataset.mediaUrl = media.url;
  fillMedia(box, media);
  if (!mediaFiles.get(media.url)) loadMediaFile(media);
  return box;
}

/** @param {HTMLElement} box @param {Media} media */
function fillMedia(box, media) {
  const file = mediaFiles.get(media.url);
  const label = MEDIA_LABELS[media.kind] || '文件';
  if (!file || file.state === 'loading') {
    box.replaceChildren(el('span', 'tmedia-note', '正在加载' + label + '…'));
  } else if (file.state === 'failed' || !file.blobUrl) {
    box.replaceChildren(el('span', 'tmedia-note failed', MEDIA_UNAVAILABLE));
  } else if (media.kind === 'image') {
    const blobUrl = file.blobUrl;
    const thumb = button('tmedia-thumb', null, () => openImage(blobUrl));
    thumb.setAttribute('aria-label', '查看原图');
    const img = el('img');
    img.src = blobUrl;
    img.alt = media.name || '客户发送的图片';
    thumb.appendChild(img);
    box.replaceChildren(thumb);
  } else {
    // WeCom's sync_msg carries no file name; the download's Content-Disposition does.
    const name = file.name || media.name || label;
    const link = el('a', 'tmedia-file', '下载' + label + '：' + name);
    link.href = file.blobUrl;
    link.download = name;
    box.replaceChildren(link);
  }
}

/** @param {Media} media */
function loadMediaFile(media) {
  const url = media.url;
  const asked = state.session;
  mediaFiles.set(url, { state: 'loading', blobUrl: null });
  fetch(url, { headers: { Authorization: 'Bearer ' + (asked ? asked.token : '') } })
    .then(async (res) => {
      if (!res.ok) throw new Error('media ' + res.status);
      const name = fileNameOf(res.headers.get('content-disposition'));
      return { blob: await res.blob(), name };
    })
    .then(
      /** @returns {MediaFile} */ (got) => ({ state: 'ready', blobUrl: URL.createObjectURL(got.blob), name: got.name }),
      /** @returns {MediaFile} */ () => ({ state: 'failed', blobUrl: null }),
    )
    .then((file) => {
      if (asked !== state.session || mediaFiles.get(url) === undefined) {
        if (file.blobUrl) URL.revokeObjectURL(file.blobUrl); // logged out or tab closed meanwhile
        return;
      }
      mediaFiles.set(url, file);
      els.chatArea.querySelectorAll('.tmedia').forEach((box) => {
        if (box instanceof HTMLElement && box.dataset.mediaUrl === url) fillMedia(box, media);
      });
    });
}

/**
 * The file name from Content-Disposition: RFC 5987 filename* first, then a plain filename.
 * @param {string | null} disposition
 */
function fileNameOf(disposition) {
  if (!disposition) return null;
  const extended = /filename\*\s*=\s*UTF-8''([^;]+)/i.exec(disposition);
  if (extended) {
    try {
      return decodeURIComponent((extended[1] || '').trim());
    } catch {
      return null;
    }
  }
  const plain = /filename\s*=\s*"([^"]*)"/i.exec(disposition);
  return plain ? plain[1] : null;
}

/** @param {string} blobUrl */
function openImage(blobUrl) {
  els.mediaViewerImage.src = blobUrl;
  els.mediaViewer.showModal();
}

/**
 * Frees the blob URLs of one chat's files, or of all of them.
 * @param {import('./state.js').Chat} [chat]
 */
export function forgetMediaFiles(chat) {
  mediaFiles.forEach((file, url) => {
    let ofChat = !chat;
    if (chat)
      chat.messages.forEach((m) => {
        if (m.media && m.media.url === url) ofChat = true;
      });
    if (!ofChat) return;
    if (file.blobUrl) URL.revokeObjectURL(file.blobUrl);
    mediaFiles.delete(url);
  });
}
