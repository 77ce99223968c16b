import { test, expect } from '@playwright/test';
import { adminPassword, signIn } from './helpers';

// The grouped menu, the current page marked, at desktop and phone size;
// the error page's reference (issue 14).
test.use({ locale: 'en-US' });

test('an admin sees the menu in groups with the current page marked', async ({ page }) => {
  await signIn(page, 'admin', adminPassword);
  const nav = page.locator('nav.nav-wide');
  for (const g of ['People', 'Devices', 'Reports', 'Settings']) {
    await expect(nav.getByRole('group', { name: g })).toBeVisible();
  }
  await expect(nav.getByRole('group', { name: 'Settings' }).getByRole('link', { name: 'Vendor accounts' })).toBeVisible();
  await nav.getByRole('group', { name: 'Reports' }).getByRole('link', { name: 'Traffic', exact: true }).click();
  const current = nav.locator('a[aria-current="page"]');
  await expect(current).toHaveCount(1);
  await expect(current).toHaveText('Traffic');
  // Marked visibly, not only for screen readers.
  const marked = await current.evaluate((a) => getComputedStyle(a).boxShadow);
  const plain = await nav.getByRole('link', { name: 'Events' }).evaluate((a) => getComputedStyle(a).boxShadow);
  expect(marked).not.toBe(plain);
  await expect(nav.locator('.nav-group.current')).toHaveAttribute('aria-label', 'Reports');
});

test('a manager sees only what they may use', async ({ browser }) => {
  const admin = await (await browser.newContext({ locale: 'en-US' })).newPage();
  await signIn(admin, 'admin', adminPassword);
  const username = `menu${Date.now() % 100000}`;
  await admin.goto('/users/new');
  const form = admin.getByTestId('user-form');
  await form.locator('input[name=username]').fill(username);
  await form.locator('input[name=password]').fill('manager-e2e-pass');
  await admin.getByTestId('user-role').selectOption('manager');
  await admin.getByTestId('user-shops').getByLabel('鲜果时光 徐家汇店').check();
  await admin.getByTestId('user-save').click();
  await expect(admin.getByTestId('flash')).toContainText(username);

  const page = await (await browser.newContext({ locale: 'en-US' })).newPage();
  await signIn(page, username, 'manager-e2e-pass');
  const nav = page.locator('nav.nav-wide');
  await expect(nav.getByRole('group', { name: 'Reports' }).getByRole('link')).toHaveText(['Events', 'Traffic']);
  for (const g of ['People', 'Devices', 'Settings']) {
    await expect(nav.getByRole('group', { name: g })).toHaveCount(0);
  }
  await nav.getByRole('link', { name: 'Shops' }).click();
  await expect(nav.locator('a[aria-current="page"]')).toHaveText('Shops');
});

test('at 375 px the menu folds and opens in groups', async ({ browser }) => {
  const context = await browser.newContext({ locale: 'en-US', viewport: { width: 375, height: 667 }, isMobile: true, hasTouch: true });
  const page = await context.newPage();
  await signIn(page, 'admin', adminPassword);
  await expect(page.locator('nav.nav-wide')).toBeHidden();
  const menu = page.locator('.menu nav');
  await expect(menu).toBeHidden();
  await page.locator('.menu summary').click();
  await expect(menu.getByRole('group', { name: 'Reports' })).toBeVisible();
  await menu.getByRole('group', { name: 'Reports' }).getByRole('link', { name: 'Audit log' }).click();
  await expect(page.getByTestId('audit-filter')).toBeVisible();
  await page.locator('.menu summary').click();
  await expect(menu.locator('a[aria-current="page"]')).toHaveText('Audit log');
  // The open menu fits the screen.
  const box = await menu.boundingBox();
  expect(box!.x).toBeGreaterThanOrEqual(0);
  expect(box!.x + box!.width).toBeLessThanOrEqual(375);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(0);
  await context.close();
});

test('an error page shows the reference its response carries', async ({ page }) => {
  await signIn(page, 'admin', adminPassword);
  const res = await page.goto('/shops/999999');
  expect(res?.status()).toBe(404);
  const id = res!.headers()['x-request-id'];
  expect(id).toMatch(/^[0-9a-f]{16}$/);
  await expect(page.getByTestId('error-reference')).toHaveText(`Reference: ${id}`);
});
