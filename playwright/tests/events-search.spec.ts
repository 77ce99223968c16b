import { test, expect, Page } from '@playwright/test';
import { adminPassword, signIn } from './helpers';

test.use({ locale: 'en-US' });

// The event history's person and group search (issue 12 item 5), on events
// the demo cameras produce now: a 2-character Chinese name (found although
// the trigram index needs 3), a part of a Latin name in another case, and
// the VIP group.
const shopName = '鲜果时光 徐家汇店';

function rand() {
  return `${Date.now() % 100000}${Math.floor(Math.random() * 1000)}`;
}

// A 2-character Chinese name no demo person has.
function chineseName() {
  const ch = () => String.fromCharCode(0x4e00 + Math.floor(Math.random() * 0x5000));
  return ch() + ch();
}

async function emit(page: Page, shop: string, kind: 'visitor' | 'vip', name: string) {
  const res = await page.request.post('/events/demo', {
    form: { shop, kind, name },
    headers: { 'X-Requested-With': 'fetch' },
  });
  expect(res.status()).toBe(204);
}

async function search(page: Page, person: string, group: string) {
  await page.getByTestId('history-person').fill(person);
  await page.getByTestId('history-group').fill(group);
  await page.getByTestId('history-search').click();
  await expect(page).toHaveURL(/\/events\/history\?/);
}

test('the history searches a person (2-character name, part of a name) and a group', async ({ page }) => {
  test.setTimeout(60_000); // three events through the demo cameras, five searches, on a shared machine
  await signIn(page, 'admin', adminPassword);
  await page.goto('/events');
  await expect(page.getByTestId('live-state')).toHaveAttribute('data-state', 'live');
  const shop = await page.getByTestId('demo-shop').locator('option', { hasText: shopName }).getAttribute('value');
  expect(shop).toBeTruthy();
  const cn = chineseName();
  const id = rand();
  const latin = `Quinn${id} Tester`;
  const vip = `VIP${id}`;
  await emit(page, shop!, 'visitor', cn);
  await emit(page, shop!, 'visitor', latin);
  await emit(page, shop!, 'vip', vip);
  for (const name of [cn, latin, vip]) {
    await expect(page.getByTestId('event-card').filter({ hasText: name })).toBeVisible();
  }

  await page.getByTestId('events-history').click();
  const cards = page.getByTestId('event-card');

  // A 2-character Chinese name: its event only.
  await search(page, cn, '');
  await expect(cards).toHaveCount(1);
  await expect(cards.first()).toContainText(cn);
  await expect(cards.first()).toContainText(shopName);

  // A part of a Latin name, in capitals.
  await search(page, `INN${id} TES`, '');
  await expect(cards).toHaveCount(1);
  await expect(cards.first()).toContainText(latin);

  // The VIP group: the new VIP is on the first page (newest first), and
  // every row is a VIP; the visitors are not there.
  await search(page, '', 'VIP');
  await expect(cards.filter({ hasText: vip })).toHaveCount(1);
  const groups = await cards.getByTestId('event-group').allTextContents();
  expect(groups.length).toBe(await cards.count());
  for (const g of groups) {
    expect(g.trim().toLowerCase()).toBe('vip');
  }
  await expect(cards.filter({ hasText: cn })).toHaveCount(0);
  await expect(cards.filter({ hasText: latin })).toHaveCount(0);

  // Person and group together: the visitor is not a VIP.
  await search(page, cn, 'vip');
  await expect(page.getByTestId('history-empty')).toBeVisible();
  await search(page, vip, 'vip');
  await expect(cards).toHaveCount(1);
  await expect(page.getByTestId('history-person')).toHaveValue(vip);
});
