// @ts-check
/**
 * What the bundler plugins (vite.js, webpack.js) share for model packages: finding the model
 * folders of the packages an app names (`models: ['@taskweave/model-use-lite']`), and the file
 * under one of them that a URL path asks for. Internal to the package (not an export).
 *
 * A model package says where its model folders are in its package.json,
 * `"taskweave": { "models": "models" }`: one sub-folder per model id, each in transformers.js'
 * layout (`config.json`, `tokenizer.json`, `onnx/…`), served under the app's models path as
 * `/models/<modelId>/…`.
 */
import { existsSync, readFileSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { dirname, join, parse, resolve, sep } from 'node:path';

/**
 * The folder of the package `name` that the app at `root` installed: `node_modules/<name>` in
 * `root` or a folder above it, as Node looks a package up (no `exports` needed, and a pnpm app's
 * own dependencies are linked there too).
 * @param {string} name
 * @param {string} root
 * @returns {string | undefined}
 */
function installedPackageDir(name, root) {
  let dir = resolve(root);
  for (;;) {
    const manifest = join(dir, 'node_modules', name, 'package.json');
    if (existsSync(manifest)) return realpathSync(dirname(manifest));
    if (dir === parse(dir).root) return undefined;
    dir = dirname(dir);
  }
}

/**
 * The model folders of the model packages `names`, installed in the app at `root`, by model id.
 * Throws, naming the package, when one is not installed, is not a model package, or holds a
 * model id another named package holds too.
 * @param {readonly string[]} names package names, e.g. `['@taskweave/model-use-lite']`
 * @param {string} root the app's root (Vite's `root`, webpack's `context`)
 * @param {string} plugin the plugin's name, for the messages
 * @returns {Map<string, string>} model id → its folder
 * @example modelFolders(['@taskweave/model-use-lite'], process.cwd(), 'taskweaveOrt') // Map { 'use-lite' => '…/models/use-lite' }
 */
export function modelFolders(names, root, plugin) {
  /** @type {Map<string, string>} */
  const folders = new Map();
  /** @type {Map<string, string>} */
  const owners = new Map();
  for (const name of names) {
    const dir = installedPackageDir(name, root);
    if (dir === undefined) throw new Error(`${plugin}: the model package ${name} is not installed in ${root} (npm install ${name})`);
    const manifest = /** @type {{ taskweave?: { models?: unknown } }} */ (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')));
    const sub = manifest.taskweave?.models;
    if (typeof sub !== 'string') throw new Error(`${plugin}: ${name} is not a model package (its package.json has no "taskweave": { "models": "<folder>" })`);
    const base = resolve(dir, sub);
    if (!existsSync(base) || !statSync(base).isDirectory()) throw new Error(`${plugin}: ${name} names ${sub}/ as its models folder, which it does not have`);
    const ids = readdirSync(base).filter((id) => statSync(join(base, id)).isDirectory()).sort();
    if (ids.length === 0) throw new Error(`${plugin}: ${name} holds no model folder under ${sub}/`);
    for (const id of ids) {
      const other = owners.get(id);
      if (other !== undefined) throw new Error(`${plugin}: both ${other} and ${name} hold a model '${id}': name one of them`);
      owners.set(id, name);
      folders.set(id, join(base, id));
    }
  }
  return folders;
}

/**
 * Every file under `folder`, relative to it, with '/' separators, sorted.
 * @param {string} folder
 * @returns {string[]}
 */
export function filesOf(folder) {
  return readdirSync(folder, { recursive: true, encoding: 'utf8' })
    .filter((file) => statSync(join(folder, file)).isFile())
    .map((file) => file.split(sep).join('/'))
    .sort();
}

/**
 * The file a URL path under the models path asks for (`<modelBase><id>/<file>`), when `id` is one
 * of `folders` and the file is in its folder; `undefined` otherwise (a file it does not have, a
 * path that climbs out of it), so the server answers as for any missing file.
 * @param {string} path the URL's path, still percent-encoded
 * @param {string} modelBase the models path, starting and ending with '/'
 * @param {ReadonlyMap<string, string>} folders model id → folder
 * @returns {{ id: string, file: string, full: string } | undefined}
 */
export function modelFileFor(path, modelBase, folders) {
  if (!path.startsWith(modelBase)) return undefined;
  let rest;
  try {
    rest = decodeURIComponent(path.slice(modelBase.length));
  } catch {
    return undefined;
  }
  const slash = rest.indexOf('/');
  if (slash <= 0) return undefined;
  const id = rest.slice(0, slash);
  const file = rest.slice(slash + 1);
  const folder = folders.get(id);
  if (folder === undefined || file === '' || file.split('/').some((part) => part === '' || part === '.' || part === '..')) return undefined;
  const full = join(folder, file);
  if (!full.startsWith(folder + sep) || !existsSync(full) || !statSync(full).isFile()) return undefined;
  return { id, file, full };
}
