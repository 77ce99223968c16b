import { test, expect, Page } from '@playwright/test';
import * as path from 'path';
import { adminPassword, astronautVariant, signIn, testdata } from './helpers';

test.use({ locale: 'en-US' });

// Enrollment keeps the photo across errors, and consent is one tick for
// the purpose the group states. Empty lists say what fills them.
const shopName = '鲜果时光 徐家汇店';
const lanShop = '鲜果时光 南京西路店';
const chelsea = path.join(testdata, 'chelsea.png'); // a cat: no face

async function openFaces(page: Page, shop: string) {
  await page.goto('/shops?q=' + encodeURIComponent(shop));
  await page.getByRole('link', { name: shop }).click();
  await page.getByTestId('shop-tabs').getByRole('link', { name: 'Faces' }).click();
  await expect(page.getByTestId('faces-overview')).toBeVisible();
}

test('a refused photo keeps its preview, a replacement and the tick survive an error, and it enrolls', async ({ page }) => {
  test.setTimeout(60_000);
  const person = `Kept ${Date.now() % 100000}`;
  await signIn(page, 'admin', adminPassword);
  await openFaces(page, shopName);
  await page.getByTestId('faces-enroll').click();
  await page.getByTestId('enroll-group').selectOption({ label: 'employee (Staff)' });
  // One tick, with the group's purpose shown; no purpose to choose.
  await expect(page.getByTestId('consent-label')).toHaveText('The person has agreed that their face is enrolled for staff attendance.');
  await expect(page.getByTestId('field-consent_purpose')).toBeHidden();
  await expect(page.getByTestId('consent-by')).toContainText('Consent collected by');
  // Another group, another purpose: the tick is taken back.
  await page.getByTestId('consent-given').check();
  await page.getByTestId('enroll-group').selectOption({ label: '金卡会员 (Members)' });
  await expect(page.getByTestId('consent-label')).toContainText('member recognition');
  await expect(page.getByTestId('consent-given')).not.toBeChecked();
  await page.getByTestId('enroll-group').selectOption({ label: 'employee (Staff)' });

  // A photo with no face: refused, shown with the error.
  await page.getByTestId('photo-input').setInputFiles(chelsea);
  await expect(page.getByTestId('photo-error')).toContainText('No face found in this photo');
  await page.getByTestId('enroll-name').fill(person);
  await page.getByTestId('consent-given').check();
  // Sent anyway: the server refuses it and the page still shows the photo,
  // the name and the tick.
  await page.getByTestId('enroll-submit').click();
  await expect(page.getByTestId('photo-error')).toContainText('No face found in this photo');
  await expect(page.getByTestId('preview-svg')).toBeVisible();
  await expect(page.getByTestId('enroll-name')).toHaveValue(person);
  await expect(page.getByTestId('consent-given')).toBeChecked();
  await expect(page.getByTestId('photo-kept')).toBeHidden();

  // The replacement: checked at once, kept on the server.
  await page.getByTestId('photo-input').setInputFiles(astronautVariant(250, 'kept.png'));
  await expect(page.getByTestId('preview-thumb')).toBeVisible();
  await expect(page.getByTestId('photo-token')).toHaveValue(/^[0-9a-f]{64}$/);
  await expect(page.getByTestId('photo-kept')).toBeVisible();
  await expect(page.getByTestId('consent-given')).toBeChecked();
  // An error after it (the tick taken off): the photo is still there,
  // though the file input is empty.
  await page.getByTestId('consent-given').uncheck();
  await page.getByTestId('enroll-submit').click();
  await expect(page.getByTestId('error-consent')).toContainText('Confirm that the person has agreed');
  await expect(page.getByTestId('preview-thumb')).toBeVisible();
  await expect(page.getByTestId('photo-kept')).toBeVisible();
  expect(await page.getByTestId('photo-input').evaluate((i: HTMLInputElement) => i.files?.length ?? 0)).toBe(0);
  // Resubmitted without choosing the photo again: enrolled.
  await page.getByTestId('consent-given').check();
  await page.getByTestId('enroll-submit').click();
  await expect(page.getByTestId('face-title')).toHaveText(person);
  await expect(page.getByTestId('face-consent')).toContainText('staff attendance');
});

test('the empty search tab says what it is for and links to enrolling', async ({ page }) => {
  test.setTimeout(60_000);
  await signIn(page, 'admin', adminPassword);
  await openFaces(page, lanShop);
  // The camera's library offers search and visitors.
  await page.getByTestId('face-libraries').getByRole('link').nth(1).click();
  const library = page.url();
  await page.getByTestId('faces-search').click();
  await expect(page.getByTestId('search-empty')).toContainText('Only enrolled faces can be found.');
  const search = page.url();
  await page.getByTestId('search-empty-action').click();
  await expect(page.getByTestId('enroll-form')).toBeVisible();
  await page.goto(search);
  await page.getByTestId('lang-zh').click();
  await expect(page.getByTestId('search-empty')).toContainText('只有已登记的人脸才能被找到');
  await page.getByTestId('lang-en').click();
  await expect(page.getByTestId('search-empty')).toContainText('Only enrolled faces');
  await page.goto(library);
  await page.getByTestId('faces-visitors').click();
  await expect(page.getByTestId('visitors-what')).toContainText('Who comes most often');
});

test('a group states its consent purpose once, and its enrollments show it beside the tick', async ({ page }) => {
  test.setTimeout(60_000);
  const group = `Guards ${Date.now() % 100000}`;
  await signIn(page, 'admin', adminPassword);
  await openFaces(page, shopName);
  await page.getByTestId('group-new').click();
  await page.getByTestId('group-form').getByLabel('Group name').fill(group);
  await page.getByTestId('group-kind').selectOption('member');
  await expect(page.getByTestId('group-purpose')).toHaveValue('');
  await page.getByTestId('group-purpose').selectOption('security');
  await page.getByTestId('group-save').click();
  await expect(page.getByTestId('faces-overview')).toContainText(group);
  await page.getByTestId('faces-enroll').click();
  await page.getByTestId('enroll-group').selectOption({ label: `${group} (Members)` });
  // The group's purpose, not the kind's (member recognition).
  await expect(page.getByTestId('consent-label')).toHaveText('The person has agreed that their face is enrolled for shop security.');
  await expect(page.getByTestId('field-consent_purpose')).toBeHidden();
});
