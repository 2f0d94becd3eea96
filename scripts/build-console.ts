/**
 * `npm run build:console`: builds the web console into dist/console (docs/console.md), so a packed
 * promptops serves `promptops console` without its sources. Local mode and the tests build on demand.
 */
import { ensureConsoleBuild } from '../src/local/console-assets.ts';

const build = await ensureConsoleBuild();
console.log(`console ${build.built ? 'built' : 'up to date'} in ${build.dir} (${Math.round(build.ms)} ms)`);
