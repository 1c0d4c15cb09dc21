/* WCAG 2.x contrast of every visible text element against its effective background.
   Returns the elements below the minimum: 4.5:1, or 3:1 for large text (24 px, or
   18.66 px bold). The background is the nearest ancestor's opaque background colour,
   with translucent layers in between blended over it; an element over a background
   image is skipped (its contrast cannot be computed from colours). Disabled controls
   are exempt, as WCAG allows. */
() => {
  function parse(c) {
    var m = c.match(/rgba?\(([^)]+)\)/);
    if (!m) { return null; }
    var p = m[1].split(/[ ,\/]+/).filter(Boolean).map(Number);
    return { r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1 };
  }
  function over(top, bottom) {
    var a = top.a;
    return { r: top.r * a + bottom.r * (1 - a), g: top.g * a + bottom.g * (1 - a), b: top.b * a + bottom.b * (1 - a), a: 1 };
  }
  function lum(c) {
    function ch(v) { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); }
    return 0.2126 * ch(c.r) + 0.7152 * ch(c.g) + 0.0722 * ch(c.b);
  }
  function ratio(a, b) {
    var l1 = lum(a), l2 = lum(b);
    return (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05);
  }
  function background(el) {
    var layers = [];
    for (var node = el; node && node.nodeType === 1; node = node.parentElement) {
      var style = getComputedStyle(node);
      if (style.backgroundImage && style.backgroundImage !== 'none' && !/^url\("data:image\/svg/.test(style.backgroundImage)) { return null; }
      var c = parse(style.backgroundColor);
      if (c && c.a > 0) {
        layers.push(c);
        if (c.a >= 1) { break; }
      }
    }
    var base = { r: 255, g: 255, b: 255, a: 1 };
    for (var i = layers.length - 1; i >= 0; i--) { base = over(layers[i], base); }
    return base;
  }
  function ownText(el) {
    var text = '';
    el.childNodes.forEach(function (n) { if (n.nodeType === 3) { text += n.textContent; } });
    if (!text.trim() && (el.tagName === 'INPUT' || el.tagName === 'TEXTAREA')) {
      text = el.value || el.placeholder || '';
    }
    return text.trim();
  }
  function visible(el, style) {
    if (style.visibility === 'hidden' || style.display === 'none' || Number(style.opacity) === 0) { return false; }
    var r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0;
  }
  var failures = [];
  document.querySelectorAll('body *').forEach(function (el) {
    if (['SCRIPT', 'STYLE', 'NOSCRIPT', 'OPTION', 'TEMPLATE'].indexOf(el.tagName) >= 0) { return; }
    var text = ownText(el);
    if (!text) { return; }
    var style = getComputedStyle(el);
    if (!visible(el, style) || el.closest('[hidden], details:not([open]) > :not(summary)')) { return; }
    if (el.disabled || el.closest('[aria-disabled="true"]')) { return; }
    var fg = parse(style.color);
    var bg = background(el);
    if (!fg || !bg) { return; }
    var opacity = 1;
    for (var n = el; n && n.nodeType === 1; n = n.parentElement) { opacity *= Number(getComputedStyle(n).opacity); }
    fg = over({ r: fg.r, g: fg.g, b: fg.b, a: fg.a * opacity }, bg);
    var size = parseFloat(style.fontSize);
    var bold = Number(style.fontWeight) >= 700;
    var large = size >= 24 || (bold && size >= 18.66);
    var needed = large ? 3 : 4.5;
    var got = ratio(fg, bg);
    if (got < needed - 0.005) {
      failures.push({ text: text.slice(0, 40), ratio: Math.round(got * 100) / 100, needed: needed,
        color: style.color, tag: el.tagName.toLowerCase() + (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\s+/).join('.') : '') });
    }
  });
  return failures;
}
