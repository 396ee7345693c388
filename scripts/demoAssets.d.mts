/** The demo app's folder (its index.html and vite.config.ts), for a bench that serves the demo itself. */
export declare const DEMO_ROOT: string;
/** The demo's public folder (`packages/demo/public/`: the test model and the corpus), a Vite `publicDir`. */
export declare const DEMO_PUBLIC_DIR: string;
/** The shipped model, use-lite (the @taskweave/model-use-lite package's models/): a worker's `--models`, transformers.js' `localModelPath`. */
export declare const MODELS_DIR: string;
/** The test model, tiny-random-bert, in the demo's public folder (`<id>/` as in MODELS_DIR). */
export declare const TEST_MODELS_DIR: string;
/** The bundled State of the Union passages' texts, in file order. */
export declare function sotuPassages(): string[];
