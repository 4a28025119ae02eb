import {
  HttpException,
  Injectable,
  Logger,
  ServiceUnavailableException,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { catchError, type Observable } from 'rxjs';

/**
 * Every admin response carries `X-Content-Type-Options: nosniff`. HTTP errors of the admin pass
 * through (400, 404); anything else (database or Redis unreachable) becomes a logged 503 with its
 * message instead of an opaque 500. Works on Express and Fastify.
 */
@Injectable()
export class AdminErrorsInterceptor implements NestInterceptor {
  private readonly logger = new Logger('ConsistentMessaging');

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    // Express's `res` and Fastify's `reply` both have header(name, value); set before any error.
    context
      .switchToHttp()
      .getResponse<{ header(name: string, value: string): unknown }>()
      .header('X-Content-Type-Options', 'nosniff');
    return next.handle().pipe(
      catchError((error: unknown) => {
        if (error instanceof HttpException) throw error;
        const message = error instanceof Error ? error.message : String(error);
        this.logger.warn(`Admin request failed: ${message}`);
        throw new ServiceUnavailableException(`Messaging admin: ${message}`);
      }),
    );
  }
}
