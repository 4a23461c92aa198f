import type { ToolResult } from '../../core/hands.js';

type Block = ToolResult['content'][number];

/** The image types a model request may carry (the Messages API's `image` block). */
const MODEL_IMAGE_TYPES = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp']);
/** The Messages API takes images up to 5 MB; base64 is 4/3 of that. */
const MAX_IMAGE_BASE64_CHARS = Math.ceil((5 * 1024 * 1024 * 4) / 3);

/**
 * An MCP `CallToolResult`'s content as Bosun tool result content: text stays text, images the
 * model can take become `image` blocks, an embedded text resource becomes text headed by its URI,
 * and anything else (audio, binary resources, links) a line saying what was left out. Text beyond
 * `maxChars` in total is cut with a note, like bash output.
 */
export function toolResultContent(
  result: { content?: unknown; structuredContent?: unknown },
  maxChars: number,
): Block[] {
  const blocks: Block[] = [];
  for (const item of Array.isArray(result.content) ? (result.content as unknown[]) : []) {
    blocks.push(convert(item));
  }
  if (blocks.length === 0 && result.structuredContent !== undefined) {
    blocks.push({ type: 'text', text: JSON.stringify(result.structuredContent) });
  }
  return capText(blocks, maxChars);
}

function convert(item: unknown): Block {
  const block = typeof item === 'object' && item !== null ? (item as Record<string, unknown>) : {};
  switch (block['type']) {
    case 'text':
      return { type: 'text', text: str(block['text']) };
    case 'image':
      return image(str(block['mimeType']), str(block['data'])) ?? omitted(`image (${str(block['mimeType'])})`);
    case 'audio':
      return omitted(`audio (${str(block['mimeType'])})`);
    case 'resource': {
      const resource = typeof block['resource'] === 'object' && block['resource'] !== null ? block['resource'] : {};
      return embeddedResource(resource as Record<string, unknown>);
    }
    case 'resource_link': {
      const name = str(block['name']);
      const description = str(block['description']);
      return {
        type: 'text',
        text: `[resource link: ${str(block['uri'])}${name ? ` (${name})` : ''}${description ? ` — ${description}` : ''}]`,
      };
    }
    default:
      return omitted(`content of type ${JSON.stringify(block['type'] ?? null)}`);
  }
}

function embeddedResource(resource: Record<string, unknown>): Block {
  const uri = str(resource['uri']);
  const mimeType = str(resource['mimeType']);
  if (typeof resource['text'] === 'string') {
    return { type: 'text', text: `[resource ${uri}${mimeType ? ` (${mimeType})` : ''}]\n${resource['text']}` };
  }
  const blob = str(resource['blob']);
  return (
    image(mimeType, blob) ??
    omitted(`binary resource ${uri} (${mimeType || 'unknown type'}, ${base64Bytes(blob)} bytes)`)
  );
}

function image(mimeType: string, data: string): Block | null {
  if (!MODEL_IMAGE_TYPES.has(mimeType) || data === '' || data.length > MAX_IMAGE_BASE64_CHARS) return null;
  return { type: 'image', source: { type: 'base64', media_type: mimeType, data } };
}

function omitted(what: string): Block {
  return { type: 'text', text: `[${what} omitted: not supported in tool results]` };
}

function capText(blocks: Block[], maxChars: number): Block[] {
  let left = maxChars;
  const out: Block[] = [];
  for (const block of blocks) {
    if (block.type !== 'text') {
      out.push(block);
      continue;
    }
    if (left <= 0) continue;
    if (block.text.length <= left) {
      out.push(block);
      left -= block.text.length;
      continue;
    }
    const total = blocks.reduce((sum, b) => sum + (b.type === 'text' ? b.text.length : 0), 0);
    out.push({
      type: 'text',
      text: `${block.text.slice(0, left)}\n[output truncated: ${total} characters in all, the first ${maxChars} shown]`,
    });
    left = 0;
  }
  return out;
}

function str(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function base64Bytes(data: string): number {
  return Math.floor((data.replace(/=+$/, '').length * 3) / 4);
}
