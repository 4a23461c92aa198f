import { type ScriptedModel, startScriptedModel } from './scriptedModelServer.js';
import type { RecordedRequest, ScriptedResponse } from './scriptTypes.js';

export const DEMO_COMMAND = 'echo hello from $(uname -s)';

/**
 * The offline demo's model, in either protocol: a user message gets a `bash` call (when the
 * agent has that tool), a tool result gets a one-line summary of it.
 */
export function demoResponder(request: RecordedRequest): ScriptedResponse {
  const { last, toolNames } = request.view;
  const result = last.toolResults[0];
  if (result) {
    const output = result.text.trim() || '(no output)';
    return {
      content: [
        {
          type: 'text',
          text: result.isError ? `The command failed: ${output}` : `The command ran and printed: ${output}`,
        },
      ],
    };
  }
  if (toolNames.includes('bash')) {
    return {
      content: [
        { type: 'text', text: "I'm the offline demo model. Let me run a command in the sandbox." },
        { type: 'tool_use', name: 'bash', input: { command: DEMO_COMMAND } },
      ],
    };
  }
  const said = last.text.trim();
  return {
    content: [
      {
        type: 'text',
        text: `I'm the offline demo model${said ? ` and you said: "${said}"` : ''}. Give me the bash tool and I will run a command.`,
      },
    ],
  };
}

/** The demo model on a random loopback port: point ANTHROPIC_BASE_URL (or an openai provider) at it. */
export function startDemoModel(): Promise<ScriptedModel> {
  return startScriptedModel({ respond: demoResponder });
}
