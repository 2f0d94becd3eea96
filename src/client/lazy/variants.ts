/**
 * A core module the client loads lazily: the variant chooser, loaded only by a manifest that
 * splits a prompt between versions. Through load-path.ts it reaches the client's load path, so its
 * chunk shares that one chunk (load-path.ts).
 */
import '../load-path.ts';

export * from '../../core/variants.ts';
