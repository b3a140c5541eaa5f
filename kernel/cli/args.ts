/** A tiny argv parser: `--flag`, `--key value`, `--key=value` and positionals. No dependency needed for four commands. */
export interface ParsedArgs {
  positionals: string[];
  options: Map<string, string | true>;
}

export function parseArgs(argv: string[], valued: readonly string[]): ParsedArgs {
  const positionals: string[] = [];
  const options = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith("--")) {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    const key = arg.slice(2, eq < 0 ? undefined : eq);
    if (eq >= 0) options.set(key, arg.slice(eq + 1));
    else if (valued.includes(key)) {
      const value = argv[++i];
      if (value === undefined) throw new UsageError(`--${key} needs a value`);
      options.set(key, value);
    } else options.set(key, true);
  }
  return { positionals, options };
}

export function stringOption(args: ParsedArgs, key: string): string | undefined {
  const value = args.options.get(key);
  return typeof value === "string" ? value : undefined;
}

export class UsageError extends Error {}
