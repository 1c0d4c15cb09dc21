/* Phone pages for stations and booking. Plain ES5 (old WeChat browsers); every page also
   works without this file: it only adds "sort by my location", WeChat navigation and a
   guard against tapping a booking button twice. */
(function () {
  'use strict';

  function each(selector, fn) {
    Array.prototype.forEach.call(document.querySelectorAll(selector), fn);
  }

  // A second tap while the first request is on its way would book twice or show an error.
  // Disabled after the submit event, so the form's fields are still sent.
  each('form[data-once]', function (form) {
    form.addEventListener('submit', function () {
      setTimeout(function () {
        Array.prototype.forEach.call(form.querySelectorAll('button'), function (b) {
          b.disabled = true;
        });
      }, 0);
    });
  });

  var wxReady = null; // a function taking a callback, once wx.config succeeded
  var configNode = document.getElementById('wx-config');
  if (configNode && window.wx) {
    try {
      var config = JSON.parse(configNode.textContent);
      config.debug = false;
      var ok = null;
      var waiting = [];
      window.wx.config(config);
      var settle = function (result) {
        ok = result;
        waiting.splice(0).forEach(function (pair) { pair[result ? 0 : 1](); });
      };
      window.wx.ready(function () { settle(true); });
      window.wx.error(function () { settle(false); });
      wxReady = function (fn, fallback) {
        if (ok === true) { fn(); } else if (ok === false) { fallback(); } else { waiting.push([fn, fallback]); }
      };
    } catch (e) { wxReady = null; }
  }

  function goTo(lat, lon, coord) {
    var url = window.location.pathname + '?lat=' + lat.toFixed(6) + '&lon=' + lon.toFixed(6);
    window.location.href = url + (coord ? '&coord=' + coord : '');
  }

  each('[data-locate]', function (button) {
    var status = document.querySelector('[data-locate-status]');
    function say(text) {
      if (status) { status.textContent = text; status.hidden = false; }
    }
    function fromBrowser() {
      if (!navigator.geolocation) { say('无法获取您的位置，请按镇街查找服务站。'); return; }
      navigator.geolocation.getCurrentPosition(function (pos) {
        goTo(pos.coords.latitude, pos.coords.longitude, 'wgs84');
      }, function () {
        say('没有获取到您的位置（可能未允许定位）。您可以按镇街查找，或在公众号里发送您的位置。');
      }, { enableHighAccuracy: false, timeout: 10000, maximumAge: 60000 });
    }
    if (!wxReady && !navigator.geolocation) { return; }
    button.hidden = false;
    button.addEventListener('click', function () {
      say('正在获取您的位置…');
      if (!wxReady) { fromBrowser(); return; }
      wxReady(function () {
        window.wx.getLocation({
          type: 'gcj02',
          success: function (res) { goTo(Number(res.latitude), Number(res.longitude), ''); },
          fail: fromBrowser,
          cancel: function () { say('您取消了定位。可以按镇街查找服务站。'); }
        });
      }, fromBrowser);
    });
  });

  each('[data-navigate]', function (button) {
    if (!wxReady) { button.hidden = true; return; }
    button.addEventListener('click', function () {
      wxReady(function () {
        window.wx.openLocation({
          latitude: Number(button.getAttribute('data-lat')),
          longitude: Number(button.getAttribute('data-lon')),
          name: button.getAttribute('data-name') || '',
          address: button.getAttribute('data-address') || '',
          scale: 16
        });
      }, function () {});
    });
  });
}());
