import type { CliIo } from './io.ts';

/**
 * Colour on stderr only where a person reads it: FORCE_COLOR (not '0') forces it, NO_COLOR
 * (any value, https://no-color.org) turns it off, otherwise only on a TTY.
 */
export function colourEnabled(io: CliIo): boolean {
  const force = io.env.FORCE_COLOR;
  if (force !== undefined && force !== '' && force !== '0' && force !== 'false') return true;
  if (io.env.NO_COLOR !== undefined && io.env.NO_COLOR !== '') return false;
  return Boolean(io.stderr.isTTY);
}

export type Paint = (text: string, colour: 'red' | 'green' | 'yellow' | 'dim') => string;

const codes = { red: 31, green: 32, yellow: 33, dim: 2 } as const;

export const painter =
  (enabled: boolean): Paint =>
  (text, colour) =>
    enabled ? `\u001b[${codes[colour]}m${text}\u001b[${colour === 'dim' ? 22 : 39}m` : text;
