/*
 * Small helpers shared by the build-free pages (/app/, /console/): served at /common/page-kit.js
 * and loaded before each page's own script, which takes what it needs from window.PageKit.
 */
(function () {
  'use strict';

  function byId(id) {
    return document.getElementById(id);
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function pad(n) {
    return (n < 10 ? '0' : '') + n;
  }

  /**
   * "14:05" for today ("今天 14:05" with options.today, "14:05:09" with options.seconds),
   * "11-27 14:05" for another day; '' for an unreadable date.
   */
  function formatTime(iso, options) {
    var opts = options || {};
    var d = new Date(iso);
    if (isNaN(d.getTime())) return '';
    var hm = pad(d.getHours()) + ':' + pad(d.getMinutes()) + (opts.seconds ? ':' + pad(d.getSeconds()) : '');
    if (d.toDateString() === new Date().toDateString()) return (opts.today ? '今天 ' : '') + hm;
    return pad(d.getMonth() + 1) + '-' + pad(d.getDate()) + ' ' + hm;
  }

  /**
   * Emits a Socket.IO request and resolves with its ack, { ok, ... }; no connection, a timeout or
   * a malformed ack resolve as an error reply with a Chinese message, so callers handle one shape.
   */
  function request(socket, event, payload, timeoutMs) {
    return new Promise(function (resolve) {
      if (!socket || !socket.connected) {
        resolve({ ok: false, error: 'disconnected', message: '网络连接已断开，请稍后重试' });
        return;
      }
      socket.timeout(timeoutMs).emit(event, payload, function (err, res) {
        if (err) resolve({ ok: false, error: 'timeout', message: '请求超时，请稍后重试' });
        else resolve(res && typeof res === 'object' ? res : { ok: false, error: 'bad_reply', message: '系统繁忙，请稍后重试' });
      });
    });
  }

  /** A value kept in sessionStorage (a reload stays where it was); null when absent or unreadable. */
  function readSession(key) {
    try {
      var raw = window.sessionStorage.getItem(key);
      return raw ? JSON.parse(raw) : null;
    } catch {
      return null;
    }
  }

  /** Keeps a value in sessionStorage; null removes it. Storage full or disabled only loses reload recovery. */
  function writeSession(key, value) {
    try {
      if (value === null || value === undefined) window.sessionStorage.removeItem(key);
      else window.sessionStorage.setItem(key, JSON.stringify(value));
    } catch {
      /* the page still works, only without reload recovery */
    }
  }

  /** A clientMessageId ([A-Za-z0-9_-], ≤ 64 characters), unique per message; `prefix` names the page. */
  function newMessageId(prefix) {
    var bytes = new Uint8Array(9);
    window.crypto.getRandomValues(bytes);
    var hex = Array.prototype.map
      .call(bytes, function (b) {
        return (b < 16 ? '0' : '') + b.toString(16);
      })
      .join('');
    return prefix + Date.now().toString(36) + '-' + hex;
  }

  window.PageKit = {
    byId: byId,
    el: el,
    pad: pad,
    formatTime: formatTime,
    request: request,
    readSession: readSession,
    writeSession: writeSession,
    newMessageId: newMessageId,
  };
})();
