/**
 * Who may talk to the dashboard: a request must carry the kernel's token (query `token=` or
 * `Authorization: token …` / `Bearer …`), compared in constant time, and a browser request's Origin must be the
 * page's own origin (the Host it addressed) or one listed in `allowedOrigins`. Non-browser clients send no Origin.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";

/** One random token per kernel process, so a restarted server accepts the pages it served before. */
let kernelToken: string | null = null;
export function dashboardToken(): string {
  return (kernelToken ??= process.env.TSLAB_LIGHTNING_DASHBOARD_TOKEN || randomBytes(24).toString("hex"));
}

/** Constant-time comparison (hashing first makes the lengths equal, so the length does not leak either). */
export function tokenMatches(given: string | null | undefined, expected: string): boolean {
  if (typeof given !== "string") return false;
  const a = createHash("sha256").update(given).digest();
  const b = createHash("sha256").update(expected).digest();
  return timingSafeEqual(a, b) && given.length === expected.length;
}

export function requestToken(req: IncomingMessage): string | null {
  const auth = req.headers.authorization;
  if (auth) {
    const m = /^(?:token|bearer)\s+(\S+)$/i.exec(auth);
    if (m) return m[1];
  }
  try {
    return new URL(req.url ?? "/", "http://x").searchParams.get("token");
  } catch {
    return null;
  }
}

export type Verdict = { ok: true } | { ok: false; status: 401 | 403; reason: string };

export function checkRequest(req: IncomingMessage, token: string, allowedOrigins: readonly string[] = []): Verdict {
  if (!tokenMatches(requestToken(req), token)) return { ok: false, status: 401, reason: "missing or wrong token" };
  const origin = req.headers.origin;
  if (origin === undefined) return { ok: true };
  if (originAllowed(origin, req.headers.host, allowedOrigins)) return { ok: true };
  return { ok: false, status: 403, reason: `origin ${origin} is not allowed` };
}

/** Same host:port as the request's Host header, or an explicitly allowed origin (`scheme://host[:port]`). */
export function originAllowed(origin: string, host: string | undefined, allowed: readonly string[]): boolean {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false; // includes the literal "null" origin of sandboxed frames and file: pages
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return false;
  if (host !== undefined && url.host.toLowerCase() === host.toLowerCase()) return true;
  return allowed.some((a) => {
    try {
      return new URL(a).origin === url.origin;
    } catch {
      return false;
    }
  });
}
