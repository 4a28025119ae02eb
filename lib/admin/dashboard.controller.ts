import { Controller, Get, Header, Inject, type Type } from '@nestjs/common';
import { CONSISTENT_MESSAGING_OPTIONS } from '../consistent-messaging.constants';
import type { ResolvedMessagingOptions } from '../interfaces/consistent-messaging-options.interface';
import type { ResolvedAdminOptions } from './admin-options.interface';
import { DASHBOARD_SCRIPT, DASHBOARD_STYLE, dashboardHtml } from './dashboard.html';

/** Only the library's own files: no inline script or style, nothing from elsewhere, no framing. */
const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; " +
  "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/**
 * Serves the dashboard page at `<path>/ui`, with its stylesheet and script beside it. They hold no
 * data (only the endpoint name), so they are served without the admin guard: a browser can open
 * the page, and every JSON call it makes is guarded. The files answer at `<path>/…` and at
 * `<path>/ui/…`, so the page's relative links work with and without a trailing slash.
 */
export function createDashboardController(admin: ResolvedAdminOptions): Type {
  @Controller(admin.path)
  class MessagingDashboardController {
    constructor(
      @Inject(CONSISTENT_MESSAGING_OPTIONS) private readonly options: ResolvedMessagingOptions,
    ) {}

    @Get('ui')
    @Header('Content-Type', 'text/html; charset=utf-8')
    @Header('Cache-Control', 'no-store')
    @Header('X-Content-Type-Options', 'nosniff')
    @Header('Content-Security-Policy', CSP)
    ui(): string {
      return dashboardHtml(this.options.endpoint);
    }

    @Get(['dashboard.js', 'ui/dashboard.js'])
    @Header('Content-Type', 'text/javascript; charset=utf-8')
    @Header('Cache-Control', 'no-store')
    @Header('X-Content-Type-Options', 'nosniff')
    script(): string {
      return DASHBOARD_SCRIPT;
    }

    @Get(['dashboard.css', 'ui/dashboard.css'])
    @Header('Content-Type', 'text/css; charset=utf-8')
    @Header('Cache-Control', 'no-store')
    @Header('X-Content-Type-Options', 'nosniff')
    style(): string {
      return DASHBOARD_STYLE;
    }
  }
  return MessagingDashboardController;
}
