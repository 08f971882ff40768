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

  window.PageKit = { byId: byId, el: el, pad: pad, formatTime: formatTime };
})();
