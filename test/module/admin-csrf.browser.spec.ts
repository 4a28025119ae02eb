import type { INestApplication } from '@nestjs/common';
import { createServer, type Server } from 'http';
import type { AddressInfo } from 'net';
import type { Browser } from 'playwright-core';
import { MessagingAdminService } from '../../lib';
import { ADMIN_TOKEN, SessionCookieGuard } from '../fixtures/admin.fixtures';
import { startAdminEndpoint } from '../support/admin-endpoint';
import { launchChromium } from '../support/chromium';
import { cleanUp, uniquePrefix } from '../support/test-endpoint';

/**
 * CSRF against an admin behind a cookie guard, in headless Chromium: a page on another port of the
 * same host (same site, so a `SameSite=Lax` cookie goes along) posts a form and a `no-cors` fetch
 * to retry-all. Both are refused and reach neither the application's guard nor the service.
 */
describe('admin against cross-site requests in a browser', () => {
  const prefix = uniquePrefix('csrf');
  let app: INestApplication;
  let browser: Browser;
  let attacker: Server;

  beforeAll(async () => {
    app = await startAdminEndpoint(prefix, {
      enabled: true,
      path: 'ops/messaging',
      guard: SessionCookieGuard,
    });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => (attacker ? attacker.close(resolve) : resolve(undefined)));
    await app?.close();
    await cleanUp(prefix);
  });

  /** Serves one HTML page on a free port of 127.0.0.1; resolves with its URL. */
  async function serveAttackerPage(html: string): Promise<string> {
    attacker = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/html' });
      response.end(html);
    });
    await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(attacker.address() as AddressInfo).port}/`;
  }

  it('refuses a cross-origin form post and a no-cors fetch that carry the session cookie', async () => {
    const service = app.get(MessagingAdminService);
    const retryAll = jest.spyOn(service, 'retryAllDeadLetters');
    const target = `${await app.getUrl()}/ops/messaging/dead-letters/retry-all`;
    const context = await browser.newContext();
    await context.addCookies([
      { name: 'admin-session', value: ADMIN_TOKEN, url: await app.getUrl(), sameSite: 'Lax' },
    ]);
    const page = await context.newPage();
    // The cookie really opens the admin to this browser: a read goes through the guard.
    const read = await page.goto(`${await app.getUrl()}/ops/messaging/outbox/stats`);
    expect(read?.status()).toBe(200);

    const url = await serveAttackerPage(`<!doctype html><body>
      <form method="POST" action="${target}"><input name="all" value="1"></form>
      <script>
        fetch(${JSON.stringify(target)}, { method: 'POST', mode: 'no-cors', credentials: 'include' })
          .finally(() => document.forms[0].submit());
      </script></body>`);
    const responses: number[] = [];
    page.on('response', (response) => {
      if (response.url() === target) responses.push(response.status());
    });
    const formAnswer = page.waitForResponse(
      (response) => response.url() === target && response.request().resourceType() === 'document',
    );
    await page.goto(url);
    expect((await formAnswer).status()).toBe(403);
    expect(await page.textContent('body')).toMatch(/needs the header x-messaging-admin/);
    expect(responses.every((status) => status === 403)).toBe(true);
    expect(retryAll).not.toHaveBeenCalled();
    await context.close();
  });
});
