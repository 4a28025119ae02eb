import { Controller, Get, Header, Inject, type Type } from '@nestjs/common';
import { CONSISTENT_MESSAGING_OPTIONS } from '../consistent-messaging.constants';
import type { ResolvedMessagingOptions } from '../interfaces/consistent-messaging-options.interface';
import type { ResolvedAdminOptions } from './admin-options.interface';
import { dashboardHtml } from './dashboard.html';

/**
 * Serves the dashboard page at `<path>/ui`. The page holds no data (only the endpoint name), so it is
 * served without the admin guard: a browser can open it, and every JSON call it makes is guarded.
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
    @Header('Content-Security-Policy', "default-src 'self' 'unsafe-inline'; frame-ancestors 'none'")
    ui(): string {
      return dashboardHtml(this.options.endpoint);
    }
  }
  return MessagingDashboardController;
}
