import type { Sandbox } from '../../core/hands.js';
import { abortText, ToolError } from './toolError.js';

/**
 * One HTTP GET from inside the session's sandbox, through its egress proxy, so the environment's
 * `networking` allow-list, the address checks and the connection log apply to web_fetch exactly
 * as they do to `curl` in bash. A one-shot sandbox process has its own network namespace (only
 * `lo`), so it starts its own bridge to the proxy socket on a loopback port, waits until it
 * listens (≈7 ms), and runs curl through it with every other proxy setting overridden.
 *
 * Protocol (stderr, one line each; stdout is the body, base64, cut at `$3` bytes):
 *   BOSUN-FETCH NONET | MISSING <program> | NOBRIDGE
 *   BOSUN-FETCH DONE <http_code> <connect_code>\t<redirect_url>\t<content_type>\t<url_effective>
 *   BOSUN-FETCH EXIT <curl exit code>
 * (A plain template literal: `\\n` below is the two characters curl's -w wants.)
 */
export const WEB_FETCH_SCRIPT = `
set -u
url=$1 max_time=$2 max_bytes=$3 follow=$4
sock=\${BOSUN_EGRESS_SOCKET:-}
if [ -z "$sock" ] || [ ! -S "$sock" ]; then echo 'BOSUN-FETCH NONET' >&2; exit 0; fi
for program in curl socat base64 head; do
  command -v "$program" >/dev/null 2>&1 || { echo "BOSUN-FETCH MISSING $program" >&2; exit 0; }
done
port= bridge=
for _ in 1 2 3; do
  p=$((20000 + RANDOM % 40000))
  # socat -d -d says "listening on" once it listens: no polling; a taken port makes it exit instead
  exec {log}< <(exec socat -d -d "TCP-LISTEN:$p,bind=127.0.0.1,fork,reuseaddr" "UNIX-CONNECT:$sock" 2>&1 </dev/null)
  bridge=$!
  while read -t 3 -r -u "$log" line; do
    case $line in *'listening on'*) port=$p; break ;; esac
  done
  [ -n "$port" ] && break
  kill "$bridge" 2>/dev/null
  exec {log}<&-
done
if [ -z "$port" ]; then echo 'BOSUN-FETCH NOBRIDGE' >&2; exit 0; fi
redirects=()
[ "$follow" = 1 ] && redirects=(-L --max-redirs 5 --proto-redir =http,https)
# head closing the pipe early must not kill curl before it writes its summary line
trap '' PIPE
curl -sS --proto =http,https "\${redirects[@]}" --noproxy '' -x "http://127.0.0.1:$port" \\
  --max-time "$max_time" --connect-timeout 15 --compressed \\
  -A 'Mozilla/5.0 (compatible; Bosun-WebFetch/1.0)' \\
  -H 'Accept: text/html,application/xhtml+xml,text/plain;q=0.9,application/json;q=0.9,*/*;q=0.5' \\
  -w '%{stderr}\\nBOSUN-FETCH DONE %{http_code} %{http_connect}\\t%{redirect_url}\\t%{content_type}\\t%{url_effective}\\n' \\
  -- "$url" {log}<&- | head -c "$max_bytes" | base64 -w0
echo "BOSUN-FETCH EXIT \${PIPESTATUS[0]}" >&2
kill "$bridge" 2>/dev/null
exit 0
`;

export interface FetchReply {
  status: number;
  contentType: string;
  /** Where a 3xx points (absolute), when not followed. */
  redirectUrl: string | null;
  /** The URL that answered (after redirects curl followed). */
  finalUrl: string;
  body: Buffer;
  /** The body was longer than the byte cap and was cut. */
  truncated: boolean;
}

export interface FetchOptions {
  timeoutMs: number;
  maxBytes: number;
  /** Let curl follow redirects itself (when no domain rule needs to see each hop). */
  follow: boolean;
  signal: AbortSignal;
}

/** Runs one fetch in the sandbox; a transport failure is a `ToolError` the model can act on. */
export async function fetchInSandbox(sandbox: Sandbox, url: URL, options: FetchOptions): Promise<FetchReply> {
  const maxTimeSec = Math.max(1, Math.floor(options.timeoutMs / 1000));
  const run = await sandbox.run(
    {
      bashScript: WEB_FETCH_SCRIPT,
      args: [url.href, String(maxTimeSec), String(options.maxBytes + 1), options.follow ? '1' : '0'],
      // curl's own limit fires first; this one covers the bridge start and a stuck process
      timeoutMs: maxTimeSec * 1000 + 5_000,
      maxOutputBytes: Math.ceil((options.maxBytes + 1) / 3) * 4 + 64,
    },
    options.signal,
  );
  if (options.signal.aborted || run.killedBy === 'abort')
    throw new ToolError(`web_fetch: ${abortText(options.signal)}`);
  if (run.killedBy === 'timeout') throw new ToolError(`web_fetch: timed out after ${maxTimeSec}s fetching ${url.href}`);
  if (run.limitHit === 'memory') throw new ToolError("web_fetch: the sandbox's memory limit was reached");
  const lines = run.stderr.split('\n');
  const marker = (word: string) =>
    lines
      .filter((line) => line.startsWith(`BOSUN-FETCH ${word}`))
      .map((line) => line.slice(`BOSUN-FETCH ${word}`.length).trim())
      .pop();
  if (marker('NONET') !== undefined) {
    throw new ToolError(
      'web_fetch: no network access in this environment (this sandbox has no egress proxy attached); ' +
        "the environment's networking must allow the host",
    );
  }
  const missing = marker('MISSING');
  if (missing !== undefined) {
    throw new ToolError(
      `web_fetch is not available: ${missing} is not installed on this server (the sandbox uses the host's ` +
        `programs). The server operator can install it (apt-get install -y ${missing === 'base64' || missing === 'head' ? 'coreutils' : missing}).`,
    );
  }
  if (marker('NOBRIDGE') !== undefined) {
    throw new ToolError('web_fetch: could not connect the sandbox to the egress proxy (socat did not start)');
  }
  const done = marker('DONE');
  const exit = Number(marker('EXIT') ?? Number.NaN);
  if (done === undefined) {
    const why = curlError(lines) ?? (run.stderr.trim().split('\n').slice(-2).join(' ') || `exit ${run.exitCode}`);
    throw new ToolError(`web_fetch: the sandbox failed to run the fetch: ${why}`);
  }
  const [codes = '', redirectUrl = '', contentType = '', finalUrl = ''] = done.split('\t');
  const [httpCode = '000', connectCode = '000'] = codes.split(' ');
  const status = Number(httpCode);
  const body = Buffer.from(run.stdout, 'base64');
  // 23: head stopped reading at the byte cap, which is how a long body is cut
  if (status === 0 || (exit !== 0 && exit !== 23)) {
    throw new ToolError(`web_fetch: could not fetch ${url.href}: ${transportError(exit, connectCode, lines)}`);
  }
  const truncated = body.length > options.maxBytes;
  return {
    status,
    contentType,
    redirectUrl: redirectUrl || null,
    finalUrl: finalUrl || url.href,
    body: truncated ? body.subarray(0, options.maxBytes) : body,
    truncated,
  };
}

function curlError(lines: string[]): string | undefined {
  return lines
    .filter((line) => line.startsWith('curl: '))
    .map((line) => line.replace(/^curl: \(\d+\) /, ''))
    .pop();
}

/** curl's failure, in words; a refused CONNECT is the proxy's refusal (its reason is appended by the hands). */
function transportError(exit: number, connectCode: string, lines: string[]): string {
  if (connectCode === '403') return 'the egress proxy refused the connection';
  if (/^5\d\d$/.test(connectCode)) return `the egress proxy could not reach the host (CONNECT ${connectCode})`;
  if (exit === 28) return 'timed out';
  if (exit === 47) return 'too many redirects (at most 5)';
  return curlError(lines) ?? `curl exit ${exit}`;
}
