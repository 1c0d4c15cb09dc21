/*
 * The simulator's controls: who is chatting (a simulated openid), the actions a
 * phone offers (follow, location, voice, picture), the account's menu, and the
 * outbox poll that shows customer-service pushes. Chat rendering is in chat.js.
 */
(function () {
  'use strict';

  var cfg = JSON.parse(document.getElementById('sim-config').textContent);
  var csrfToken = document.querySelector('meta[name="csrf-token"]').content;
  var OPENID_KEY = 'vetbot.sim.openid';
  var SCENE_KEY = 'vetbot.sim.scene';
  var OPENID_RE = new RegExp('^[A-Za-z0-9_-]{1,' + cfg.openidMax + '}$');
  var POLL_MS = 2000;

  var $ = function (id) { return document.getElementById(id); };
  var messages = $('messages');
  var welcome = $('welcome'); // how to start; hidden by CSS once the chat has a message
  var textInput = $('text-input');
  var openid = '';
  var outboxAfter = 0;
  var polling = false;

  var chat = window.SimChat(cfg, messages, csrfToken, function () { return openid; });
  var el = chat.el;
  var note = chat.note;
  var row = chat.row;
  var bubble = chat.bubble;
  var send = chat.send;
  var sendEvent = chat.sendEvent;
  var newMsgId = chat.newMsgId;
  var safeUrl = chat.safeUrl;

  /* ---------- identity ---------- */

  function randomOpenid() {
    var bytes = new Uint8Array(6);
    window.crypto.getRandomValues(bytes);
    return 'sim-' + Array.prototype.map.call(bytes, function (b) {
      return b.toString(16).padStart(2, '0');
    }).join('');
  }

  function outboxKey(id) { return 'vetbot.sim.outbox.' + id; }

  function useOpenid(id, announce) {
    openid = id;
    localStorage.setItem(OPENID_KEY, id);
    outboxAfter = parseInt(localStorage.getItem(outboxKey(id)) || '0', 10) || 0;
    $('identity-current').textContent = id;
    $('identity-input').value = id;
    if (announce) note('已切换为 ' + id + '，之后的消息都以此身份发送');
  }

  function toggleIdentityPanel(show) {
    var panel = $('identity-panel');
    var open = show === undefined ? panel.hidden : show;
    panel.hidden = !open;
    $('identity-toggle').setAttribute('aria-expanded', String(open));
    $('identity-error').textContent = '';
    if (open) $('identity-input').focus();
  }

  function saveIdentity() {
    var id = $('identity-input').value.trim();
    if (!OPENID_RE.test(id)) {
      $('identity-error').textContent = 'openid 只能包含字母、数字、- 和 _，最长 ' + cfg.openidMax + ' 个字符';
      return;
    }
    localStorage.setItem(SCENE_KEY, $('scene-input').value.trim());
    if (id !== openid) {
      messages.textContent = '';
      messages.appendChild(welcome); // a new person starts where a newcomer does
      useOpenid(id, true);
    }
    toggleIdentityPanel(false);
  }

  /* ---------- actions ---------- */

  function sendText(event) {
    event.preventDefault();
    var text = textInput.value.trim();
    if (!text) return;
    textInput.value = '';
    bubble('out', text);
    send('text', { Content: text });
  }

  function subscribe() {
    var scene = ($('scene-input').value || '').trim();
    localStorage.setItem(SCENE_KEY, scene);
    note(scene ? '已关注公众号（扫码场景：' + scene + '）' : '已关注公众号');
    sendEvent('subscribe', scene ? 'qrscene_' + scene : '');
  }

  function unsubscribe() {
    note('已取消关注（微信不会显示回复）');
    sendEvent('unsubscribe');
  }

  function voice() {
    var text = textInput.value.trim();
    textInput.value = '';
    bubble('out', text ? '[语音] ' + text : '[语音]（无识别结果）', 'media');
    send('voice', { MediaId: 'sim-voice-' + newMsgId(), Format: 'amr', Recognition: text });
  }

  function image() {
    row('out', el('div', 'image-placeholder', '[图片]'));
    send('image', { PicUrl: 'http://127.0.0.1/simulator.jpg', MediaId: 'sim-image-' + newMsgId() });
  }

  function sendLocation(lat, lon, label) {
    var where = (label ? label + ' ' : '') + '(' + lat.toFixed(4) + ', ' + lon.toFixed(4) + ')';
    bubble('out', '[位置] ' + where, 'media');
    closeLocation();
    send('location', { Location_X: lat, Location_Y: lon, Scale: 15, Label: label || '' });
  }

  function openLocation() {
    $('location-error').textContent = '';
    $('location-sheet').hidden = false;
  }

  function closeLocation() { $('location-sheet').hidden = true; }

  function customLocation() {
    var latText = $('lat-input').value.trim();
    var lonText = $('lon-input').value.trim();
    var lat = Number(latText);
    var lon = Number(lonText);
    if (!latText || !lonText || !isFinite(lat) || !isFinite(lon)) {
      $('location-error').textContent = '请填写数字形式的纬度和经度';
    } else if (lat < -90 || lat > 90 || lon < -180 || lon > 180) {
      $('location-error').textContent = '纬度应在 -90 到 90 之间，经度应在 -180 到 180 之间';
    } else {
      sendLocation(lat, lon, $('label-input').value.trim());
    }
  }

  function renderPresets() {
    var list = $('location-presets');
    cfg.locations.forEach(function (place) {
      var item = el('li');
      var button = el('button');
      button.type = 'button';
      button.appendChild(el('span', '', place.name));
      button.appendChild(el('small', '', '约 ' + place.lat.toFixed(4) + ', ' + place.lon.toFixed(4)));
      button.addEventListener('click', function () {
        sendLocation(place.lat, place.lon, '上海市嘉定区' + place.name);
      });
      item.appendChild(button);
      list.appendChild(item);
    });
  }

  /* ---------- menu ---------- */

  function closeSubmenus() {
    document.querySelectorAll('.submenu').forEach(function (menu) {
      menu.hidden = true;
      menu.previousElementSibling.setAttribute('aria-expanded', 'false');
    });
  }

  /* The buttons are rendered by the server; data-type/key/url say what they do. */
  function pressMenu(button) {
    var name = button.textContent.trim();
    var type = button.dataset.type;
    closeSubmenus();
    if (type === 'click') {
      note('点击菜单「' + name + '」');
      sendEvent('CLICK', button.dataset.key);
    } else if (type === 'view') {
      note('打开菜单链接「' + name + '」');
      sendEvent('VIEW', button.dataset.url);
      if (safeUrl(button.dataset.url)) window.open(button.dataset.url, '_blank', 'noopener');
    }
  }

  function wireMenu() {
    var bar = $('menubar');
    bar.querySelectorAll('.menu-button').forEach(function (button) {
      if (!button.dataset.sub) {
        button.addEventListener('click', function () { pressMenu(button); });
        return;
      }
      var list = button.nextElementSibling;
      button.addEventListener('click', function (event) {
        event.stopPropagation();
        var open = list.hidden;
        closeSubmenus();
        list.hidden = !open;
        button.setAttribute('aria-expanded', String(open));
      });
    });
    document.addEventListener('click', function (event) {
      if (!bar.contains(event.target)) closeSubmenus();
    });
  }

  /* ---------- outbox pushes ---------- */

  async function pollOutbox() {
    if (polling) return;
    polling = true;
    var forId = openid;
    try {
      var url = cfg.outboxUrl + '?openid=' + encodeURIComponent(forId) + '&after=' + outboxAfter;
      var response = await fetch(url, { credentials: 'same-origin' });
      if (!response.ok || forId !== openid) return;
      var data = await response.json();
      data.messages.forEach(function (msg) {
        if (msg.id <= outboxAfter) return;
        outboxAfter = msg.id;
        var tag = '推送' + (msg.created_at ? ' · ' + msg.created_at : '');
        row('in', el('div', 'bubble bot push', msg.content), tag, 'push');
      });
      localStorage.setItem(outboxKey(forId), String(outboxAfter));
    } catch (err) {
      /* the server is restarting or offline: try again on the next tick */
    } finally {
      polling = false;
    }
  }

  /* ---------- wiring ---------- */

  $('inputbar').addEventListener('submit', sendText);
  $('act-subscribe').addEventListener('click', subscribe);
  $('act-unsubscribe').addEventListener('click', unsubscribe);
  $('act-location').addEventListener('click', openLocation);
  $('act-voice').addEventListener('click', voice);
  $('act-image').addEventListener('click', image);
  $('location-cancel').addEventListener('click', closeLocation);
  $('location-send').addEventListener('click', customLocation);
  $('location-sheet').addEventListener('click', function (event) {
    if (event.target === event.currentTarget) closeLocation();
  });
  $('identity-toggle').addEventListener('click', function () { toggleIdentityPanel(); });
  $('identity-edit').addEventListener('click', function () { toggleIdentityPanel(); });
  $('identity-save').addEventListener('click', saveIdentity);
  $('identity-random').addEventListener('click', function () {
    $('identity-input').value = randomOpenid();
  });

  $('scene-input').value = localStorage.getItem(SCENE_KEY) || '';
  var stored = localStorage.getItem(OPENID_KEY);
  useOpenid(stored && OPENID_RE.test(stored) ? stored : randomOpenid(), false);
  renderPresets();
  wireMenu();
  pollOutbox();
  setInterval(pollOutbox, POLL_MS);
})();
