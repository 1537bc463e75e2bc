// webpack's import.meta.webpackContext (webpack 5.70+), used to find the shipped model files.
interface WebpackContext {
  (key: string): unknown;
  keys(): string[];
}

interface ImportMeta {
  webpackContext(request: string, options?: { recursive?: boolean; regExp?: RegExp; mode?: 'sync' | 'lazy' }): WebpackContext;
}
