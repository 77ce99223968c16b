import { expect, Page } from '@playwright/test';

export const adminPassword = 'e2e-admin-password';

// signIn goes through the sign-in page as a person would.
export async function signIn(page: Page, username: string, password: string) {
  await page.goto('/login');
  await page.getByTestId('login-form').locator('input[name=username]').fill(username);
  await page.getByTestId('login-form').locator('input[name=password]').fill(password);
  await page.getByTestId('login-submit').click();
  await expect(page.getByTestId('whoami')).toBeVisible();
}

// Pages speak the browser's language by default: tests pin English unless
// they test the switch.
export const english = { locale: 'en-US' };
