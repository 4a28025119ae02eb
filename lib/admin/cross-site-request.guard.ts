import { type CanActivate, type ExecutionContext, HttpStatus, Injectable } from '@nestjs/common';
import { AdminErrorCode, adminError } from './admin-error';

/** The header every state-changing admin request must carry (the dashboard sends it). */
export const ADMIN_REQUEST_HEADER = 'x-messaging-admin';

interface AdminRequest {
  method: string;
  headers: Record<string, string | string[] | undefined>;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The first step of every admin API request, before the application's guard. It marks the response
 * `nosniff` (so that a refusal carries it too), and refuses cross-site requests that change state
 * (CSRF):
 * - the custom header with the value 1, which an HTML form or a `no-cors` fetch can't send, and
 *   which a cross-origin script can send only after a CORS preflight the application allowed;
 * - a body, if any, of type `application/json` only (forms send urlencoded, multipart or text);
 * - an `Origin` (or else `Referer`), when the browser sent one, of the request's host: `Host`, or
 *   the `X-Forwarded-Host` a proxy sets (a form or a `no-cors` fetch can set neither).
 */
@Injectable()
export class CrossSiteRequestGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    // Express's `res` and Fastify's `reply` both have header(name, value).
    context
      .switchToHttp()
      .getResponse<{ header(name: string, value: string): unknown }>()
      .header('X-Content-Type-Options', 'nosniff');
    const request = context.switchToHttp().getRequest<AdminRequest>();
    if (SAFE_METHODS.has(request.method.toUpperCase())) return true;
    const problem = crossSiteProblem(request.headers);
    if (problem)
      throw adminError(
        HttpStatus.FORBIDDEN,
        AdminErrorCode.crossSite,
        `Messaging admin: ${problem}`,
      );
    return true;
  }
}

function crossSiteProblem(headers: AdminRequest['headers']): string | undefined {
  const header = (name: string) => {
    const value = headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  if (header(ADMIN_REQUEST_HEADER) !== '1')
    return `a request that changes state needs the header ${ADMIN_REQUEST_HEADER}: 1`;
  const contentType = header('content-type');
  const hasBody =
    Number(header('content-length') ?? 0) > 0 || header('transfer-encoding') !== undefined;
  if ((contentType !== undefined || hasBody) && !/^application\/json\b/i.test(contentType ?? ''))
    return `a request body must be application/json (got ${contentType?.slice(0, 60) ?? 'no Content-Type'})`;
  const from = header('origin') ?? header('referer');
  if (from === undefined || from === 'null')
    return from === 'null' ? 'an opaque origin' : undefined;
  let host: string;
  try {
    host = new URL(from).host;
  } catch {
    return 'an unreadable Origin';
  }
  return host === header('host') || host === header('x-forwarded-host')
    ? undefined
    : `a request from another origin (${host.slice(0, 100)})`;
}
