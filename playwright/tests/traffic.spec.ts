import { test, expect, Page } from '@playwright/test';
import * as fs from 'fs';
import { adminPassword, signIn } from './helpers';

test.use({ locale: 'en-US' });

const shopName = '鲜果时光 南京西路店';

async function openShopTraffic(page: Page) {
  await page.goto('/shops');
  await page.getByRole('link', { name: shopName }).click();
  await page.getByTestId('shop-tabs').getByRole('link', { name: /Traffic|客流/ }).click();
  await expect(page.getByTestId('traffic-report')).toBeVisible();
}

async function downloadCSV(page: Page, testId: string): Promise<{ name: string; text: string }> {
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId(testId).click()]);
  const path = await download.path();
  return { name: download.suggestedFilename(), text: fs.readFileSync(path!, 'utf8') };
}

test.describe.serial('a manager reads the traffic', () => {
  test('last 7 days by day: chart, table, CSV', async ({ page }) => {
    await signIn(page, 'admin', adminPassword);
    await openShopTraffic(page);
    await page.getByTestId('traffic-preset').selectOption('last7');
    await page.getByTestId('traffic-gran').selectOption('day');
    await page.getByTestId('traffic-show').click();
    await expect(page.getByTestId('traffic-range')).toContainText('(7 days)');
    // uPlot drew the chart: a canvas in the chart box.
    const chart = page.getByTestId('traffic-chart');
    await expect(chart).toHaveAttribute('data-drawn', '1');
    await expect(chart.locator('canvas').first()).toBeVisible();
    await expect(page.getByTestId('traffic-row')).toHaveCount(7);
    await expect(page.getByTestId('figure-entries').locator('.figure-value')).not.toHaveText('—');
    await expect(page.getByTestId('traffic-notes')).toContainText('Unique people are counted per day');

    // The chart as a picture: a PNG named like the CSV.
    const [png] = await Promise.all([page.waitForEvent('download'), page.getByTestId('traffic-export-chart').click()]);
    expect(png.suggestedFilename()).toMatch(/\.png$/);
    expect(png.suggestedFilename()).toContain(shopName);
    const pic = fs.readFileSync((await png.path())!);
    expect(pic.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect(pic.length).toBeGreaterThan(2000);

    const { name, text } = await downloadCSV(page, 'traffic-export');
    expect(name).toContain(shopName);
    expect(text.charCodeAt(0)).toBe(0xfeff); // byte-order mark for Excel
    const lines = text.slice(1).trim().split(/\r?\n/);
    expect(lines).toHaveLength(8);
    expect(lines[0].startsWith('Day,Entered,Entered with a face')).toBeTruthy();
    // The CSV's rows are the table's: same first day, numbers unformatted.
    const firstLabel = (await page.getByTestId('traffic-row').first().locator('td').first().innerText()).split(' ')[0];
    expect(lines[1].startsWith(firstLabel + ',')).toBeTruthy();
    const entries = (await page.getByTestId('traffic-row').first().locator('td').nth(1).innerText()).replace(/,/g, '');
    expect(lines[1].split(',')[1]).toBe(entries);
  });

  test('compares two shops and ranks them', async ({ page }) => {
    await signIn(page, 'admin', adminPassword);
    await page.getByRole('link', { name: 'Traffic' }).first().click();
    await page.getByTestId('traffic-tabs').getByRole('link', { name: 'Compare shops' }).click();
    const shops = page.getByTestId('compare-shops');
    await shops.getByLabel('鲜果时光 南京西路店').check();
    await shops.getByLabel('鲜果时光 徐家汇店').check();
    await page.getByTestId('traffic-show').click();
    await expect(page.getByTestId('compare-col')).toHaveCount(2);
    await expect(page.getByTestId('compare-chart')).toHaveAttribute('data-drawn', '1');
    await expect(page.getByTestId('ranking-row').first()).toBeVisible();
    expect(await page.getByTestId('ranking-row').count()).toBeGreaterThanOrEqual(4);
  });

  test('switches to Chinese and exports again', async ({ page }) => {
    await signIn(page, 'admin', adminPassword);
    await openShopTraffic(page);
    await page.getByTestId('lang-zh').click();
    await expect(page.getByTestId('traffic-show')).toHaveText('查看');
    const { text } = await downloadCSV(page, 'traffic-export');
    const header = text.slice(1).split(/\r?\n/)[0];
    expect(header.startsWith('日期,进店人次,有脸进店')).toBeTruthy();
  });
});
