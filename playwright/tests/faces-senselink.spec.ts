import { test, expect, Page } from '@playwright/test';
import { adminPassword, astronaut, astronautVariant, signIn } from './helpers';

test.use({ locale: 'en-US' });

// astronaut.png (internal/photos/testdata/README.md has its licence). The
// SenseLink simulator finds two photos "the same person" when their 8x8
// average hashes are close (internal/vendors/senselink/sim/photo.go): the
// demo's SenseLink people are mirrored, so this unmirrored photo is new
// there, and a copy with a different last scanline is the same person.

// sameFace is astronaut.png with its last scanline grey: another file
// (not a local duplicate), the same face.
function sameFace() {
  return astronautVariant(77, 'again.png');
}

const shop = `SenseLink e2e ${Date.now() % 100000}`;
const person = `Neil ${Date.now() % 100000}`;
const twin = `${person} twin`;

async function openFaces(page: Page) {
  await page.goto('/shops?q=' + encodeURIComponent(shop));
  await page.getByRole('link', { name: shop }).click();
  await page.getByTestId('shop-tabs').getByRole('link', { name: 'Faces' }).click();
  await expect(page.getByTestId('faces-overview')).toBeVisible();
}

async function enroll(page: Page, name: string, photo: string | { name: string; mimeType: string; buffer: Buffer }) {
  await openFaces(page);
  await page.getByTestId('faces-enroll').click();
  await page.getByTestId('enroll-group').selectOption({ label: '店员 (Staff)' });
  await page.getByTestId('photo-input').setInputFiles(photo);
  await expect(page.getByTestId('preview-thumb')).toBeVisible();
  // SenseLink's own check (/recognition/check and /quality) is shown.
  await expect(page.getByTestId('vendor-check')).toHaveText("SenseLink's own check: SenseLink found one face and the quality passed.");
  await page.getByTestId('enroll-name').fill(name);
  // One tick, for the purpose the staff group states.
  await expect(page.getByTestId('consent-label')).toHaveText('The person has agreed that their face is enrolled for staff attendance.');
  await page.getByTestId('consent-given').check();
  await page.getByTestId('enroll-submit').click();
  await expect(page.getByTestId('face-title')).toHaveText(name);
}

async function deleteFace(page: Page, name: string) {
  await openFaces(page);
  await page.getByTestId('group-name').filter({ hasText: '店员' }).click();
  await page.getByTestId('face-card').filter({ hasText: name }).getByTestId('face-name').click();
  await page.getByTestId('face-delete').click();
  await expect(page.getByTestId('confirm')).toContainText(name);
  await page.getByTestId('confirm-yes').click();
  await expect(page.getByTestId('flash')).toHaveText('1 face deleted at the vendor and here.');
  await expect(page.getByTestId('face-card').filter({ hasText: name })).toHaveCount(0);
}

test.describe.serial('faces in a shop linked to SenseLink only', () => {
  test('links a new shop to the demo SenseLink account', async ({ page }) => {
    await signIn(page, 'admin', adminPassword);
    await page.goto('/shops/new');
    await page.getByTestId('shop-form').locator('input[name=name]').fill(shop);
    await page.getByTestId('shop-senselink-account').selectOption({ label: '商汤 SenseLink(演示)' });
    await page.getByTestId('shop-save').click();
    await expect(page.getByTestId('shop-name')).toHaveText(shop);
    await openFaces(page);
    // The company's groups, staff and visitors.
    await expect(page.getByTestId('group-name').filter({ hasText: '店员' })).toBeVisible();
    await expect(page.getByTestId('group-name').filter({ hasText: '访客' })).toBeVisible();
  });

  test('enrolls astronaut.png after SenseLink checked it, with its thumbnail', async ({ page }) => {
    await signIn(page, 'admin', adminPassword);
    await enroll(page, person, astronaut);
    await expect(page.getByTestId('face-state')).toHaveText('Enrolled');
    await page.getByRole('link', { name: '店员' }).first().click();
    const card = page.getByTestId('face-card').filter({ hasText: person });
    await expect(card.getByTestId('face-state')).toHaveText('Enrolled');
    const thumb = card.getByTestId('face-thumb');
    await expect(thumb).toHaveAttribute('src', /^\/shops\/\d+\/faces\/photos\/[0-9a-f]{64}$/);
    await expect.poll(() => thumb.evaluate((el: HTMLImageElement) => el.naturalWidth)).toBe(160);
  });

  test('the same person again: 30002 names them; the confirmed forced retry enrolls', async ({ page }) => {
    await signIn(page, 'admin', adminPassword);
    await enroll(page, twin, sameFace());
    await expect(page.getByTestId('face-state')).toHaveText('Failed');
    await expect(page.getByTestId('face-failed')).toContainText(`SenseLink already has a similar person: ${person} (#`);
    // The box must be ticked: the browser does not send the form without it.
    await page.getByTestId('face-force').click();
    await expect(page.getByTestId('face-state')).toHaveText('Failed');
    await page.getByTestId('face-force-confirm').check();
    await page.getByTestId('face-force').click();
    await expect(page.getByTestId('flash')).toHaveText(`${twin} is enrolled.`);
    await expect(page.getByTestId('face-state')).toHaveText('Enrolled');
    // In Chinese too.
    await page.getByTestId('lang-zh').click();
    await expect(page.getByTestId('face-state')).toHaveText('已登记');
    await page.getByTestId('lang-en').click();
  });

  test('deletes both at SenseLink and here', async ({ page }) => {
    await signIn(page, 'admin', adminPassword);
    await deleteFace(page, twin);
    await deleteFace(page, person);
  });
});
