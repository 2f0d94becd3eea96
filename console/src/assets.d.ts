/** Stylesheets are imported for their effect; Vite bundles them into the build's CSS file. */
declare module '*.css';
