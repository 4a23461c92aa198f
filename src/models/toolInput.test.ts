import { describe, expect, it } from 'vitest';
import { parseToolInput } from './toolInput.js';

describe('parseToolInput', () => {
  it('parses objects and treats no input as {}', () => {
    expect(parseToolInput('{"a":[1,{"b":null}]}')).toEqual({ input: { a: [1, { b: null }] } });
    expect(parseToolInput('')).toEqual({ input: {} });
    expect(parseToolInput('  ')).toEqual({ input: {} });
  });
  it('flags truncated JSON and non-objects, keeping the raw text', () => {
    for (const raw of ['{"a": "b', '{"a":1}}', 'null', '"text"', '42', '[]']) {
      const parsed = parseToolInput(raw);
      expect(parsed.input, raw).toEqual({});
      expect(parsed.inputError?.raw, raw).toBe(raw);
    }
  });
});
