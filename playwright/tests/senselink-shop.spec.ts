import { test, expect } from '@playwright/test';
import { adminPassword, signIn, english } from './helpers';

// Chain mode (issue 15): a SenseLink server inside a shop is reached
// through that shop's on-site connector. The admin says so on the
// account's form; a bad field keeps the choice; the list shows it.
test.use(english);

test('a SenseLink account inside a shop keeps its shop', async ({ page }) => {
  await signIn(page, 'admin', adminPassword);
  await page.goto('/settings/vendors');
  await page.getByTestId('vendor-new-senselink').click();
  const form = page.getByTestId('vendor-form');
  const via = form.getByTestId('vendor-via-shop');
  await expect(via.locator('option')).not.toHaveCount(1); // the shops are offered
  const name = `SenseLink in shop ${Date.now()}`;
  await form.locator('input[name=name]').fill(name);
  await form.locator('input[name=base_url]').fill('ftp://192.168.10.20');
  await form.locator('input[name=app_id]').fill('slshop01');
  await form.locator('input[name=secret]').fill('sl-secret');
  const second = await via.locator('option').nth(1).getAttribute('value');
  const shopLabel = (await via.locator('option').nth(1).innerText()).trim();
  await via.selectOption(second!);
  await page.getByTestId('vendor-save').click();
  // The bad URL is explained; the shop chosen is kept.
  await expect(page.getByTestId('error-base_url')).toBeVisible();
  await expect(form.getByTestId('vendor-via-shop')).toHaveValue(second!);
  await form.locator('input[name=base_url]').fill('http://192.168.10.20');
  await form.locator('input[name=secret]').fill('sl-secret');
  await page.getByTestId('vendor-save').click();
  await expect(page.getByTestId('flash')).toContainText(name);
  const row = page.getByTestId('vendor-row').filter({ hasText: name });
  await expect(row.getByTestId('vendor-via-shop-shown')).toHaveText(shopLabel);
});
