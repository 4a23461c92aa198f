/**
 * The SDK's language-independent file error texts (`fsErrorMessage`), keyed by errno code. The
 * sandboxed coreutils report errors as strerror text, which is mapped back to the code first.
 */
const STRERROR: Array<[RegExp, string]> = [
  [/No such file or directory/, 'ENOENT'],
  [/Permission denied/, 'EACCES'],
  [/Operation not permitted/, 'EPERM'],
  [/Not a directory|File exists/, 'ENOTDIR'],
  [/Is a directory|cannot overwrite directory/, 'EISDIR'],
  [/Too many levels of symbolic links/, 'ELOOP'],
  [/File name too long/, 'ENAMETOOLONG'],
  [/No space left on device|Disk quota exceeded/, 'ENOSPC'],
  [/Too many open files/, 'EMFILE'],
  [/Read-only file system/, 'EROFS'],
  [/File too large/, 'EFBIG'],
];

export function errnoFromText(text: string): string | undefined {
  return STRERROR.find(([re]) => re.test(text))?.[1];
}

export function fsErrorMessage(code: string | undefined, file: string): string {
  switch (code) {
    case 'ENOENT':
      return `${file}: no such file or directory`;
    case 'EACCES':
    case 'EPERM':
      return `${file}: permission denied`;
    case 'ENOTDIR':
      return `${file}: not a directory`;
    case 'EISDIR':
      return `${file}: is a directory`;
    case 'ELOOP':
      return `${file}: too many levels of symbolic links`;
    case 'ENAMETOOLONG':
      return `${file}: file name too long`;
    case 'ENOSPC':
      return `${file}: no space left on device`;
    case 'EMFILE':
    case 'ENFILE':
      return `${file}: too many open files`;
    case 'EROFS':
      return `${file}: read-only file system`;
    case 'EFBIG':
      return `${file}: file too large for the sandbox's file size limit`;
    default:
      return `${file}: ${code !== undefined ? `i/o error (${code})` : 'i/o error'}`;
  }
}
