import { test, expect, Page } from '@playwright/test';
import * as fs from 'fs';
import { adminPassword, signIn } from './helpers';

// The audit log in sentences, filtered, exported (issue 14).
test.use({ locale: 'en-US' });

async function addManager(page: Page, username: string, displayName: string) {
  await page.goto('/users/new');
  const form = page.getByTestId('user-form');
  await form.locator('input[name=username]').fill(username);
  await form.locator('input[name=display_name]').fill(displayName);
  await form.locator('input[name=password]').fill('manager-e2e-pass');
  await page.getByTestId('user-role').selectOption('manager');
  await page.getByTestId('user-save').click();
  await expect(page.getByTestId('flash')).toContainText(username);
}

test('the audit log tells what happened in sentences, filters it and exports it', async ({ page }) => {
  await signIn(page, 'admin', adminPassword);
  const username = `aud${Date.now() % 100000}`;
  await addManager(page, username, 'Li Wei');

  // Through the menu: Reports › Audit log.
  await page.locator('nav.nav-wide').getByRole('group', { name: 'Reports' }).getByRole('link', { name: 'Audit log' }).click();
  await expect(page.getByTestId('audit-table')).toBeVisible();
  // The demo's admin is called "Administrator" (its display name).
  await expect(page.getByTestId('audit-sentence').first()).toHaveText('Administrator added the user Li Wei as Store manager');
  await expect(page.getByTestId('audit-sentence').filter({ hasText: 'Administrator signed in' }).first()).toBeVisible();
  // No raw keys in what people read.
  await expect(page.getByTestId('audit-table')).not.toContainText('user.create');
  await expect(page.getByTestId('audit-table')).not.toContainText('auth.login');

  // Filter: person, kind and today's date.
  const today = await page.evaluate(() => {
    const d = new Date(new Date().toLocaleString('en-US', { timeZone: 'Asia/Shanghai' }));
    return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
  });
  await page.getByTestId('audit-person').selectOption('admin');
  await page.getByTestId('audit-kind').selectOption({ label: 'New user' });
  await page.getByTestId('audit-from').fill(today);
  await page.getByTestId('audit-to').fill(today);
  await page.getByTestId('audit-apply').click();
  await expect(page).toHaveURL(/kind=user\.create/);
  const rows = page.getByTestId('audit-row');
  await expect(rows.filter({ hasText: 'Li Wei' })).toHaveCount(1);
  for (const s of await page.getByTestId('audit-sentence').allTextContents()) {
    expect(s).toMatch(/^Administrator added the user /);
  }
  // A reversed range is refused in words.
  await page.getByTestId('audit-from').fill('2026-02-02');
  await page.getByTestId('audit-to').fill('2026-02-01');
  await page.getByTestId('audit-apply').click();
  await expect(page.getByTestId('form-error')).toContainText('YYYY-MM-DD');
  await page.getByTestId('audit-from').fill(today);
  await page.getByTestId('audit-to').fill(today);
  await page.getByTestId('audit-apply').click();

  // The export: the same filter, the same sentences, UTF-8 with a BOM.
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('audit-export').click()]);
  const text = fs.readFileSync((await download.path())!, 'utf8');
  expect(text.charCodeAt(0)).toBe(0xfeff);
  const lines = text.slice(1).trim().split('\r\n');
  expect(lines[0]).toBe('Time,Person,Kind,What happened,Detail,Address');
  expect(lines.some((l) => l.includes(',admin,New user,Administrator added the user Li Wei as Store manager,'))).toBe(true);
  expect(lines.every((l, i) => i === 0 || l.includes(',New user,'))).toBe(true);

  // In Chinese.
  await page.getByTestId('lang-zh').click();
  await expect(page.getByTestId('audit-sentence').filter({ hasText: 'Li Wei' }).first()).toHaveText('Administrator 新建了用户 Li Wei（店长）');
});

test('the audit log pages to older entries', async ({ page }) => {
  test.setTimeout(60_000); // up to 60 quick saves on a loaded machine
  await signIn(page, 'admin', adminPassword);
  // Over a page of entries: the event retention saved, unchanged, until
  // there are (each save is one entry).
  await page.goto('/settings/events');
  const days = await page.locator('input[name=days]').inputValue();
  for (let i = 0; i < 6; i++) {
    await page.goto('/audit');
    if (await page.getByTestId('audit-older').count()) break;
    for (let j = 0; j < 10; j++) {
      expect((await page.request.post('/settings/events', { form: { days }, maxRedirects: 0 })).status()).toBe(303);
    }
  }
  await expect(page.getByTestId('audit-row')).toHaveCount(50);
  const first = await page.getByTestId('audit-row').first().textContent();
  await page.getByTestId('audit-older').click();
  await expect(page).toHaveURL(/before=\d+/);
  await expect(page.getByTestId('audit-row').first()).not.toHaveText(first!);
  await page.getByTestId('audit-newest').click();
  await expect(page.getByTestId('audit-row').first()).toHaveText(first!);
});
