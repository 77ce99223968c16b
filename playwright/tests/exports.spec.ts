import { test, expect, Page } from '@playwright/test';
import * as fs from 'fs';
import { adminPassword, astronautVariant, signIn } from './helpers';

// Exports (issue 17): the event history as CSV with the page's filters,
// and a face library's roster, downloaded as a browser does.
const shopName = '鲜果时光 徐家汇店';

function rand() {
  return `${Date.now() % 100000}${Math.floor(Math.random() * 1000)}`;
}

async function emit(page: Page, shop: string, kind: 'visitor' | 'vip', name: string) {
  const res = await page.request.post('/events/demo', {
    form: { shop, kind, name },
    headers: { 'X-Requested-With': 'fetch' },
  });
  expect(res.status()).toBe(204);
}

// download clicks the link and returns the file's bytes.
async function download(page: Page, testId: string): Promise<Buffer> {
  const [d] = await Promise.all([page.waitForEvent('download'), page.getByTestId(testId).click()]);
  expect(d.suggestedFilename()).toMatch(/\.csv$/);
  return fs.readFileSync((await d.path())!);
}

// parseCSV reads RFC 4180 records (quoted cells may hold commas, quotes
// and line breaks).
function parseCSV(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') {
        quoted = false;
      } else {
        cell += c;
      }
    } else if (c === '"') {
      quoted = true;
    } else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else {
      cell += c;
    }
  }
  if (cell !== '' || row.length > 0) {
    row.push(cell);
    rows.push(row);
  }
  return rows;
}

// records checks the byte-order mark and returns the records.
function records(file: Buffer): string[][] {
  expect([...file.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
  return parseCSV(file.subarray(3).toString('utf8'));
}

const eventHeader = {
  'en-US': ['Time', 'Time zone', 'Shop', 'Camera', 'Type', 'Person', 'Face ID', 'Group', 'Group type', 'Age', 'Gender', 'Visits', 'Detected', 'Alert', 'Event ID'],
  'zh-CN': ['时间', '时区', '门店', '摄像机', '类型', '人员', '人脸 ID', '分组', '分组类型', '年龄', '性别', '到访次数', '侦测内容', '提醒', '事件 ID'],
};

for (const locale of ['en-US', 'zh-CN'] as const) {
  test.describe(`history export (${locale})`, () => {
    test.use({ locale });

    test('filter by a group, Export CSV: the BOM, the header in the reader\'s language, only the filtered rows', async ({ page }) => {
      test.setTimeout(60_000); // two events through the demo cameras on a shared machine
      await signIn(page, 'admin', adminPassword);
      await page.goto('/events');
      await expect(page.getByTestId('live-state')).toHaveAttribute('data-state', 'live');
      const shop = await page.getByTestId('demo-shop').locator('option', { hasText: shopName }).getAttribute('value');
      expect(shop).toBeTruthy();
      const id = rand();
      const vip = `VIP${id}`;
      const visitor = `=HYPERLINK("x${id}")`;
      await emit(page, shop!, 'vip', vip);
      await emit(page, shop!, 'visitor', visitor);
      await expect(page.getByTestId('event-card').filter({ hasText: vip })).toBeVisible();
      await expect(page.getByTestId('event-card').filter({ hasText: `x${id}` })).toBeVisible();

      await page.getByTestId('events-history').click();
      await page.getByTestId('history-group').fill('VIP');
      await page.getByTestId('history-search').click();
      await expect(page).toHaveURL(/group=VIP/);
      await expect(page.getByTestId('history-export')).toHaveAttribute('href', /^\/events\/history\.csv\?.*group=VIP/);
      const recs = records(await download(page, 'history-export'));
      expect(recs[0]).toEqual(eventHeader[locale]);
      const rows = recs.slice(1);
      expect(rows.length).toBeGreaterThan(0);
      const person = eventHeader[locale].indexOf(locale === 'en-US' ? 'Person' : '人员');
      const group = eventHeader[locale].indexOf(locale === 'en-US' ? 'Group' : '分组');
      expect(rows.filter((r) => r[person] === vip)).toHaveLength(1);
      for (const r of rows) {
        expect(r[group].toLowerCase()).toBe('vip');
      }
      expect(rows.filter((r) => r[person].includes(`x${id}`))).toHaveLength(0);

      // Without the filter the visitor is there, its formula defused.
      await page.getByTestId('history-group').fill('');
      await page.getByTestId('history-person').fill(`x${id}`);
      await page.getByTestId('history-search').click();
      const all = records(await download(page, 'history-export'));
      expect(all.slice(1).map((r) => r[person])).toEqual([`'${visitor}`]);
    });
  });
}

test.describe('roster export', () => {
  test.use({ locale: 'en-US' });

  test('the roster of a library from its faces page: names, groups, consent; no photo', async ({ page }) => {
    test.setTimeout(60_000);
    await signIn(page, 'admin', adminPassword);
    await page.goto('/shops?q=' + encodeURIComponent(shopName));
    await page.getByRole('link', { name: shopName }).click();
    await page.getByTestId('shop-tabs').getByRole('link', { name: 'Faces' }).click();
    await expect(page.getByTestId('faces-overview')).toBeVisible();
    const person = `Roster ${rand()}`;
    await page.getByTestId('faces-enroll').click();
    await page.getByTestId('enroll-group').selectOption({ label: 'employee (Staff)' });
    await page.getByTestId('photo-input').setInputFiles(astronautVariant(77, 'roster.png'));
    await expect(page.getByTestId('photo-token')).toHaveValue(/^[0-9a-f]{64}$/);
    await page.getByTestId('enroll-name').fill(person);
    await page.getByTestId('consent-given').check();
    await page.getByTestId('enroll-submit').click();
    await expect(page.getByTestId('face-title')).toHaveText(person);

    await page.getByTestId('shop-tabs').getByRole('link', { name: 'Faces' }).click();
    const file = await download(page, 'faces-roster-export');
    const recs = records(file);
    expect(recs[0]).toEqual(['Name', 'Group', 'Group type', 'State', 'Enrolled', 'Enrolled on', 'Enrolled by',
      'Consent collected by', 'Consent given on', 'Consent purpose', 'Time zone']);
    const row = recs.find((r) => r[0] === person);
    expect(row).toBeTruthy();
    expect(row![2]).toBe('Staff');
    expect(row![9]).toBe('staff attendance');
    expect(row![8]).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+08:00$/);
    expect(file.toString('utf8')).not.toMatch(/[0-9a-f]{64}|\/photos\//);
  });
});
