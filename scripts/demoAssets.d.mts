/** The demo app's folder (its index.html and vite.config.ts), for a bench that serves the demo itself. */
export declare const DEMO_ROOT: string;
/** The demo's public folder (`packages/demo/public/`), a Vite `publicDir` for pages that load models or the corpus. */
export declare const DEMO_PUBLIC_DIR: string;
/** The shipped models: a worker's `--models`, transformers.js' `localModelPath`. */
export declare const MODELS_DIR: string;
/** The bundled State of the Union passages' texts, in file order. */
export declare function sotuPassages(): string[];
