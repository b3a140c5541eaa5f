/**
 * Starts the kernel in this process from tslab's own modules (what tslab's `startKernel` does), with our handler,
 * server, zeromq patch, SIGINT bridge, working directory and prelude.
 */
import { ExecutionCapture } from "./execution-capture";
import { LightningHandler } from "./handler";
import { installSigintHandler } from "./interrupt-bridge";
import { prepareBackend, preludeSource } from "./prelude";
import { PACKAGE_NAME, packageRoot, settleWorkingDirectory } from "./project-root";
import { patchPublisher } from "./publisher-patch";
import { LightningServer } from "./server";
import { type ConverterSet, createConverter, createExecutor, tslabZeromq } from "./tslab-internals";

/** When no request asks for it earlier, the prelude starts this long after the sockets are bound. */
const PRELUDE_IDLE_MS = 1500;

export interface KernelOptions {
  configPath: string;
  /** Skip the prelude (tests of the bare kernel). */
  noPrelude?: boolean;
}

export async function startKernel(options: KernelOptions): Promise<LightningServer> {
  const cwd = settleWorkingDirectory();
  patchPublisher(tslabZeromq());

  const converters = lazyConverters(); // built on first use: building one blocks the process for seconds
  const capture = new ExecutionCapture();
  const executor = createExecutor(cwd, converters, capture);
  const handler = new LightningHandler(executor, capture);
  const server = new LightningServer(handler, options.configPath);

  installSigintHandler(handler);
  // Errors from code still running after its cell ended go to the latest cell's stderr, not to a crash.
  process.on("uncaughtException", (err) => console.error("UncaughtException:", err));
  process.on("unhandledRejection", (reason) => console.error("UnhandledPromiseRejection:", reason));

  await server.init();
  if (!options.noPrelude) {
    handler.setPrelude(() => preludeSource(loadPackage()), () => prepareBackend(loadPackage()), PRELUDE_IDLE_MS);
  }
  return server;
}

function loadPackage(): Record<string, any> {
  try {
    return require(packageRoot);
  } catch (e) {
    console.error(`[tslab-lightning] cannot load ${PACKAGE_NAME} for the prelude:`, (e as Error).message);
    return {};
  }
}

/** tslab's ConverterSetImpl (not exported): converters are built on first use. */
function lazyConverters(): ConverterSet {
  let node: ConverterSet["node"] | undefined;
  let browser: ConverterSet["browser"] | undefined;
  return {
    get node() {
      return (node ??= createConverter({ isJS: false, isBrowser: false }));
    },
    get browser() {
      return (browser ??= createConverter({ isJS: false, isBrowser: true }));
    },
    close() {
      node?.close();
      browser?.close();
    },
  };
}
