import path from 'node:path';
import { packageRoot } from '../package-info.ts';
import type { OwnerRules } from './call-site.ts';

const root = packageRoot;
const dir = (...parts: string[]) => path.join(root, ...parts) + path.sep;

/**
 * sse-soak's own folders, found from this file's real location: the same rules hold in this
 * repository, in a nested or hoisted `node_modules/sse-soak` and in npx's cache. Its
 * dependencies (undici, eventsource, tsx) are libraries like any other; whose they are is
 * decided by the frames around them or by async context (call-site.ts).
 */
export const defaultOwnerRules: OwnerRules = {
  own: [dir('bin'), dir('src'), dir('dist'), dir('scenarios'), dir('test'), dir('bench')],
  targetInsideOwn: [dir('src', 'reference'), dir('dist', 'src', 'reference'), dir('test', 'fixtures')],
};
