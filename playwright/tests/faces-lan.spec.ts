import { test, expect, Page } from '@playwright/test';
import { adminPassword, astronaut, signIn } from './helpers';

test.use({ locale: 'en-US' });

// The demo's first shop has two face libraries: its Sunmi cloud shop and
// the activated Sunmi camera on its LAN (internal/demo/faces_lan.go), whose
// library the demo seeded with a VIP group. This file works in the camera's.
const shopName = '鲜果时光 南京西路店';
const cameraLibrary = 'Sunmi camera (LAN) · 收银台 FM020';
const cameraSN = 'C201D8BS00266';

async function openCameraLibrary(page: Page) {
  await page.goto('/shops?q=' + encodeURIComponent(shopName));
  await page.getByRole('link', { name: shopName }).click();
  await page.getByTestId('shop-tabs').getByRole('link', { name: 'Faces' }).click();
  const libraries = page.getByTestId('face-libraries');
  await expect(libraries.getByRole('link')).toHaveText(['Sunmi cloud', cameraLibrary]);
  await libraries.getByRole('link', { name: cameraLibrary }).click();
  await expect(libraries.getByRole('link', { name: cameraLibrary })).toHaveClass(/active/);
}

test.describe.serial('a manager works with the face library of a camera on the LAN', () => {
  const person = `Astro ${Date.now() % 100000}`;

  test('the camera library shows its own groups, seeded by the demo', async ({ page }) => {
    await signIn(page, 'admin', adminPassword);
    await openCameraLibrary(page);
    const names = page.getByTestId('group-name');
    await expect(names.filter({ hasText: 'VIP' })).toHaveCount(1);
    await expect(names.filter({ hasText: 'stranger' })).toHaveCount(1);
    // The cloud's groups are on the other tab.
    await expect(names.filter({ hasText: '金卡会员' })).toHaveCount(0);
    await names.filter({ hasText: 'VIP' }).click();
    await expect(page.getByTestId('face-card').filter({ hasText: '赵磊' })).toHaveCount(1);
  });

  test('enrolls astronaut.png at the camera and sees it enrolled with its thumbnail', async ({ page }) => {
    await signIn(page, 'admin', adminPassword);
    await openCameraLibrary(page);
    await page.getByTestId('faces-enroll').click();
    await page.getByTestId('enroll-group').selectOption({ label: `VIP (Custom) · ${cameraSN}` });
    await page.getByTestId('photo-input').setInputFiles(astronaut);
    await expect(page.getByTestId('face-box')).toHaveCount(1);
    await page.getByTestId('enroll-name').fill(person);
    await page.getByTestId('field-gender').selectOption('female');
    await page.getByTestId('field-age').selectOption('5');
    // The demo's VIP group is custom and states its purpose (member
    // recognition) on its form: one tick, nothing to choose.
    await expect(page.getByTestId('consent-label')).toContainText('member recognition');
    await expect(page.getByTestId('field-consent_purpose')).toBeHidden();
    await page.getByTestId('consent-given').check();
    await page.getByTestId('enroll-submit').click();
    // The camera answers addFace at once: enrolled, never pending.
    await expect(page.getByTestId('face-title')).toHaveText(person);
    await expect(page.getByTestId('face-state')).toHaveText('Enrolled');
    await page.getByRole('link', { name: 'VIP' }).first().click();
    const card = page.getByTestId('face-card').filter({ hasText: person });
    await expect(card.getByTestId('face-state')).toHaveText('Enrolled');
    const thumb = card.getByTestId('face-thumb');
    await expect(thumb).toHaveAttribute('src', /^\/shops\/\d+\/faces\/photos\/[0-9a-f]{64}$/);
    await expect.poll(() => thumb.evaluate((el: HTMLImageElement) => el.naturalWidth)).toBe(160);
  });

  test('"who is this?" finds the enrolled face at the camera', async ({ page }) => {
    await signIn(page, 'admin', adminPassword);
    await openCameraLibrary(page);
    await page.getByTestId('faces-search').click();
    await expect(page.getByTestId('search-library')).toContainText(cameraLibrary);
    await page.getByTestId('search-photo').setInputFiles(astronaut);
    await page.getByTestId('search-submit').click();
    const match = page.getByTestId('match');
    await expect(match.getByTestId('match-name')).toHaveText(person);
    await match.getByTestId('match-name').click();
    await expect(page.getByTestId('face-title')).toHaveText(person);
  });

  test('deletes the face at the camera and here', async ({ page }) => {
    await signIn(page, 'admin', adminPassword);
    await openCameraLibrary(page);
    await page.getByTestId('group-name').filter({ hasText: 'VIP' }).click();
    await page.getByTestId('face-card').filter({ hasText: person }).getByTestId('face-name').click();
    await page.getByTestId('face-delete').click();
    await expect(page.getByTestId('confirm')).toContainText(person);
    await page.getByTestId('confirm-yes').click();
    await expect(page.getByTestId('flash')).toHaveText('1 face deleted at the vendor and here.');
    await expect(page.getByTestId('face-card').filter({ hasText: person })).toHaveCount(0);
    // The camera no longer knows the person.
    await openCameraLibrary(page);
    await page.getByTestId('faces-search').click();
    await page.getByTestId('search-photo').setInputFiles(astronaut);
    await page.getByTestId('search-submit').click();
    await expect(page.getByTestId('search-none')).toBeVisible();
  });
});
