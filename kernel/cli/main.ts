/** Entry of `bin/tslab-lightning.js`: install | kernel | start | run-notebooks. */
import { startKernel } from "../jupyter/start-kernel";
import { parseArgs, stringOption, UsageError } from "./args";
import { installCommand } from "./install";
import { startCommand } from "./start";
import { runNotebooksCommand } from "./run-notebooks";

const USAGE = `Usage:
  tslab-lightning install [--user | --prefix DIR] [--name NAME]   write the Jupyter kernelspec
  tslab-lightning kernel --config-path FILE                       run the kernel (Jupyter does this)
  tslab-lightning start [--port N] [--notebook-dir DIR]           register the kernel locally and start Jupyter
  tslab-lightning run-notebooks [--quick] [--output-dir DIR] [NB...] execute the notebooks headless (nbconvert)`;

const VALUED = ["prefix", "name", "config-path", "port", "notebook-dir", "token", "output-dir"] as const;

export async function main(argv: string[]): Promise<number> {
  try {
    const args = parseArgs(argv, VALUED);
    const [command] = args.positionals;
    switch (command) {
      case "install":
        installCommand(args);
        return 0;
      case "kernel": {
        const configPath = stringOption(args, "config-path");
        if (!configPath) throw new UsageError("kernel needs --config-path FILE");
        await startKernel({ configPath, noPrelude: args.options.has("no-prelude") });
        return -1; // keep running: the sockets keep the process alive
      }
      case "start":
        return await startCommand(args);
      case "run-notebooks":
        return runNotebooksCommand(args);
      case undefined:
      case "help":
      case "--help":
        console.log(USAGE);
        return 0;
      default:
        throw new UsageError(`unknown command ${JSON.stringify(command)}`);
    }
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    console.error(`tslab-lightning: ${e.message}\n\n${USAGE}`);
    return 2;
  }
}
