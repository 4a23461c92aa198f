import { describe, expect, it } from 'vitest';
import { toolResultContent } from './toolResultContent.js';

const PNG = 'iVBORw0KGgo=';

describe('toolResultContent', () => {
  it('keeps text and model-readable images', () => {
    expect(
      toolResultContent(
        {
          content: [
            { type: 'text', text: 'hello' },
            { type: 'image', mimeType: 'image/png', data: PNG },
          ],
        },
        1000,
      ),
    ).toEqual([
      { type: 'text', text: 'hello' },
      { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG } },
    ]);
  });

  it('turns resources into text and says what it left out', () => {
    expect(
      toolResultContent(
        {
          content: [
            { type: 'resource', resource: { uri: 'file:///a.txt', mimeType: 'text/plain', text: 'abc' } },
            { type: 'resource', resource: { uri: 'file:///b.png', mimeType: 'image/png', blob: PNG } },
            { type: 'resource', resource: { uri: 'file:///c.bin', mimeType: 'application/zip', blob: 'AAAA' } },
            { type: 'resource_link', uri: 'file:///d', name: 'd', description: 'the d file' },
            { type: 'image', mimeType: 'image/svg+xml', data: 'PHN2Zz4=' },
            { type: 'audio', mimeType: 'audio/wav', data: 'AAAA' },
            { type: 'hologram' },
          ],
        },
        1000,
      ),
    ).toEqual([
      { type: 'text', text: '[resource file:///a.txt (text/plain)]\nabc' },
      { type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG } },
      {
        type: 'text',
        text: '[binary resource file:///c.bin (application/zip, 3 bytes) omitted: not supported in tool results]',
      },
      { type: 'text', text: '[resource link: file:///d (d) — the d file]' },
      { type: 'text', text: '[image (image/svg+xml) omitted: not supported in tool results]' },
      { type: 'text', text: '[audio (audio/wav) omitted: not supported in tool results]' },
      { type: 'text', text: '[content of type "hologram" omitted: not supported in tool results]' },
    ]);
  });

  it('falls back to structuredContent when there is no content', () => {
    expect(toolResultContent({ content: [], structuredContent: { ok: 1 } }, 1000)).toEqual([
      { type: 'text', text: '{"ok":1}' },
    ]);
  });

  it('cuts text beyond the limit across blocks, with a note', () => {
    const blocks = toolResultContent(
      {
        content: [
          { type: 'text', text: 'a'.repeat(6) },
          { type: 'text', text: 'b'.repeat(6) },
          { type: 'text', text: 'c'.repeat(6) },
        ],
      },
      10,
    );
    expect(blocks).toEqual([
      { type: 'text', text: 'aaaaaa' },
      { type: 'text', text: 'bbbb\n[output truncated: 18 characters in all, the first 10 shown]' },
    ]);
  });
});
