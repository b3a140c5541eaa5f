/** The first port from `start` that nothing listens on at 127.0.0.1. */
import { createServer } from "node:net";

export async function freePort(start: number, attempts = 50): Promise<number> {
  for (let port = start; port < start + attempts; port++) {
    if (await canListen(port)) return port;
  }
  throw new Error(`no free port in ${start}..${start + attempts - 1}`);
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}
