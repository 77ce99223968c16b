import { expect, Page } from '@playwright/test';
import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';

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

// The test photos (internal/photos/testdata/README.md has their licences).
export const testdata = path.join(__dirname, '..', '..', 'internal', 'photos', 'testdata');
export const astronaut = path.join(testdata, 'astronaut.png');

// astronautVariant is astronaut.png with its last scanline set to grey: a
// different file (and photo hash) with the face untouched.
export function astronautVariant(grey: number, name: string): { name: string; mimeType: string; buffer: Buffer } {
  const src = fs.readFileSync(astronaut);
  let pos = 8;
  let ihdr: Buffer | undefined;
  const idat: Buffer[] = [];
  while (pos < src.length) {
    const len = src.readUInt32BE(pos);
    const type = src.toString('latin1', pos + 4, pos + 8);
    const data = src.subarray(pos + 8, pos + 8 + len);
    if (type === 'IHDR') ihdr = Buffer.from(data);
    if (type === 'IDAT') idat.push(data);
    pos += 12 + len;
  }
  const width = ihdr!.readUInt32BE(0);
  const height = ihdr!.readUInt32BE(4);
  const stride = 1 + width * 3; // filter byte + 8-bit RGB (astronaut.png)
  const px = Buffer.from(zlib.inflateSync(Buffer.concat(idat)));
  const last = (height - 1) * stride;
  px[last] = 0; // filter None: the row is its own bytes
  px.fill(grey, last + 1, last + stride);
  const chunk = (type: string, data: Buffer) => {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(data.length, 0);
    head.write(type, 4, 'latin1');
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(zlib.crc32(Buffer.concat([Buffer.from(type, 'latin1'), data])) >>> 0, 0);
    return Buffer.concat([head, data, crc]);
  };
  const png = Buffer.concat([src.subarray(0, 8), chunk('IHDR', ihdr!), chunk('IDAT', zlib.deflateSync(px)), chunk('IEND', Buffer.alloc(0))]);
  return { name, mimeType: 'image/png', buffer: png };
}
