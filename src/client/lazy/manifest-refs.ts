/**
 * A core module the client loads lazily: schema 2's manifest check (version references), loaded
 * only for a manifest that is not a valid schema 1 one. Through load-path.ts it reaches the
 * client's load path, so its chunk shares that one chunk (load-path.ts).
 */
import '../load-path.ts';

export { isValidManifestDocument } from '../../core/manifest-check-refs.ts';
