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
 * HTTP errors of the admin pass through (400, 404); anything else (database or Redis unreachable)
 * becomes a logged 503 with its message instead of an opaque 500. Works on any HTTP platform.
 */
@Injectable()
export class AdminErrorsInterceptor implements NestInterceptor {
  private readonly logger = new Logger('ConsistentMessaging');

  intercept(_context: ExecutionContext, next: CallHandler): Observable<unknown> {
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
