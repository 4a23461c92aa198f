import type { Sandbox } from '../../core/hands.js';
import { errnoFromText, fsErrorMessage } from './fsErrors.js';
import { checkCommon, lexicalPath, toolbox } from './toolbox.js';
import { ToolError } from './toolError.js';

/**
 * Writes `content` atomically inside the sandbox (temp file, fsync, rename), creating parent
 * directories 0700; an existing file keeps its mode. Throws the SDK's `<tool>: <file>: …` texts.
 */
export async function writeFileInSandbox(
  sandbox: Sandbox,
  filePath: string,
  content: string,
  signal: AbortSignal,
  tool: 'write' | 'edit',
): Promise<void> {
  const reply = await toolbox(sandbox, 'write', [lexicalPath(sandbox, filePath)], signal, { stdin: content });
  checkCommon(reply, tool, filePath, signal);
  const errorPrefix = tool === 'edit' ? 'edit: write:' : 'write:';
  if (reply.status === 'OK') return;
  const text = reply.status === 'ERR' ? reply.detail : reply.run.stderr;
  throw new ToolError(`${errorPrefix} ${fsErrorMessage(errnoFromText(text), filePath)}`);
}
