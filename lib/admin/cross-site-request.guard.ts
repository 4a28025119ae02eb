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
 * Refuses cross-site requests that change state (CSRF), before the application's guard runs:
 * - a custom header, which an HTML form or a `no-cors` fetch can't send, and which a cross-origin
 *   script can send only after a CORS preflight the application allowed;
 * - a body, if any, of type `application/json` only (forms send urlencoded, multipart or text);
 * - an `Origin` (or else `Referer`), when the browser sent one, of the same host as the request.
 */
@Injectable()
export class CrossSiteRequestGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
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
  if (header(ADMIN_REQUEST_HEADER) === undefined)
    return `a request that changes state needs the header ${ADMIN_REQUEST_HEADER}: 1`;
  const contentType = header('content-type');
  if (contentType !== undefined && !/^application\/json\b/i.test(contentType))
    return `a request body must be application/json (got ${contentType.slice(0, 60)})`;
  const from = header('origin') ?? header('referer');
  if (from === undefined || from === 'null')
    return from === 'null' ? 'an opaque origin' : undefined;
  let host: string;
  try {
    host = new URL(from).host;
  } catch {
    return 'an unreadable Origin';
  }
  return host === header('host')
    ? undefined
    : `a request from another origin (${host.slice(0, 100)})`;
}
