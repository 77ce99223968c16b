import { test, expect, Page, WebSocketRoute } from '@playwright/test';
import { adminPassword, signIn } from './helpers';

test.use({ locale: 'en-US' });

// The demo shops (internal/demo): 南京西路 delivers its camera events over
// the message channel, 徐家汇 by webhook, 西湖银泰 over the channel plus a
// SenseLink terminal. The demo controls make a demo camera produce an event
// now; it then takes the real way (camera simulator -> channel or webhook ->
// store -> hub -> this page).
const channelShop = '鲜果时光 南京西路店';
const webhookShop = '鲜果时光 徐家汇店';
const otherShop = '鲜果时光 西湖银泰店';

function unique(prefix: string) {
  // Fixed width: a name is never the start of another (cards are found by
  // the text they contain).
  return `${prefix}-${String(Date.now() % 1000000).padStart(6, '0')}-${String(Math.floor(Math.random() * 1000)).padStart(3, '0')}`;
}

async function openFeed(page: Page) {
  await page.goto('/events');
  await expect(page.getByTestId('live-state')).toHaveAttribute('data-state', 'live');
}

// demoShopValue is the id of a demo shop in the demo controls.
async function demoShopValue(page: Page, name: string) {
  const v = await page.getByTestId('demo-shop').locator('option', { hasText: name }).getAttribute('value');
  expect(v).toBeTruthy();
  return v!;
}

// emit asks the demo cameras for an event from outside the page (as if the
// event simply happened), through the page's session.
async function emit(page: Page, shop: string, kind: 'visitor' | 'vip' | 'motion', name = '') {
  const res = await page.request.post('/events/demo', {
    form: { shop, kind, name },
    headers: { 'X-Requested-With': 'fetch' },
  });
  expect(res.status()).toBe(204);
}

function card(page: Page, name: string) {
  return page.getByTestId('event-card').filter({ hasText: name });
}

test('a camera event appears on the live feed within a second, by channel and by webhook', async ({ page }) => {
  await signIn(page, 'admin', adminPassword);
  await openFeed(page);
  for (const shop of [channelShop, webhookShop]) {
    const name = unique('Visitor');
    await page.getByTestId('demo-shop').selectOption({ label: shop });
    await page.getByTestId('demo-name').fill(name);
    const started = Date.now();
    await page.getByTestId('demo-visitor').click();
    await expect(card(page, name)).toBeVisible({ timeout: 1000 });
    const took = Date.now() - started;
    expect(took).toBeLessThan(1000);
    await expect(card(page, name)).toContainText(shop);
    await expect(card(page, name).getByTestId('event-camera')).toHaveText('正门入口');
    // The picture is fetched from the camera once and then served by us.
    const img = card(page, name).locator('.event-pic img');
    await expect(img).toHaveAttribute('src', /^\/events\/\d+\/picture$/, { timeout: 5000 });
    await expect.poll(() => img.evaluate((el: HTMLImageElement) => el.naturalWidth), { timeout: 5000 }).toBeGreaterThan(0);
  }
});

test('after a dropped connection the missed events arrive, none twice', async ({ page }) => {
  await signIn(page, 'admin', adminPassword);
  let allow = true;
  let current: WebSocketRoute | null = null;
  await page.routeWebSocket(/\/events\/live/, ws => {
    if (!allow) {
      ws.close();
      return;
    }
    ws.connectToServer();
    current = ws;
  });
  await openFeed(page);
  const shop = await demoShopValue(page, channelShop);

  // The network goes: the feed says so and tries again.
  allow = false;
  await current!.close();
  await expect(page.getByTestId('live-state')).toHaveAttribute('data-state', /reconnecting|connecting/);
  const names = [unique('Missed'), unique('Missed'), unique('Missed')];
  for (const n of names) {
    await emit(page, shop, 'visitor', n);
  }
  // They are stored, but this page cannot hear of them yet.
  await page.waitForTimeout(1500);
  for (const n of names) {
    await expect(card(page, n)).toHaveCount(0);
  }
  allow = true;
  await expect(page.getByTestId('live-state')).toHaveAttribute('data-state', 'live', { timeout: 15000 });
  for (const n of names) {
    await expect(card(page, n)).toHaveCount(1);
  }
  // No card twice, anywhere in the feed.
  const ids = await page.getByTestId('event-card').evaluateAll(els => els.map(e => e.getAttribute('data-event-id')));
  expect(new Set(ids).size).toBe(ids.length);
  // And newer first.
  const nums = ids.map(Number);
  expect([...nums].sort((a, b) => b - a)).toEqual(nums);
});

test("a manager of one shop never sees another shop's events", async ({ browser }) => {
  const admin = await (await browser.newContext({ locale: 'en-US' })).newPage();
  await signIn(admin, 'admin', adminPassword);
  const username = `evmgr${Date.now() % 100000}`;
  await admin.goto('/users/new');
  const form = admin.getByTestId('user-form');
  await form.locator('input[name=username]').fill(username);
  await form.locator('input[name=password]').fill('manager-e2e-pass');
  await admin.getByTestId('user-role').selectOption('manager');
  await admin.getByTestId('user-shops').getByLabel(webhookShop).check();
  await admin.getByTestId('user-save').click();
  await expect(admin.getByTestId('flash')).toContainText(username);
  await openFeed(admin);
  const mine = await demoShopValue(admin, webhookShop);
  const theirs = await demoShopValue(admin, otherShop);

  const page = await (await browser.newContext({ locale: 'en-US' })).newPage();
  await signIn(page, username, 'manager-e2e-pass');
  await openFeed(page);
  await expect(page.getByTestId('demo-controls')).toHaveCount(0); // admins only
  const secret = unique('OtherShop');
  const visible = unique('MyShop');
  await emit(admin, theirs, 'visitor', secret);
  await expect(card(admin, secret)).toBeVisible();
  await emit(admin, mine, 'visitor', visible);
  await expect(card(page, visible)).toBeVisible();
  await expect(card(page, secret)).toHaveCount(0);
  await expect(page.locator('body')).not.toContainText(otherShop);
  // Nor through the history, nor by asking for that shop's socket.
  await page.goto('/events/history?person=' + encodeURIComponent(secret));
  await expect(page.getByTestId('history-empty')).toBeVisible();
  const res = await page.request.get(`/events/live?shop=${theirs}`);
  expect(res.status()).toBe(404);
});

test('a VIP raises a visible and audible alert and a desktop notification', async ({ browser }) => {
  const context = await browser.newContext({ locale: 'en-US' });
  // Record desktop notifications instead of showing them.
  await context.addInitScript(() => {
    (window as any).__notifications = [];
    class FakeNotification {
      static permission = 'granted';
      static requestPermission() { return Promise.resolve('granted'); }
      constructor(_title: string, opts: { body: string }) { (window as any).__notifications.push(opts.body); }
    }
    (window as any).Notification = FakeNotification;
  });
  const page = await context.newPage();
  await signIn(page, 'admin', adminPassword);
  await openFeed(page);
  await expect(page.getByTestId('alert-notify')).toHaveText('Desktop notifications on');
  await page.getByTestId('alert-sound').click();
  await expect(page.getByTestId('alert-sound')).toHaveAttribute('aria-pressed', 'true');
  const beepsBefore = Number(await page.locator('body').getAttribute('data-alert-beeps') || '0');

  const vip = unique('VIP');
  await page.getByTestId('demo-shop').selectOption({ label: channelShop });
  await page.getByTestId('demo-name').fill(vip);
  await page.getByTestId('demo-vip').click();
  await expect(card(page, vip)).toBeVisible({ timeout: 1000 });
  await expect(card(page, vip).getByTestId('event-alert-badge')).toBeVisible();
  const banner = page.getByTestId('event-alert');
  await expect(banner).toBeVisible();
  await expect(banner).toContainText(vip);
  await expect(banner).toContainText('正门入口');
  await expect.poll(async () => Number(await page.locator('body').getAttribute('data-alert-beeps') || '0')).toBeGreaterThan(beepsBefore);
  await expect.poll(() => page.evaluate(() => (window as any).__notifications.join('|'))).toContain(vip);

  // An ordinary visitor raises none.
  await page.getByTestId('event-alert').getByRole('button').click();
  const regular = unique('Regular');
  await emit(page, await demoShopValue(page, channelShop), 'visitor', regular);
  await expect(card(page, regular)).toBeVisible();
  await expect(card(page, regular).getByTestId('event-alert-badge')).toHaveCount(0);
  await expect(banner).toBeHidden();
  await context.close();
});

test('the top bar counts new events on other pages, and the history finds them', async ({ page }) => {
  await signIn(page, 'admin', adminPassword);
  await openFeed(page); // everything so far is seen
  const shop = await demoShopValue(page, webhookShop);
  await page.goto('/shops');
  const badge = page.getByTestId('events-badge');
  const name = unique('Badge');
  await emit(page, shop, 'visitor', name);
  await expect(badge).toBeVisible();
  await expect(badge).toHaveText(/^[1-9]\d*\+?$/);
  await badge.click();
  await expect(page).toHaveURL(/\/events$/);
  await expect(card(page, name)).toBeVisible();
  await expect(page.getByTestId('events-badge')).toBeHidden();

  await page.getByTestId('events-history').click();
  await page.getByTestId('history-person').fill(name);
  await page.getByTestId('history-search').click();
  await expect(page.getByTestId('event-card')).toHaveCount(1);
  await expect(card(page, name)).toContainText(webhookShop);
  // A date the browser did not check is refused with the reason, the
  // search kept.
  await page.goto('/events/history?from=31%2F12%2F2025&person=' + encodeURIComponent(name));
  await expect(page.getByTestId('form-error')).toHaveText('Enter dates as YYYY-MM-DD.');
  await expect(page.getByTestId('history-person')).toHaveValue(name);
});
