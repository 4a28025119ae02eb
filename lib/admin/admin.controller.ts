import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Inject,
  Logger,
  Param,
  Post,
  Query,
  UseInterceptors,
  UseGuards,
  type OnModuleInit,
  type Type,
} from '@nestjs/common';
import { CONSISTENT_MESSAGING_OPTIONS } from '../consistent-messaging.constants';
import type { ResolvedMessagingOptions } from '../interfaces/consistent-messaging-options.interface';
import { AdminErrorsInterceptor } from './admin-errors.interceptor';
import {
  dateParam,
  intParam,
  MAX_PAGE,
  messageIdsBody,
  oneOf,
  orderingKeyBody,
  sinceBody,
  textParam,
} from './admin-input';
import type { ResolvedAdminOptions } from './admin-options.interface';
import { CrossSiteRequestGuard } from './cross-site-request.guard';
import { createDashboardController } from './dashboard.controller';
import { MessagingAdminService } from './messaging-admin.service';

const STATUSES = ['pending', 'dispatched', 'undeliverable', 'all'] as const;

/**
 * Creates the admin controllers for a path and guard: they are decorator arguments, so the classes
 * are made when the module is defined (`forRoot` / `forRootAsync` extras). The JSON API is guarded;
 * the dashboard page (no data in it) is not.
 */
export function createAdminControllers(admin: ResolvedAdminOptions): Type[] {
  return [createDashboardController(admin), createApiController(admin)];
}

function createApiController(admin: ResolvedAdminOptions): Type {
  @Controller(admin.path)
  @UseInterceptors(AdminErrorsInterceptor)
  class MessagingAdminController implements OnModuleInit {
    private readonly logger = new Logger('ConsistentMessaging');

    constructor(
      private readonly service: MessagingAdminService,
      @Inject(CONSISTENT_MESSAGING_OPTIONS) private readonly options: ResolvedMessagingOptions,
    ) {}

    onModuleInit(): void {
      if (!admin.guard) {
        this.logger.warn(
          `Admin controller mounted at /${admin.path} WITHOUT a guard (admin.allowUnguarded): anyone who reaches it can read messages and retry them`,
        );
      }
    }

    @Get('outbox')
    listOutbox(
      @Query('status') status?: string,
      @Query('type') type?: string,
      @Query('correlationId') correlationId?: string,
      @Query('createdFrom') createdFrom?: string,
      @Query('createdTo') createdTo?: string,
      @Query('after') after?: string,
      @Query('limit') limit?: string,
    ) {
      return this.service.listOutbox({
        status: oneOf('status', status, STATUSES, 'all'),
        type: textParam('type', type),
        correlationId: textParam('correlationId', correlationId, 64),
        createdFrom: dateParam('createdFrom', createdFrom),
        createdTo: dateParam('createdTo', createdTo),
        after: intParam('after', after, 0, 0, Number.MAX_SAFE_INTEGER),
        limit: intParam('limit', limit, 50, 1, MAX_PAGE),
      });
    }

    @Get('outbox/stats')
    outboxStats() {
      return this.service.outboxStats();
    }

    @Get('outbox/:messageId')
    outboxMessage(@Param('messageId') messageId: string) {
      return this.service.outboxMessage(messageId, admin.maxPayloadBytes);
    }

    @Post('outbox/redispatch')
    @HttpCode(200)
    redispatch(@Body() body: unknown) {
      return this.service.redispatch(messageIdsBody(body));
    }

    @Post('outbox/redispatch-since')
    @HttpCode(200)
    redispatchSince(@Body() body: unknown) {
      return this.service.redispatchSince(sinceBody(body));
    }

    @Get('inbox/stats')
    inboxStats(@Query('endpoint') endpoint?: string) {
      return this.service.inboxStats(textParam('endpoint', endpoint) ?? this.options.endpoint);
    }

    @Get('inbox/:messageId')
    inboxEntry(@Param('messageId') messageId: string, @Query('endpoint') endpoint?: string) {
      return this.service.inboxEntry(
        textParam('endpoint', endpoint) ?? this.options.endpoint,
        messageId,
      );
    }

    @Get('dead-letters')
    listDeadLetters(@Query('before') before?: string, @Query('limit') limit?: string) {
      return this.service.listDeadLetters(
        intParam('before', before, 0, 0, Number.MAX_SAFE_INTEGER),
        intParam('limit', limit, 50, 1, MAX_PAGE),
      );
    }

    @Post('dead-letters/retry-all')
    @HttpCode(200)
    retryAll() {
      return this.service.retryAllDeadLetters();
    }

    @Get('dead-letters/:id')
    deadLetter(@Param('id') id: string) {
      return this.service.deadLetter(id, admin.maxPayloadBytes);
    }

    @Post('dead-letters/:id/retry')
    @HttpCode(200)
    retryDeadLetter(@Param('id') id: string) {
      return this.service.retryDeadLetter(id);
    }

    @Delete('dead-letters/:id')
    removeDeadLetter(@Param('id') id: string) {
      return this.service.removeDeadLetter(id);
    }

    @Get('ordering/blocked')
    blockedKeys(@Query('limit') limit?: string) {
      return this.service.blockedKeys(intParam('limit', limit, 100, 1, MAX_PAGE));
    }

    @Post('ordering/blocked/skip')
    @HttpCode(200)
    skipBlocked(@Body() body: unknown) {
      const { originEndpoint, orderingKey } = orderingKeyBody(body);
      return this.service.skipBlocked(originEndpoint, orderingKey);
    }

    @Get('conversations/:correlationId')
    conversation(@Param('correlationId') correlationId: string) {
      return this.service.conversation(correlationId);
    }
  }
  // The cross-site check first: a forged request never reaches the application's guard.
  UseGuards(CrossSiteRequestGuard, ...(admin.guard ? [admin.guard] : []))(MessagingAdminController);
  return MessagingAdminController;
}
