import { test, expect, Page } from '@playwright/test';
import { adminPassword, signIn } from './helpers';

test.use({ locale: 'en-US' });

// The Feishu and e-mail channels (issue 17): the demo runs a signed Feishu
// bot and a loopback SMTP server (STARTTLS, AUTH PLAIN); /alerts/demo shows
// their addresses and what each received.
const shop = '鲜果时光 南京西路店';

function group(page: Page, name: string) {
  return page.getByTestId('demo-group').filter({ has: page.getByRole('heading', { name }) });
}

async function shopId(page: Page, name: string) {
  await page.goto('/shops');
  const href = await page.getByRole('link', { name, exact: true }).first().getAttribute('href');
  expect(href).toMatch(/^\/shops\/\d+$/);
  return href!.split('/')[2];
}

test('add a Feishu channel at the demo bot, Send test, see it in the delivery log and the group', async ({ page }) => {
  await signIn(page, 'admin', adminPassword);
  await page.goto('/alerts/demo');
  const g = group(page, '演示飞书群');
  const webhook = (await g.getByTestId('demo-webhook').textContent())!.trim();
  const secret = (await g.getByTestId('demo-secret').textContent())!.trim();
  expect(webhook).toContain('/open-apis/bot/v2/hook/');

  const id = await shopId(page, shop);
  await page.goto(`/shops/${id}/alerts`);
  const form = page.getByTestId('alert-channel-form');
  await form.getByTestId('alert-kind').selectOption('feishu');
  await form.locator('input[name=name]').fill('Feishu e2e');
  await form.locator('input[name=webhook]').fill(webhook);
  await form.locator('input[name=secret]').fill(secret);
  await form.getByTestId('alert-save').click();
  await expect(page.getByTestId('alert-channel-page')).toBeVisible();
  await expect(page.getByTestId('alert-channel-page')).not.toContainText(secret);

  await page.getByTestId('alert-send-test').click();
  await expect(page.getByTestId('alerts-test-result')).toContainText('Test message sent');
  await expect(page.getByTestId('alert-log-row').first()).toHaveAttribute('data-outcome', 'sent');

  await page.goto('/alerts/demo');
  await expect(group(page, '演示飞书群').getByTestId('demo-message').last()).toContainText('Feishu e2e');
});

test('subscribe an e-mail address at the demo mail server: a bad address keeps the form, Send test delivers', async ({ page }) => {
  await signIn(page, 'admin', adminPassword);
  await page.goto('/alerts/demo');
  const mail = group(page, '演示邮件服务器');
  const server = (await mail.getByTestId('demo-smtp-server').textContent())!.trim(); // 127.0.0.1:port (STARTTLS)
  const account = (await mail.getByTestId('demo-smtp-account').textContent())!.trim(); // user / password
  const [, host, port] = server.match(/^([\d.]+):(\d+)/)!;
  const [user, password] = account.split(' / ');
  const to = `e2e-${Date.now() % 1000000}@storelens.demo`;

  const id = await shopId(page, shop);
  await page.goto(`/shops/${id}/alerts`);
  const form = page.getByTestId('alert-channel-form');
  await form.getByTestId('alert-kind').selectOption('email');
  await form.locator('input[name=name]').fill('Mailbox e2e');
  await form.locator('input[name=email_host]').fill(host);
  await form.locator('input[name=email_port]').fill(port);
  await form.getByTestId('alert-email-tls').selectOption('starttls');
  await form.locator('input[name=email_username]').fill(user);
  await form.locator('input[name=email_password]').fill(password);
  await form.locator('input[name=email_from]').fill(`StoreLens <${user}>`);
  // A bad address first: named in the form, what was typed kept.
  await form.getByTestId('alert-email-to').fill(`${to}, e2e-bad@`);
  await form.getByTestId('alert-save').click();
  await expect(page.getByTestId('error-email_to')).toContainText('Not an e-mail address: e2e-bad@');
  await expect(form.locator('input[name=name]')).toHaveValue('Mailbox e2e');
  await expect(form.locator('input[name=email_host]')).toHaveValue(host);
  await expect(form.getByTestId('alert-email-to')).toHaveValue(`${to}, e2e-bad@`);
  await expect(form.getByTestId('alert-kind')).toHaveValue('email');

  await form.getByTestId('alert-email-to').fill(to);
  await form.locator('input[name=email_password]').fill(password);
  await form.getByTestId('alert-save').click();
  await expect(page.getByTestId('alert-channel-page')).toBeVisible();
  await expect(page.getByTestId('alert-channel-page')).toContainText(to);

  await page.getByTestId('alert-send-test').click();
  await expect(page.getByTestId('alerts-test-result')).toContainText('Test message sent');
  await expect(page.getByTestId('alert-log-row').first()).toHaveAttribute('data-outcome', 'sent');

  await page.goto('/alerts/demo');
  const got = group(page, '演示邮件服务器').getByTestId('demo-message').filter({ hasText: to });
  await expect(got).toHaveCount(1);
  await expect(got).toContainText('Mailbox e2e');
});

test('a demo VIP arrives in the simulated Feishu group and the demo mailbox', async ({ page }) => {
  await signIn(page, 'admin', adminPassword);
  const id = await shopId(page, shop);
  const name = `VIP-mail-e2e-${Date.now() % 1000000}`;
  const res = await page.request.post('/events/demo', {
    form: { shop: id, kind: 'vip', name },
    headers: { 'X-Requested-With': 'fetch' },
  });
  expect(res.status()).toBe(204);
  // The chain-wide channels' messages: one in the Feishu group (a shop
  // channel added above may add its own), one to the demo's manager address.
  const toManager = () => group(page, '演示邮件服务器').getByTestId('demo-message').filter({ hasText: name }).filter({ hasText: 'manager@storelens.demo' });
  await expect(async () => {
    await page.goto('/alerts/demo');
    await expect(group(page, '演示飞书群').getByTestId('demo-message').filter({ hasText: name }).first()).toBeVisible({ timeout: 500 });
    await expect(toManager()).toHaveCount(1, { timeout: 500 });
  }).toPass({ timeout: 15_000 });
  await expect(toManager()).toContainText(shop);
});
