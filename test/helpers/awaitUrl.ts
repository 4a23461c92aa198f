import type { ChildProcess } from 'node:child_process';

/**
 * The first URL a child process prints on stdout in `pattern`'s first group (a server saying
 * where it listens); rejects if the child exits first, with `detail()` in the message.
 */
export function awaitUrl(child: ChildProcess, pattern: RegExp, detail: () => string = () => ''): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = out.match(pattern);
      if (match?.[1]) resolve(match[1]);
    });
    child.once('exit', (code) => reject(new Error(`${child.spawnfile} exited with ${code}${detail()}`)));
  });
}
