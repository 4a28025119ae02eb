import type { INestApplication } from '@nestjs/common';
import { tmpdir } from 'os';
import { DataSource } from 'typeorm';
import { join } from 'path';
import type { Browser, Page } from 'playwright-core';
import { ADMIN_TOKEN, AdminProbe, PingSender } from '../fixtures/admin.fixtures';
import { startAdminEndpoint } from '../support/admin-endpoint';
import { launchChromium } from '../support/chromium';
import { ident, sql } from '../support/sql';
import { cleanUp, uniquePrefix, waitFor } from '../support/test-endpoint';

/** Loads the dashboard in headless Chromium: counts, filter, retry a dead letter, conversation. */
describe('dashboard in a browser', () => {
  const prefix = uniquePrefix('dash');
  let app: INestApplication;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    app = await startAdminEndpoint(prefix);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await cleanUp(prefix);
  });

  it('shows counts, filters, retries a dead letter and shows a conversation', async () => {
    const probe = app.get(AdminProbe);
    probe.failures = 1;
    const flakyId = await app.get(PingSender).flaky('from the browser test');
    const pingId = await app.get(PingSender).ping('hello');

    await page.goto(`${await app.getUrl()}/ops/messaging/ui`);
    await page.waitForSelector('#message.warn');
    expect(await page.textContent('#message')).toMatch(/401/);
    await page.fill('#token', ADMIN_TOKEN);
    await page.dispatchEvent('#token', 'change');

    const row = page.locator(`#dead-letters tr[data-job-id="${flakyId}"]`);
    await row.waitFor({ timeout: 15000 });
    expect(await row.textContent()).toContain('flaky handler failed on purpose');
    await page.waitForSelector('[data-stat="dead letters"] b:text("1")');

    await page.fill('#pending-filter input[name=type]', 'no.such.Type');
    await page.click('#pending-filter button');
    await page.waitForSelector('#pending td:text("nothing pending")');

    await waitFor('the pong', async () => {
      const response = await fetch(`${await app.getUrl()}/ops/messaging/conversations/${pingId}`, {
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      });
      return (
        response.ok && ((await response.json()) as { messages: unknown[] }).messages.length === 2
      );
    });
    await page.fill('#conversation-form input[name=correlationId]', pingId);
    await page.click('#conversation-form button');
    await page.waitForSelector('#conversation td:text("admin.Pong")');
    expect(await page.locator('#conversation tbody tr').count()).toBe(2);

    // `SCREENSHOT=1` refreshes the README's picture; otherwise it goes to the temp directory.
    const shot = process.env.SCREENSHOT
      ? join(__dirname, '../../docs/dashboard.png')
      : join(tmpdir(), `${prefix}dashboard.png`);
    await page.screenshot({ path: shot, fullPage: true });

    await row.locator('button.retry').click();
    await waitFor('the retried message to be handled', () => probe.handledFlaky.includes(flakyId));
    await row.waitFor({ state: 'detached', timeout: 15000 });
    await page.waitForSelector('[data-stat="dead letters"] b:text("0")');
  });

  it('never has two refreshes in flight: slow answers, tab switches and clicks wait for the one running', async () => {
    const api = `${await app.getUrl()}/ops/messaging/`;
    let inFlight = 0;
    let most = 0;
    await page.route(
      (url) => url.href.startsWith(api) && !/\/(ui|dashboard\.(js|css))$/.test(url.pathname),
      async (route) => {
        most = Math.max(most, ++inFlight);
        await new Promise((resolve) => setTimeout(resolve, 2000));
        // Counted out before the answer can reach the page: a refresh it starts counts after.
        inFlight--;
        await route.continue();
      },
    );
    try {
      await page.reload();
      await page.fill('#token', ADMIN_TOKEN);
      await page.dispatchEvent('#token', 'change');
      for (let i = 0; i < 3; i++) {
        await page.evaluate("document.dispatchEvent(new Event('visibilitychange'))");
        await page.click('#refresh');
      }
      await new Promise((resolve) => setTimeout(resolve, 9000));
      // One refresh is six requests at once (three for the counts, the three lists); two would be
      // twelve.
      expect(most).toBeGreaterThan(0);
      expect(most).toBeLessThanOrEqual(6);
    } finally {
      await page.unrouteAll({ behavior: 'ignoreErrors' });
    }
  }, 60_000);

  it('shows markup in message types, ids and errors as text: nothing of it runs (XSS)', async () => {
    const markup = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>';
    await app.get(DataSource).query(
      sql(`INSERT INTO ${ident(`${prefix}dead_letters`)} (endpoint, message_id, message_type,
         envelope, envelope_bytes, error, attempts) VALUES ('admin', ?, ?, '{}', 2, ?, 1)`),
      [`id-${markup}`.slice(0, 191), markup, `failed: ${markup}`],
    );
    try {
      await page.reload();
      await page.fill('#token', ADMIN_TOKEN);
      await page.dispatchEvent('#token', 'change');
      const row = page.locator('#dead-letters tbody tr', { hasText: 'failed: <img' });
      await row.waitFor({ timeout: 15000 });
      expect(await row.textContent()).toContain(markup);
      expect(await page.locator('#dead-letters img').count()).toBe(0);
      expect(await page.evaluate('window.__xss')).toBeUndefined();
    } finally {
      await app.get(DataSource).query(`DELETE FROM ${ident(`${prefix}dead_letters`)}`);
    }
  });
});
