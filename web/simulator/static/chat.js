/*
 * The chat half of the simulator: bubbles and cards, the WeChat XML a phone would
 * send, and the round trip: a signature from /simulator/sign (the token stays on
 * the server), then a POST to the real /wechat and its passive reply shown.
 * Plain ES2017, no build step; every message text goes in via textContent.
 */
window.SimChat = function (cfg, messages, csrfToken, getOpenid) {
  'use strict';

  var queue = Promise.resolve();

  /* ---------- small DOM helpers ---------- */

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function scrollDown() { messages.scrollTop = messages.scrollHeight; }

  function note(text, isError) {
    messages.appendChild(el('p', isError ? 'note error' : 'note', text));
    scrollDown();
  }

  /* A chat row: side "in" (the account, left) or "out" (the veteran, right). */
  function row(side, content, tag, tagClass) {
    var line = el('div', 'row ' + side);
    line.appendChild(el('div', 'avatar', side === 'in' ? '嘉' : '我'));
    var stack = el('div', 'stack');
    if (tag) stack.appendChild(el('div', 'tag ' + (tagClass || ''), tag));
    stack.appendChild(content);
    line.appendChild(stack);
    messages.appendChild(line);
    scrollDown();
    return line;
  }

  function bubble(side, text, extraClass) {
    var node = el('div', 'bubble ' + (side === 'in' ? 'bot ' : 'me ') + (extraClass || ''));
    if (side === 'in') {
      withLinks(node, text);
    } else {
      node.textContent = text;
    }
    return row(side, node);
  }

  function safeUrl(url) {
    return /^https?:\/\//i.test(url || '') ? url : '';
  }

  // WeChat shows <a href="...">words</a> in a text reply as a tappable link, so the
  // bot's replies carry links that way; everything else stays text (textContent).
  var ANCHOR = /<a href="([^"<>]*)">([^<]*)<\/a>/g;

  function unescapeText(text) {
    return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
  }

  function withLinks(node, text) {
    var last = 0;
    var match;
    ANCHOR.lastIndex = 0;
    while ((match = ANCHOR.exec(text)) !== null) {
      node.appendChild(document.createTextNode(text.slice(last, match.index)));
      var url = safeUrl(match[1]);
      var link = el(url ? 'a' : 'span', 'link', unescapeText(match[2]));
      if (url) {
        link.href = url;
        link.target = '_blank';
        link.rel = 'noopener';
      }
      node.appendChild(link);
      last = ANCHOR.lastIndex;
    }
    node.appendChild(document.createTextNode(text.slice(last)));
  }

  function newsCard(title, description, url) {
    var card = el('div', 'card bot');
    card.appendChild(el('div', 'card-title', title || '（无标题）'));
    if (description) card.appendChild(el('div', 'card-desc', description));
    var href = safeUrl(url);
    if (href) {
      var link = el('a', 'card-link', '阅读全文 ›');
      link.href = href;
      link.target = '_blank';
      link.rel = 'noopener noreferrer';
      card.appendChild(link);
    }
    row('in', card);
  }

  /* ---------- WeChat XML ---------- */

  function cdata(value) {
    return '<![CDATA[' + String(value).split(']]>').join(']]]]><![CDATA[>') + ']]>';
  }

  function newMsgId() {
    return String(Date.now()) + String(Math.floor(Math.random() * 1e6)).padStart(6, '0');
  }

  function buildXml(msgType, fields) {
    var parts = [
      '<ToUserName>' + cdata(cfg.account) + '</ToUserName>',
      '<FromUserName>' + cdata(getOpenid()) + '</FromUserName>',
      '<CreateTime>' + Math.floor(Date.now() / 1000) + '</CreateTime>',
      '<MsgType>' + cdata(msgType) + '</MsgType>'
    ];
    Object.entries(fields).forEach(function (pair) {
      var value = typeof pair[1] === 'number' ? String(pair[1]) : cdata(pair[1]);
      parts.push('<' + pair[0] + '>' + value + '</' + pair[0] + '>');
    });
    if (msgType !== 'event') parts.push('<MsgId>' + newMsgId() + '</MsgId>');
    return '<xml>' + parts.join('') + '</xml>';
  }

  function field(node, name) {
    var found = node.getElementsByTagName(name)[0];
    return found ? found.textContent : '';
  }

  /* Show the passive reply: text → bubble, news → cards, "success"/empty → nothing. */
  function showReply(body) {
    var text = body.trim();
    if (!text || text === 'success' || text.charAt(0) !== '<') return;
    var doc = new DOMParser().parseFromString(text, 'application/xml');
    if (doc.getElementsByTagName('parsererror').length) {
      note('无法解析公众号的回复 XML', true);
      return;
    }
    var root = doc.documentElement;
    var type = field(root, 'MsgType');
    if (type === 'text') {
      bubble('in', field(root, 'Content'));
    } else if (type === 'news') {
      Array.prototype.forEach.call(root.getElementsByTagName('item'), function (item) {
        newsCard(field(item, 'Title'), field(item, 'Description'), field(item, 'Url'));
      });
    } else {
      note('收到 ' + (type || '未知') + ' 类型的回复，模拟器暂不显示');
    }
  }

  async function post(xml) {
    var signed = await fetch(cfg.signUrl, {
      method: 'POST',
      headers: { 'X-CSRFToken': csrfToken },
      credentials: 'same-origin'
    });
    if (!signed.ok) {
      note('签名失败（' + signed.status + '），请刷新页面后重试', true);
      return;
    }
    var query = new URLSearchParams(await signed.json()).toString();
    var response = await fetch(cfg.wechatUrl + '?' + query, {
      method: 'POST',
      headers: { 'Content-Type': 'text/xml; charset=utf-8' },
      body: xml,
      credentials: 'same-origin'
    });
    var body = await response.text();
    if (response.status === 200) {
      showReply(body);
    } else if (response.status === 403) {
      note('/wechat 拒绝了签名（403）', true);
    } else if (response.status === 400) {
      note('/wechat 认为消息格式有误（400）', true);
    } else {
      note('/wechat 出错了（' + response.status + '）', true);
    }
  }

  /* Messages go out one at a time so replies appear in order. */
  function send(msgType, fields) {
    var xml = buildXml(msgType, fields);
    queue = queue.then(function () { return post(xml); }).catch(function () {
      note('网络错误，消息没有送达', true);
    });
    return queue;
  }

  function sendEvent(event, key) {
    var fields = { Event: event };
    if (key) fields.EventKey = key;
    return send('event', fields);
  }

  return {
    el: el, note: note, row: row, bubble: bubble, safeUrl: safeUrl,
    newMsgId: newMsgId, send: send, sendEvent: sendEvent
  };
};
