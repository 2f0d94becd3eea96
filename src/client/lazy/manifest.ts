/**
 * A core module the client loads lazily: manifest.ts, loaded only to word the rejection of a
 * manifest. Through load-path.ts it reaches the client's load path, so its chunk shares that one
 * chunk (load-path.ts).
 */
import '../load-path.ts';

export { parseManifestDocument } from '../../core/manifest.ts';
