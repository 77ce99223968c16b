import { test, expect, Page, Browser } from '@playwright/test';
import * as fs from 'fs';
import { adminPassword, signIn } from './helpers';

// The traffic charts in the reader's language and the shop's zone, their
// legend and tap-to-read, and the export's percentages and columns.

const shopName = '鲜果时光 南京西路店';

// shopTraffic opens the shop's traffic report with the given query: the
// first time through the shops list and the shop's tab, as a person would,
// then straight to its address.
let trafficPath = '';
async function shopTraffic(page: Page, query: string) {
  if (!trafficPath) {
    await page.goto('/shops');
    await page.getByRole('link', { name: shopName }).click();
    await page.getByTestId('shop-tabs').getByRole('link', { name: /Traffic|客流/ }).click();
    await expect(page.getByTestId('traffic-report')).toBeVisible();
    trafficPath = new URL(page.url()).pathname;
  }
  await page.goto(trafficPath + '?' + query);
  await expect(page.getByTestId('traffic-chart')).toHaveAttribute('data-drawn', '1');
}

async function ticks(page: Page): Promise<string[]> {
  const t = await page.getByTestId('traffic-chart').getAttribute('data-ticks');
  return (t || '').split('|').filter((s) => s !== '');
}

const enDay = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun) \d{1,2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)$/;

test.describe('charts in Chinese', () => {
  test.use({ locale: 'zh-CN' });

  test('a month by day is labelled 12月5日 周六, the legend shows the latest numbers', async ({ page }) => {
    await signIn(page, 'admin', adminPassword);
    await shopTraffic(page, 'preset=last30&gran=day');
    const labels = await ticks(page);
    expect(labels.length).toBeGreaterThanOrEqual(3);
    for (const l of labels) {
      expect(l).toMatch(/^\d{1,2}月\d{1,2}日 周[一二三四五六日]$/);
      expect(l).not.toMatch(/\d+\/\d+/);
    }
    // Before any hover the legend reads the latest point, with numbers.
    await expect(page.getByTestId('legend-time')).toContainText('最新');
    await expect(page.getByTestId('legend-value').first()).toHaveText(/^\d[\d,]*$/);
    await expect(page.getByTestId('chart-zone')).toContainText('Asia/Shanghai');
    // The entry rate as a percentage; the Sunmi shop counts nobody leaving:
    // no such column, figure or CSV column.
    await expect(page.getByTestId('figure-entry_rate').locator('.figure-value')).toHaveText(/^\d+\.\d%$/);
    await expect(page.getByTestId('figure-left')).toHaveCount(0);
    await expect(page.getByTestId('traffic-table').locator('th', { hasText: '出店人次' })).toHaveCount(0);
  });
});

test.describe('charts in English', () => {
  test.use({ locale: 'en-US' });

  test('a day by hour, a month by day and a year by month fit their axes', async ({ page }) => {
    test.setTimeout(60_000); // three reports
    await signIn(page, 'admin', adminPassword);
    await shopTraffic(page, 'preset=yesterday&gran=hour');
    let labels = await ticks(page);
    expect(labels.length).toBeGreaterThanOrEqual(4);
    for (const l of labels) expect(l).toMatch(/^\d\d:00$/);
    await expect(page.getByTestId('legend-time')).toContainText('Latest');
    await expect(page.getByTestId('legend-time')).toContainText('23:00');

    await shopTraffic(page, 'preset=last30&gran=day');
    labels = await ticks(page);
    expect(labels.length).toBeGreaterThanOrEqual(3);
    for (const l of labels) expect(l).toMatch(enDay);
    await expect(page.getByTestId('legend-value').first()).toHaveText(/^\d[\d,]*$/);

    const today = new Date();
    const from = new Date(today.getTime() - 364 * 86400e3).toISOString().slice(0, 10);
    const to = new Date(today.getTime() - 86400e3).toISOString().slice(0, 10);
    await shopTraffic(page, `preset=custom&from=${from}&to=${to}&gran=month`);
    labels = await ticks(page);
    expect(labels.length).toBeGreaterThanOrEqual(4);
    for (const l of labels) expect(l).toMatch(/^(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)( \d{4})?$/);
  });

  test('the CSV writes the entry rate as a percentage and leaves out what is not counted', async ({ page }) => {
    await signIn(page, 'admin', adminPassword);
    await shopTraffic(page, 'preset=last7&gran=day');
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('traffic-export').click()]);
    const text = fs.readFileSync((await download.path())!, 'utf8');
    const lines = text.slice(1).trim().split(/\r?\n/).map((l) => l.split(','));
    const rate = lines[0].indexOf('Entry rate');
    expect(rate).toBeGreaterThan(0);
    expect(lines[0]).not.toContain('Left');
    const withData = lines.slice(1).filter((l) => l[rate] !== '');
    expect(withData.length).toBeGreaterThan(0);
    for (const l of withData) expect(l[rate]).toMatch(/^\d+\.\d%$/);
    // The page shows the same cell as the CSV.
    const pageRate = await page.getByTestId('traffic-row').last().locator('td').nth(rate).innerText();
    expect(pageRate).toBe(lines[lines.length - 1][rate]);
  });
});

async function touchPage(browser: Browser) {
  const context = await browser.newContext({ hasTouch: true, locale: 'en-US', viewport: { width: 390, height: 800 } });
  return { context, page: await context.newPage() };
}

test('a tap on the chart reads that point in the legend', async ({ browser }) => {
  const { context, page } = await touchPage(browser);
  try {
    await signIn(page, 'admin', adminPassword);
    await shopTraffic(page, 'preset=last7&gran=day');
    const time = page.getByTestId('legend-time');
    await expect(time).toContainText('Latest');
    const before = await time.innerText();
    const over = page.getByTestId('traffic-chart').locator('.u-over');
    await over.scrollIntoViewIfNeeded(); // a tap lands where the screen shows
    const box = (await over.boundingBox())!;
    await page.touchscreen.tap(box.x + 3, box.y + box.height / 2);
    // The first day is read: its label, no "Latest", and its numbers.
    await expect(page.getByTestId('traffic-chart')).toHaveAttribute('data-legend-idx', '0');
    await expect(time).not.toContainText('Latest');
    await expect(time).not.toHaveText(before);
    await expect(time).toHaveText(enDay);
    const first = (await page.getByTestId('traffic-row').first().locator('td').nth(1).innerText()).trim();
    await expect(page.getByTestId('legend-value').first()).toHaveText(first === '—' ? '—' : first);
  } finally {
    await context.close();
  }
});
