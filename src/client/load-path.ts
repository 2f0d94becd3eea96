/**
 * The modules on the client's load path (what the first `get` and `render` run, docs/architecture.md,
 * "The client's bundle"). Every lazily loaded client module imports this one, so a bundler that splits
 * code (esbuild, as an app's bundle is built) reaches all of them from the same entry points and puts
 * them in one shared chunk: the agent path then loads two files, with one import statement between
 * them, rather than a dozen chunks each with its own imports and exports.
 */
import '../core/client-defaults.ts';
import '../core/compiled-prompt.ts';
import '../core/error-base.ts';
import '../core/manifest-check.ts';
import '../core/manifest-program.ts';
import '../core/segments.ts';
import '../core/template-interpreter.ts';
import '../core/template-tree.ts';
import '../core/variable-errors.ts';
import '../core/variables.ts';
import './deadline.ts';
import './errors.ts';
import './loaded-manifest.ts';
import './manifest-text.ts';
import './prompt.ts';
import './renderer.ts';
import './sources/agent.ts';
