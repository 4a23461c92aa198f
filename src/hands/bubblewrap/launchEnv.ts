/** The environment of the launcher and of bwrap itself: /proc/1/environ inside shows exactly this. */
export const LAUNCH_ENV = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' };

export function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}
