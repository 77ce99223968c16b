import { test, expect, Page } from '@playwright/test';
import { adminPassword, signIn } from './helpers';

test.use({ locale: 'en-US' });

// Alert rules (issue 17, rules): a shop admin chooses, per shop, what is
// sent to which channel and when (quiet hours in shop time). The demo's
// shops have an offline rule to the demo groups, so the demo camera that is
// offline in the demo cloud (后门) shows up on /alerts/demo.
const shop = '鲜果时光 徐家汇店';

async function shopId(page: Page, name: string) {
  await page.goto('/shops');
  const href = await page.getByRole('link', { name, exact: true }).first().getAttribute('href');
  expect(href).toMatch(/^\/shops\/\d+$/);
  return href!.split('/')[2];
}

test('a shop admin enables the offline rule with a channel and quiet hours; bad input is refused in the page', async ({ page }) => {
  await signIn(page, 'admin', adminPassword);
  const id = await shopId(page, shop);
  await page.goto(`/shops/${id}/alerts`);
  await page.getByTestId('alert-rules-link').click();
  await expect(page).toHaveURL(new RegExp(`/shops/${id}/alerts/rules$`));
  const offline = page.getByTestId('rule-offline');
  await expect(offline).toBeVisible();

  // Bad input first: minutes 0 and 25:00, shown in the page, the form kept.
  await offline.getByTestId('rule-offline-enabled').check();
  await offline.getByLabel('演示钉钉群').check();
  await offline.getByTestId('rule-offline-minutes').fill('0');
  await offline.getByTestId('rule-offline-quiet-from').fill('25:00');
  await offline.getByTestId('rule-offline-quiet-to').fill('08:00');
  await page.getByTestId('alert-rules-save').click();
  await expect(page.getByTestId('alert-rules-error')).toBeVisible();
  await expect(page.getByTestId('error-offline_minutes')).toContainText('1 to 1440');
  await expect(page.getByTestId('error-offline_quiet_from')).toContainText('HH:MM');
  await expect(offline.getByTestId('rule-offline-minutes')).toHaveValue('0');
  await expect(offline.getByTestId('rule-offline-quiet-from')).toHaveValue('25:00');
  await expect(offline.getByTestId('rule-offline-quiet-to')).toHaveValue('08:00');
  await expect(offline.getByTestId('rule-offline-enabled')).toBeChecked();
  await expect(offline.getByLabel('演示钉钉群')).toBeChecked();

  // Corrected: saved and kept.
  await offline.getByTestId('rule-offline-minutes').fill('15');
  await offline.getByTestId('rule-offline-quiet-from').fill('22:00');
  await page.getByTestId('alert-rules-save').click();
  await expect(page.getByTestId('flash')).toContainText('Saved');
  await page.reload();
  const kept = page.getByTestId('rule-offline');
  await expect(kept.getByTestId('rule-offline-enabled')).toBeChecked();
  await expect(kept.getByLabel('演示钉钉群')).toBeChecked();
  await expect(kept.getByTestId('rule-offline-minutes')).toHaveValue('15');
  await expect(kept.getByTestId('rule-offline-quiet-from')).toHaveValue('22:00');
  await expect(kept.getByTestId('rule-offline-quiet-to')).toHaveValue('08:00');
});

test('the demo camera that is offline makes a message in the demo groups', async ({ page }) => {
  await signIn(page, 'admin', adminPassword);
  await expect(async () => {
    await page.goto('/alerts/demo');
    await expect(page.getByTestId('demo-message').filter({ hasText: '摄像头离线' }).first()).toBeVisible({ timeout: 500 });
  }).toPass({ timeout: 45_000 });
});
