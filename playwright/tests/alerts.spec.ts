import { test, expect, Page } from '@playwright/test';
import { adminPassword, signIn } from './helpers';

test.use({ locale: 'en-US' });

// Alerts where store managers are (issue 17): the demo runs simulated
// WeCom and DingTalk groups on loopback; /alerts/demo lists each group's
// webhook and what it received.
const shop = '鲜果时光 南京西路店';
const spare = '备用钉钉群（未配置）';

function group(page: Page, name: string) {
  return page.getByTestId('demo-group').filter({ has: page.getByRole('heading', { name }) });
}

async function shopId(page: Page, name: string) {
  await page.goto('/shops');
  const href = await page.getByRole('link', { name, exact: true }).first().getAttribute('href');
  expect(href).toMatch(/^\/shops\/\d+$/);
  return href!.split('/')[2];
}

test('configure a DingTalk channel at the demo simulator, Send test, see it in the delivery log', async ({ page }) => {
  await signIn(page, 'admin', adminPassword);
  await page.goto('/alerts/demo');
  const g = group(page, spare);
  const webhook = (await g.getByTestId('demo-webhook').textContent())!.trim();
  const secret = (await g.getByTestId('demo-secret').textContent())!.trim();
  expect(webhook).toContain('access_token=');

  const id = await shopId(page, shop);
  await page.goto(`/shops/${id}/alerts`);
  const form = page.getByTestId('alert-channel-form');
  await form.getByTestId('alert-kind').selectOption('dingtalk');
  await form.locator('input[name=name]').fill('Spare group e2e');
  // A wrong address first: refused in words, the form kept.
  await form.locator('input[name=webhook]').fill(webhook.replace(/\?.*$/, ''));
  await form.locator('input[name=secret]').fill(secret);
  await form.getByTestId('alert-save').click();
  await expect(page.getByTestId('error-webhook')).toContainText('access_token');
  await expect(form.locator('input[name=name]')).toHaveValue('Spare group e2e');
  await form.locator('input[name=webhook]').fill(webhook);
  await form.locator('input[name=secret]').fill(secret);
  await form.getByTestId('alert-save').click();
  await expect(page.getByTestId('alert-channel-page')).toBeVisible();

  await page.getByTestId('alert-send-test').click();
  await expect(page.getByTestId('alerts-test-result')).toContainText('Test message sent');
  await expect(page.getByTestId('alert-log-row').first()).toHaveAttribute('data-outcome', 'sent');
  await expect(page.getByTestId('alert-log-row').first()).toContainText('StoreLens test message');

  await page.goto('/alerts/demo');
  await expect(group(page, spare).getByTestId('demo-message').last()).toContainText('Spare group e2e');
});

test('a demo VIP arrives in the simulated WeCom and DingTalk groups', async ({ page }) => {
  await signIn(page, 'admin', adminPassword);
  const id = await shopId(page, shop);
  const name = `VIP-e2e-${Date.now() % 1000000}`;
  const res = await page.request.post('/events/demo', {
    form: { shop: id, kind: 'vip', name },
    headers: { 'X-Requested-With': 'fetch' },
  });
  expect(res.status()).toBe(204);
  await expect(async () => {
    await page.goto('/alerts/demo');
    await expect(group(page, '演示钉钉群').getByTestId('demo-message').filter({ hasText: name })).toHaveCount(1, { timeout: 500 });
    await expect(group(page, '演示企业微信群').getByTestId('demo-message').filter({ hasText: name })).toHaveCount(1, { timeout: 500 });
  }).toPass({ timeout: 15_000 });
  const ding = group(page, '演示钉钉群').getByTestId('demo-message').filter({ hasText: name });
  await expect(ding).toContainText(shop);
  await expect(ding).toContainText('VIP');
});
