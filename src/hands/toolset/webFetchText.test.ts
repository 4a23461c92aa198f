import { describe, expect, it } from 'vitest';
import { classifyBody, decodeBody, decodeEntities, htmlToText, truncateToTokens } from './webFetchText.js';

describe('htmlToText', () => {
  it('keeps what a reader sees: title, headings, paragraphs, lists, links, code and tables', () => {
    const html = `<!doctype html><html><head><title>Hello &amp; welcome</title>
      <style>body { color: red }</style><script>document.write("<p>hidden</p>")</script></head>
      <body><nav><a href="/">Home</a> <a href="#top">Top</a> <a href="javascript:void(0)">JS</a></nav>
      <h1>Main   title</h1>
      <p>First <b>para</b> with a <a href="https://example.com/x?a=1&amp;b=2">link</a>.<br>Second&nbsp;line &copy; 2024 &#8212; &#x263A;</p>
      <ul><li>one</li><li>two<ol><li>a</li><li>b</li></ol></li></ul>
      <pre>  indented
    more &lt;tag&gt;
</pre>
      <table><tr><th>k</th><th>v</th></tr><tr><td>1</td><td>2</td></tr></table>
      <!-- a comment --><p>Inline <code>x = 1</code> end</p><img src="c.png" alt="A cat"><noscript>enable js</noscript>
      </body></html>`;
    const { title, text } = htmlToText(html, new URL('https://site.test/dir/page'));
    expect(title).toBe('Hello & welcome');
    expect(text).toBe(
      [
        '[Home](https://site.test/) Top JS',
        '',
        '# Main title',
        '',
        'First para with a [link](https://example.com/x?a=1&b=2).',
        'Second line © 2024 — ☺',
        '',
        '- one',
        '- two',
        '  1. a',
        '  2. b',
        '',
        '```',
        '  indented',
        '    more <tag>',
        '```',
        '',
        'k | v',
        '1 | 2',
        '',
        'Inline `x = 1` end',
        '',
        'A cat',
      ].join('\n'),
    );
    expect(text).not.toMatch(/hidden|color|enable js|comment/);
  });

  it('survives broken markup: unclosed elements, stray brackets, unclosed links', () => {
    expect(htmlToText('<p>a < b and c > d<p>next').text).toBe('a < b and c > d\n\nnext');
    expect(htmlToText('<div>x<script>never closed <p>y').text).toBe('x');
    expect(htmlToText('<a href="/1">one<a href="/2">two</a>', new URL('http://h.test/')).text).toBe(
      '[one](http://h.test/1)[two](http://h.test/2)',
    );
  });

  it('stays linear on hostile input', () => {
    const hostile = [
      '<a href="'.repeat(50_000),
      '<a '.repeat(50_000),
      `<pre>${' '.repeat(200_000)}x</pre>`,
      '<b> </b>'.repeat(100_000),
      '<title>'.repeat(50_000),
      '<script '.repeat(50_000),
      '<!--'.repeat(50_000),
    ].join('');
    const started = Date.now();
    htmlToText(hostile);
    expect(Date.now() - started).toBeLessThan(3_000);
  });
});

describe('bodies', () => {
  it('classifies by content type, and sniffs when there is none', () => {
    expect(classifyBody('text/html; charset=utf-8', Buffer.from(''))).toBe('html');
    expect(classifyBody('application/xhtml+xml', Buffer.from(''))).toBe('html');
    expect(classifyBody('application/json', Buffer.from('{}'))).toBe('text');
    expect(classifyBody('application/vnd.api+json', Buffer.from('{}'))).toBe('text');
    expect(classifyBody('text/csv', Buffer.from('a,b'))).toBe('text');
    expect(classifyBody('application/pdf', Buffer.from('%PDF'))).toBe('binary');
    expect(classifyBody('image/png', Buffer.from('x'))).toBe('binary');
    expect(classifyBody('', Buffer.from('  <!DOCTYPE html><p>x'))).toBe('html');
    expect(classifyBody('application/octet-stream', Buffer.from('plain words'))).toBe('text');
    expect(classifyBody('', Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x00]))).toBe('binary');
    expect(classifyBody('', Buffer.from([0xff, 0xfe, 0x41]))).toBe('binary');
    // a UTF-8 sequence cut by the sniffing window is still text
    expect(classifyBody('', Buffer.concat([Buffer.alloc(8191, 0x61), Buffer.from('é')]))).toBe('text');
  });

  it('decodes with the charset of the header, then of the HTML <meta>', () => {
    expect(decodeBody(Buffer.from('caf\xe9', 'latin1'), 'text/plain; charset=ISO-8859-1', 'text')).toBe('café');
    expect(decodeBody(Buffer.from('<meta charset="windows-1252">caf\xe9', 'latin1'), 'text/html', 'html')).toContain(
      'café',
    );
    expect(
      decodeBody(
        Buffer.from('<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1">\xe9', 'latin1'),
        'text/html',
        'html',
      ),
    ).toContain('é');
    expect(decodeBody(Buffer.from('né'), 'text/plain; charset=no-such-charset', 'text')).toBe('né');
  });

  it('decodes numeric and common named entities, leaving unknown ones', () => {
    expect(decodeEntities('&lt;a&gt; &amp;amp; &#65;&#x42; &hellip; &unknown; &amp')).toBe(
      '<a> &amp; AB … &unknown; &',
    );
    expect(decodeEntities('&#0; &#xD800; &#1114112;')).toBe('\uFFFD \uFFFD \uFFFD');
  });

  it('truncates to ≈4 characters a token, at a line or word boundary', () => {
    expect(truncateToTokens('short', 10)).toEqual({ text: 'short', truncated: false });
    const cut = truncateToTokens('word '.repeat(100), 10);
    expect(cut.truncated).toBe(true);
    expect(cut.text.length).toBeLessThanOrEqual(40);
    expect(cut.text).toMatch(/^(word )+word$/);
    expect(truncateToTokens(`${'a'.repeat(35)}\n${'b'.repeat(30)}`, 10).text).toBe('a'.repeat(35));
    expect(truncateToTokens('x'.repeat(39) + '😀'.repeat(5), 10).text).toBe('x'.repeat(39));
  });
});
