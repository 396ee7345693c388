/** `--name value` flags, each with an environment variable as fallback. */
export function flag(argv: readonly string[], name: string, env: string): string | undefined {
  const i = argv.indexOf(`--${name}`);
  if (i >= 0 && i + 1 < argv.length) return argv[i + 1];
  return process.env[env];
}

export function numberFlag(argv: readonly string[], name: string, env: string): number | undefined {
  const raw = flag(argv, name, env);
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n)) throw new Error(`--${name} (${env}) must be a number, got ${raw}`);
  return n;
}
