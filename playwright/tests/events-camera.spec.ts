import { test, expect, Page } from '@playwright/test';
import { adminPassword, signIn } from './helpers';

test.use({ locale: 'en-US' });

// The demo's LAN camera (internal/demo: DemoLANSN) is one simulated camera:
// its device API, its message channel and its webhooks. A shop admin adds
// it to a shop of this test's own, then switches its event delivery on the
// shop's event settings; each time an event from that camera takes the
// chosen way (channel or webhook) to the live feed.
const lanSN = 'C201D8BS00188';
// The shop the camera is in: this test's own, or the one an earlier spec
// (devices.spec.ts) added it to when the whole suite runs.
let shop = `Events LAN e2e ${Date.now()}`;

function unique(prefix: string) {
  // Fixed width: a name is never the start of another (cards are found by
  // the text they contain).
  return `${prefix}-${String(Date.now() % 1000000).padStart(6, '0')}-${String(Math.floor(Math.random() * 1000)).padStart(3, '0')}`;
}

async function openShop(page: Page) {
  await page.goto('/shops?q=' + encodeURIComponent(shop));
  await page.getByRole('link', { name: shop }).click();
  await expect(page.getByTestId('shop-name')).toHaveText(shop);
}

// choose sets the camera's delivery on the shop's event settings and waits
// until its source says it is connected.
async function choose(page: Page, label: string, kind: string) {
  await openShop(page);
  await page.goto(page.url().replace(/\/?$/, '') + '/events/settings');
  const row = page.getByTestId('camera-delivery').locator(`tr[data-sn="${lanSN}"]`);
  await row.getByTestId('delivery-select').selectOption({ label });
  await row.getByTestId('delivery-save').click();
  await expect(page.getByTestId('flash')).toContainText('Saved.');
  await expect(page.getByTestId('camera-delivery').locator(`tr[data-sn="${lanSN}"] option:checked`)).toHaveText(label);
  // The source runs at once (no restart): wait for it to connect.
  await expect(async () => {
    await page.reload();
    const src = page.getByTestId('sources').locator('tr', { hasText: kind });
    await expect(src).toContainText('Connected', { timeout: 500 });
  }).toPass({ timeout: 15_000 });
}

// visitorFromTheCamera asks the demo for a named visitor at the shop's door
// (the LAN camera is its only camera) and waits for it on the live feed.
async function visitorFromTheCamera(page: Page) {
  await page.goto('/events');
  await expect(page.getByTestId('live-state')).toHaveAttribute('data-state', 'live');
  const name = unique('Visitor');
  await page.getByTestId('demo-shop').selectOption({ label: shop });
  await page.getByTestId('demo-name').fill(name);
  await page.getByTestId('demo-visitor').click();
  const card = page.getByTestId('event-card').filter({ hasText: name });
  await expect(card).toBeVisible({ timeout: 5_000 });
  await expect(card).toContainText(shop);
}

test('a shop admin switches the LAN camera between message channel and webhook; its events arrive each way', async ({ page }) => {
  test.setTimeout(120_000);
  await signIn(page, 'admin', adminPassword);
  await page.goto('/shops/new');
  await page.getByTestId('shop-form').locator('input[name=name]').fill(shop);
  await page.getByTestId('shop-save').click();
  await expect(page.getByTestId('shop-name')).toHaveText(shop);

  // Add and activate the camera (its certificate is pinned on adding).
  await page.getByTestId('shop-tabs').getByRole('link', { name: 'LAN cameras' }).click();
  await page.getByTestId('lan-discover').click();
  const found = page.getByTestId('lan-found-row').filter({ hasText: lanSN });
  await expect(found).toBeVisible({ timeout: 15_000 });
  if (await found.getByTestId('lan-add').count() > 0) {
    await found.getByTestId('lan-add').click();
    await expect(page.getByTestId('flash')).toContainText(`Camera ${lanSN} added`);
  } else {
    // Already in a shop ("Already in <shop>"): use that one.
    const inShop = found.getByRole('link').first();
    shop = (await inShop.textContent())!.trim().replace(/^Already in /, '');
    await inShop.click();
  }
  await expect(page.getByTestId('lan-sn')).toHaveText(lanSN);
  if (await page.getByTestId('lan-not-activated').count() > 0) {
    await page.getByTestId('lan-activate').click();
  }
  await expect(page.getByTestId('lan-activated')).toBeVisible();
  const cameraPage = page.url();

  // Off by default: the camera posts to nobody.
  await expect(page.getByTestId('hooks-none')).toBeVisible();

  await choose(page, 'Message channel', 'Sunmi camera, message channel');
  await visitorFromTheCamera(page);

  await choose(page, 'Webhook', 'Sunmi camera, webhook');
  // The camera's page lists our callback (hook/query).
  await page.goto(cameraPage);
  await expect(page.locator('li', { hasText: 'face_recog_event' })).toContainText('/hooks/sunmi-ipc');
  await visitorFromTheCamera(page);

  // And back to the channel: the subscription is deleted at the camera.
  await choose(page, 'Message channel', 'Sunmi camera, message channel');
  await page.goto(cameraPage);
  await expect(page.getByTestId('hooks-none')).toBeVisible();
  await visitorFromTheCamera(page);
});
