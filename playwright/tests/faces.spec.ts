import { test, expect, Page } from '@playwright/test';
import * as path from 'path';
import { adminPassword, astronaut, astronautVariant, signIn, testdata } from './helpers';

test.use({ locale: 'en-US' });

const chelsea = path.join(testdata, 'chelsea.png');

// The demo shop this file works in, and one a new manager will not see.
const shopName = '鲜果时光 徐家汇店';
const otherShop = '鲜果时光 西湖银泰店';

async function openFaces(page: Page, shop: string) {
  await page.goto('/shops?q=' + encodeURIComponent(shop));
  await page.getByRole('link', { name: shop }).click();
  await page.getByTestId('shop-tabs').getByRole('link', { name: 'Faces' }).click();
  await expect(page.getByTestId('faces-overview')).toBeVisible();
}

// giveConsent ticks the one consent box: its purpose is the group's.
async function giveConsent(page: Page) {
  await page.getByTestId('consent-given').check();
}

// variants makes n different PNG files of astronaut.png, each its own
// photo with the face untouched.
function variants(n: number) {
  return [...Array(n).keys()].map((i) => astronautVariant(40 + i * 9, `员工${String(i + 1).padStart(2, '0')}.png`));
}

test.describe.serial('a manager enrolls, moves and deletes a face', () => {
  const person = `Eileen ${Date.now() % 100000}`;

  test('enrolls astronaut.png and sees it enrolled with its thumbnail', async ({ page }) => {
    await signIn(page, 'admin', adminPassword);
    await openFaces(page, shopName);
    await page.getByTestId('faces-enroll').click();
    await page.getByTestId('enroll-group').selectOption({ label: 'employee (Staff)' });
    await page.getByTestId('photo-input').setInputFiles(astronaut);
    // The face it will enroll, before anything is saved.
    await expect(page.getByTestId('preview-thumb')).toBeVisible();
    await expect(page.getByTestId('face-box')).toHaveCount(1);
    await expect(page.getByTestId('photo-token')).toHaveValue(/^[0-9a-f]{64}$/);
    await page.getByTestId('enroll-name').fill(person);
    await page.getByTestId('field-gender').selectOption('female');
    await page.getByTestId('field-age').selectOption('5');
    // Without consent the server refuses and keeps what was typed.
    await page.getByTestId('enroll-submit').click();
    await expect(page.getByTestId('error-consent')).toContainText('Confirm that the person has agreed');
    await expect(page.getByTestId('enroll-name')).toHaveValue(person);
    await giveConsent(page);
    await page.getByTestId('enroll-submit').click();
    await expect(page.getByTestId('face-title')).toHaveText(person);
    await expect(page.getByTestId('face-state')).toHaveText('Enrolled');
    await expect(page.getByTestId('face-consent')).toContainText('staff attendance');
    await page.getByRole('link', { name: 'employee' }).first().click();
    const card = page.getByTestId('face-card').filter({ hasText: person });
    await expect(card.getByTestId('face-state')).toHaveText('Enrolled');
    const thumb = card.getByTestId('face-thumb');
    await expect(thumb).toHaveAttribute('src', /^\/shops\/\d+\/faces\/photos\/[0-9a-f]{64}$/);
    await expect.poll(() => thumb.evaluate((el: HTMLImageElement) => el.naturalWidth)).toBe(160);
  });

  test('moves the face to another group', async ({ page }) => {
    await signIn(page, 'admin', adminPassword);
    await openFaces(page, shopName);
    await page.getByTestId('group-name').filter({ hasText: 'employee' }).click();
    await page.getByTestId('face-card').filter({ hasText: person }).getByTestId('face-name').click();
    await page.getByTestId('face-move-target').selectOption({ label: 'regular (Regulars)' });
    await page.getByTestId('face-move').click();
    await expect(page.getByTestId('flash')).toHaveText('1 face moved to “regular”.');
    await expect(page.getByTestId('face-card').filter({ hasText: person })).toHaveCount(1);
  });

  test('deletes the face after confirming', async ({ page }) => {
    await signIn(page, 'admin', adminPassword);
    await openFaces(page, shopName);
    await page.getByTestId('group-name').filter({ hasText: 'regular' }).click();
    await page.getByTestId('face-card').filter({ hasText: person }).getByTestId('face-name').click();
    const photo = await page.getByTestId('preview-svg').locator('image').getAttribute('href');
    await page.getByTestId('face-delete').click();
    await expect(page.getByTestId('confirm')).toContainText(person);
    await page.getByTestId('confirm-yes').click();
    await expect(page.getByTestId('flash')).toHaveText('1 face deleted at the vendor and here.');
    await expect(page.getByTestId('face-card').filter({ hasText: person })).toHaveCount(0);
    // The photo went with it.
    const res = await page.request.get(photo!);
    expect(res.status()).toBe(404);
  });
});

test('chelsea.png reads "no face found"', async ({ page }) => {
  await signIn(page, 'admin', adminPassword);
  await openFaces(page, shopName);
  await page.getByTestId('faces-enroll').click();
  await page.getByTestId('photo-input').setInputFiles(chelsea);
  await expect(page.getByTestId('photo-error')).toContainText('No face found in this photo');
  await expect(page.getByTestId('preview-thumb')).toHaveCount(0);
  await expect(page.getByTestId('photo-token')).toHaveValue('');
  // In Chinese too.
  await page.getByTestId('lang-zh').click();
  await page.getByTestId('photo-input').setInputFiles(chelsea);
  await expect(page.getByTestId('photo-error')).toContainText('照片中没有找到人脸');
  await page.getByTestId('lang-en').click();
});

test('bulk-enrolls 20 photos with the progress bar reaching 100%', async ({ page }) => {
  test.setTimeout(90_000);
  await signIn(page, 'admin', adminPassword);
  await openFaces(page, shopName);
  await page.getByTestId('faces-bulk').click();
  await page.getByTestId('bulk-group').selectOption({ label: '金卡会员 (Members)' });
  await page.getByTestId('bulk-files').setInputFiles(variants(20));
  await giveConsent(page);
  await page.getByTestId('bulk-submit').click();
  await expect(page).toHaveURL(/\/faces\/batches\/\d+$/);
  await expect(page.getByTestId('batch-percent')).toHaveText('100%', { timeout: 60_000 });
  await expect(page.getByTestId('batch-results')).toBeVisible();
  const bar = page.getByTestId('batch-progress');
  await expect(bar).toHaveAttribute('max', '20');
  await expect(bar).toHaveAttribute('value', '20');
  await expect(page.getByTestId('batch-row')).toHaveCount(20);
  await expect(page.getByTestId('batch-summary')).toContainText('20 of 20 photos processed');
  await expect(page.getByTestId('batch-row').first()).toContainText('员工01');
});

test("a manager cannot open another shop's face photo by URL", async ({ browser }) => {
  const admin = await (await browser.newContext({ locale: 'en-US' })).newPage();
  await signIn(admin, 'admin', adminPassword);
  // A face photo of a shop the manager will not see.
  await openFaces(admin, otherShop);
  await admin.getByTestId('group-name').filter({ hasText: '金卡会员' }).click();
  await admin.getByTestId('face-card').first().getByTestId('face-name').click();
  const photo = await admin.getByTestId('preview-svg').locator('image').getAttribute('href');
  expect(photo).toMatch(/^\/shops\/\d+\/faces\/photos\/[0-9a-f]{64}$/);
  expect((await admin.request.get(photo!)).status()).toBe(200);

  const username = `fmgr${Date.now() % 100000}`;
  await admin.goto('/users/new');
  const form = admin.getByTestId('user-form');
  await form.locator('input[name=username]').fill(username);
  await form.locator('input[name=password]').fill('manager-e2e-pass');
  await admin.getByTestId('user-role').selectOption('manager');
  await admin.getByTestId('user-shops').getByLabel(shopName).check();
  await admin.getByTestId('user-save').click();
  await expect(admin.getByTestId('flash')).toContainText(username);
  await admin.goto('/shops?q=' + encodeURIComponent(shopName));
  const ownHref = await admin.getByRole('link', { name: shopName }).getAttribute('href');

  const page = await (await browser.newContext({ locale: 'en-US' })).newPage();
  await signIn(page, username, 'manager-e2e-pass');
  const direct = await page.goto(photo!);
  expect(direct?.status()).toBe(404);
  // The same photo through the manager's own shop is not theirs either.
  const hash = photo!.split('/').pop();
  const viaOwn = await page.goto(`${ownHref}/faces/photos/${hash}`);
  expect(viaOwn?.status()).toBe(404);
  expect(viaOwn?.headers()['content-type']).not.toContain('image/jpeg');
});
