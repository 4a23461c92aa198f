import { posix } from 'node:path';
import type { RunOutcome, Sandbox } from '../../core/hands.js';
import { errnoFromText, fsErrorMessage } from './fsErrors.js';
import { ToolError } from './toolError.js';

/**
 * The file tools' primitives, run inside the sandbox as the sandbox user by coreutils. Path
 * resolution, the confinement check and the operation happen in one sandboxed process, so a
 * symlink swapped in by a background job can at worst point somewhere the sandbox sees anyway:
 * the host's files are not in its mount namespace. User data only ever travels as argv or stdin,
 * never spliced into the script.
 *
 * Protocol: the first stdout line is a status word (OK, OUTSIDE, NOTREG, TOOBIG, RANGE, NOTDIR,
 * NOMATCH, ERR <strerror text>), the rest is the payload. (A plain template literal: `\${` and `\\`
 * below are bash's `${` and `\`.)
 */
export const TOOLBOX_SCRIPT = `
set -u
cd -P -- "$1" || exit 3
root=$PWD
op=$2
shift 2
fail() { printf '%s\\n' "$1"; exit 0; }
resolve() {
  local r
  r=$(realpath -m -- "$1" 2>&1 && printf x) || fail "ERR $r"
  r=\${r%x}; r=\${r%$'\\n'}
  case $r in "$root"|"$root"/*) REAL=$r ;; *) fail OUTSIDE ;; esac
  # realpath -m leaves a symlink it cannot resolve (a loop) in place
  [ -L "$REAL" ] && fail "ERR realpath: $1: Too many levels of symbolic links"
}
regular() {
  local st
  st=$(stat -c '%F|%s' -- "$REAL" 2>&1) || fail "ERR $st"
  case \${st%|*} in 'regular file'|'regular empty file') SIZE=\${st##*|} ;; *) fail NOTREG ;; esac
}
case $op in
resolve)
  resolve "$1"; printf 'OK\\n%s' "$REAL" ;;
read)
  resolve "$1"; regular
  max=$2
  if [ $# -ge 4 ] && [ "$SIZE" -gt "$max" ]; then
    printf 'RANGE %s\\n' "$SIZE"
    exec sed -n "$3,$4p;$4q" -- "$REAL"
  fi
  [ "$SIZE" -gt "$max" ] && fail "TOOBIG $SIZE"
  printf 'OK %s\\n' "$SIZE"
  exec cat -- "$REAL" ;;
write)
  resolve "$1"
  dir=\${REAL%/*}; dir=\${dir:-/}
  [ -d "$dir" ] || { e=$( (umask 077; mkdir -p -- "$dir") 2>&1 ) || fail "ERR $e"; }
  [ -d "$REAL" ] && fail "ERR Is a directory"
  mode=
  [ -e "$REAL" ] && mode=$(stat -c '%a' -- "$REAL" 2>/dev/null)
  tmp="$dir/.tmp-bosun-$$-$RANDOM$RANDOM"
  e=$( (umask 077; set -C; : > "$tmp") 2>&1 ) || fail "ERR $e"
  e=$(cat > "$tmp" 2>&1); s=$?
  if [ $s -ne 0 ]; then rm -f -- "$tmp"; [ $s -eq 153 ] && e='File too large'; fail "ERR $e"; fi
  [ -n "$mode" ] && chmod -- "$mode" "$tmp"
  sync -- "$tmp" 2>/dev/null
  e=$(mv -f -T -- "$tmp" "$REAL" 2>&1) || { rm -f -- "$tmp"; fail "ERR $e"; }
  printf 'OK\\n' ;;
list)
  resolve "$1"
  [ -d "$REAL" ] || fail NOTDIR
  printf 'OK %s\\n' "$REAL"
  find -P "$REAL" -mindepth 1 \\( -name .git -o -name node_modules \\) -prune -o -type f -printf '%T@ %P\\0' 2>/dev/null | head -z -n "$2" ;;
grep)
  resolve "$1"
  [ -e "$REAL" ] || fail NOMATCH
  printf 'OK\\n'
  if command -v rg >/dev/null 2>&1; then
    exec rg --no-config -n --no-heading --null -e "$2" -- "$REAL"
  fi
  flavor=-P
  grep -P '' /dev/null 2>/dev/null; [ $? -le 1 ] || flavor=-E
  exec grep -r -n -H -I -Z -s "$flavor" --exclude-dir=.git --exclude-dir=node_modules -e "$2" -- "$REAL" ;;
esac
`;

export interface ToolboxReply {
  status: string;
  /** The rest of the status line (e.g. the size after TOOBIG). */
  detail: string;
  body: string;
  run: RunOutcome;
}

/** Runs one toolbox operation in the sandbox. `lexical` paths are absolute, `..` already collapsed. */
export async function toolbox(
  sandbox: Sandbox,
  op: string,
  args: string[],
  signal: AbortSignal,
  options: { stdin?: string; timeoutMs?: number; maxOutputBytes?: number } = {},
): Promise<ToolboxReply> {
  const run = await sandbox.run(
    {
      bashScript: TOOLBOX_SCRIPT,
      args: [sandbox.workdir, op, ...args],
      timeoutMs: options.timeoutMs ?? 60_000,
      ...(options.stdin !== undefined ? { stdin: options.stdin } : {}),
      ...(options.maxOutputBytes !== undefined ? { maxOutputBytes: options.maxOutputBytes } : {}),
    },
    signal,
  );
  const newline = run.stdout.indexOf('\n');
  const line = newline < 0 ? run.stdout : run.stdout.slice(0, newline);
  const space = line.indexOf(' ');
  return {
    status: space < 0 ? line : line.slice(0, space),
    detail: space < 0 ? '' : line.slice(space + 1),
    body: newline < 0 ? '' : run.stdout.slice(newline + 1),
    run,
  };
}

/** The lexical absolute path of a tool's path argument: relative to the workdir, `..` collapsed. */
export function lexicalPath(sandbox: Sandbox, p: string): string {
  return posix.resolve(sandbox.workdir, p);
}

/**
 * Maps the replies every file operation shares (confinement, resolve errors, a dead sandbox) to
 * the SDK's error texts; returns normally only for the operation's own statuses.
 */
export function checkCommon(reply: ToolboxReply, tool: string, p: string, signal: AbortSignal): void {
  const { status, detail, run } = reply;
  if (signal.aborted || run.killedBy === 'abort') throw new ToolError(`${tool}: aborted`);
  if (status === 'OUTSIDE') throw new ToolError(`path ${JSON.stringify(p)} is outside the session's working directory`);
  if (status === 'ERR' && /^realpath:/.test(detail))
    throw new ToolError(fsErrorMessage(errnoFromText(detail), `path ${JSON.stringify(p)}`));
  if (run.killedBy === 'timeout') throw new ToolError(`${tool}: timed out`);
  if (run.limitHit === 'memory') throw new ToolError(`${tool}: the sandbox ran out of memory`);
  if (status === '') {
    const why =
      run.stderr.trim().split('\n').slice(-2).join(' ') || `exit ${run.exitCode ?? run.killedBy ?? 'unknown'}`;
    throw new ToolError(`${tool}: the sandbox failed to run the operation: ${why}`);
  }
}
