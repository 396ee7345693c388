/**
 * Command-line options of `taskweave-server` and `taskweave-worker`: each option a flag and an
 * environment variable (the flag wins), parsed by node's `util.parseArgs` in strict mode, so an
 * unknown flag or a bad value stops the program with a message instead of being ignored.
 */
import { parseArgs } from 'node:util';

export interface OptionSpec {
  /** The flag without its dashes: `redis` for `--redis`. */
  name: string;
  /** The environment variable that sets it when the flag is absent. */
  env: string;
  kind: 'string' | 'integer' | 'list';
  /** The value used when neither is given, as the help shows it. */
  default?: string;
  /** What it does, one line. */
  help: string;
  /** A value of an integer option must be at least this. @default 0 */
  min?: number;
}

export type OptionValue = string | number | string[];

/** A mistake on the command line: the message says what, and `--help` what is accepted. */
export class UsageError extends Error {}

/** The help text: usage, then each option with its variable and default. */
export function usage(command: string, summary: string, spec: readonly OptionSpec[]): string {
  const rows = spec.map((o) => {
    const flag = `--${o.name}${o.kind === 'list' ? ' a,b' : o.kind === 'integer' ? ' N' : ' VALUE'}`;
    const more = [`env ${o.env}`, ...(o.default === undefined ? [] : [`default ${o.default}`])].join('; ');
    return `  ${flag.padEnd(28)} ${o.help} (${more})`;
  });
  return [`Usage: ${command} [options]`, '', summary, '', 'Options (each also an environment variable; the flag wins):', ...rows, `  ${'--help'.padEnd(28)} print this and exit`, ''].join('\n');
}

/**
 * The options given by `argv` or `env` (absent ones left out, defaults are the caller's), or
 * `'help'` when `--help` was asked for.
 * @throws UsageError for an unknown flag, a positional argument, a flag without its value, or a bad value
 */
export function parseOptions(spec: readonly OptionSpec[], argv: readonly string[], env: NodeJS.ProcessEnv): Record<string, OptionValue> | 'help' {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: { help: { type: 'boolean' }, ...Object.fromEntries(spec.map((o) => [o.name, { type: 'string' as const }])) },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (parsed.values['help'] === true) return 'help';
  const out: Record<string, OptionValue> = {};
  for (const o of spec) {
    const fromFlag = parsed.values[o.name];
    const raw = typeof fromFlag === 'string' ? fromFlag : env[o.env];
    if (raw === undefined || raw === '') continue;
    const source = typeof fromFlag === 'string' ? `--${o.name}` : o.env;
    if (o.kind === 'integer') {
      const n = Number(raw);
      if (!Number.isInteger(n) || n < (o.min ?? 0)) throw new UsageError(`${source} must be an integer ≥ ${o.min ?? 0}, got ${JSON.stringify(raw)}`);
      out[o.name] = n;
    } else if (o.kind === 'list') {
      out[o.name] = raw.split(',').map((x) => x.trim()).filter((x) => x !== '');
    } else {
      out[o.name] = raw;
    }
  }
  return out;
}

/** Runs a CLI's `main`, turning a UsageError into its message and exit code 2. */
export async function runCli(command: string, main: () => Promise<void>): Promise<void> {
  try {
    await main();
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`${command}: ${error.message}\nRun ${command} --help for the options.\n`);
      process.exit(2);
    }
    throw error;
  }
}
