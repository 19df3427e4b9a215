import { test } from 'node:test'
import assert from 'node:assert/strict'
import { MARKMIN, MARKDOWN, BEAUTIFY, ASSIGNJS, LOAD, MENU, B, SCRIPT } from '../../server/html/index'

const mm = (s: string) => MARKMIN(s).xml()

test('MARKMIN headings, paragraphs, bold/italic/underline/strike', () => {
  assert.equal(mm('# Title\n## Section\n###### six'), '<h1>Title</h1><h2>Section</h2><h6>six</h6>')
  assert.equal(mm("a **b** ''c'' __d__ ~~e~~\nline2\n\nnext"), '<p>a <strong>b</strong> <em>c</em> <u>d</u> <del>e</del>\nline2</p><p>next</p>')
})

test('MARKMIN escapes raw HTML', () => {
  assert.equal(mm('<script>alert("x")</script> & <b>'), '<p>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;</p>')
  assert.equal(mm('# <i>h</i>'), '<h1>&lt;i&gt;h&lt;/i&gt;</h1>')
})

test('MARKMIN code inline and blocks', () => {
  assert.equal(mm('use ``a<b`` here'), '<p>use <code>a&lt;b</code> here</p>')
  assert.equal(mm('``\nif (a < b) { **x** }\n``:js'), '<pre><code class="js">if (a &lt; b) { **x** }</code></pre>')
  assert.equal(mm('``\nplain\n``'), '<pre><code>plain</code></pre>')
})

test('MARKMIN links, anchors, images, bare URLs', () => {
  assert.equal(mm('[[web2py http://web2py.com]]'), '<p><a href="http://web2py.com">web2py</a></p>')
  assert.equal(mm('[[new tab http://x.org popup]]'), '<p><a href="http://x.org" target="_blank" rel="noopener">new tab</a></p>')
  assert.equal(mm('[[go #sec]] [[sec]]'), '<p><a href="#markmin_sec">go</a> <span id="markmin_sec"></span></p>')
  assert.equal(mm('[[a cat http://x.org/c.png right 200px]]'), '<p><img src="http://x.org/c.png" alt="a cat" style="float:right;width:200px;" /></p>')
  assert.equal(mm('see http://x.org/a?b=1&c=2 now'), '<p>see <a href="http://x.org/a?b=1&amp;c=2">http://x.org/a?b=1&amp;c=2</a> now</p>')
  assert.equal(mm('[[x javascript:alert(1)]]'), '<p><a href="#">x</a></p>')
})

test('MARKMIN video, audio and iframe embeds', () => {
  assert.equal(mm('[[clip http://x.org/v.mp4 video]]'), '<p><video controls="controls" src="http://x.org/v.mp4" title="clip"></video></p>')
  assert.equal(mm('[[song http://x.org/s.mp3]]'), '<p><audio controls="controls" src="http://x.org/s.mp3" title="song"></audio></p>')
  assert.equal(mm('[[map http://x.org/m iframe]]'), '<p><iframe src="http://x.org/m" title="map" frameborder="0" allowfullscreen></iframe></p>')
})

test('MARKMIN lists, tables, blockquotes', () => {
  assert.equal(mm('- a\n- **b**\n\n+ one\n+ two'), '<ul><li>a</li><li><strong>b</strong></li></ul><ol><li>one</li><li>two</li></ol>')
  assert.equal(mm('-----\nh1 | h2\n=====\n1 | <2>\n3 | 4\n-----'), '<table><thead><tr><th>h1</th><th>h2</th></tr></thead><tbody><tr><td>1</td><td>&lt;2&gt;</td></tr><tr><td>3</td><td>4</td></tr></tbody></table>')
  assert.equal(mm('-----\na quote\n-----'), '<blockquote>a quote</blockquote>')
})

test('MARKDOWN through marked, raw HTML escaped unless asked', () => {
  assert.equal(MARKDOWN('# Hi\n\n**b** and `c`').xml(), '<h1>Hi</h1>\n<p><strong>b</strong> and <code>c</code></p>\n')
  assert.equal(MARKDOWN('<script>x</script>\n\ntext <b>b</b>').xml(), '&lt;script&gt;x&lt;/script&gt;<p>text &lt;b&gt;b&lt;/b&gt;</p>\n')
  assert.equal(MARKDOWN('text <b>b</b>', { allowHtml: true }).xml(), '<p>text <b>b</b></p>\n')
  assert.equal(MARKDOWN('[x](javascript:alert(1)) ![i](data:x)').xml(), '<p><a href="#">x</a> <img src="#" alt="i"></p>\n')
})

test('BEAUTIFY', () => {
  assert.equal(BEAUTIFY({ b: [1, 'x<'], a: B('h'), _hidden: 1, f: () => 1 }).xml(),
    '<div><table><tr><td style="font-weight:bold;vertical-align:top;">a</td><td style="vertical-align:top;">:</td><td><b>h</b></td></tr>' +
    '<tr><td style="font-weight:bold;vertical-align:top;">b</td><td style="vertical-align:top;">:</td><td><table><tr><td>1</td></tr><tr><td>x&lt;</td></tr></table></td></tr></table></div>')
  assert.equal(BEAUTIFY('plain').xml(), '<div>plain</div>')
  assert.equal(BEAUTIFY(null).xml(), '<div>None</div>')
})

test('ASSIGNJS cannot break out of a script', () => {
  assert.equal(ASSIGNJS({ a: 1, b: '</script><script>x' }).xml(), 'var a = 1;\nvar b = "\\u003c/script>\\u003cscript>x";\n')
  assert.equal(SCRIPT(ASSIGNJS({ n: null })).xml(), '<script><!--\nvar n = null;\n\n//--></script>')
  assert.throws(() => ASSIGNJS({ 'a-b': 1 }), /invalid variable name/)
})

test('LOAD makes a component container for quark.js', () => {
  assert.equal(LOAD('c', 'f', { url: '/app/c/f.load?x=1', target: 'box', ajax: true }).xml(), '<div data-quark-load="/app/c/f.load?x=1" id="box">loading...</div>')
  assert.equal(LOAD(undefined, undefined, { url: '/a/b/c.load', target: 't', timeout: 1000, times: 'infinity', content: B('wait') }).xml(),
    '<div data-quark-load="/a/b/c.load" data-quark-timeout="1000" data-quark-times="infinity" id="t"><b>wait</b></div>')
})

test('MENU', () => {
  assert.equal(MENU([['Home', true, '/h'], ['More', false, null, [['<x>', false, '/x']]]]).xml(),
    '<ul class="web2py-menu web2py-menu-vertical"><li class="web2py-menu-first web2py-menu-active"><a href="/h">Home</a></li>' +
    '<li class="web2py-menu-expand web2py-menu-last"><a href="#" onclick="javascript:void(0);return false;">More</a>' +
    '<ul class="web2py-menu-vertical"><li class="web2py-menu-first web2py-menu-last"><a href="/x">&lt;x&gt;</a></li></ul></li></ul>')
})
