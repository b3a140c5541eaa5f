// The benchmarks' command-line options: `--name value` pairs and `--flag`s, after the script's path.

export const args = process.argv.slice(2);

/** The value after `--name`, or undefined when the option is absent. */
export function option(name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
}

/** The value after `--name`, or `fallback` when the option is absent. */
export function arg(name: string, fallback: string): string {
  return option(name) ?? fallback;
}
