import { chromium } from 'playwright-core';
import { chromiumLaunchOptions, startServer } from './lib/server.mjs';
const server = await startServer('/tmp/iv-scratch/indivillage');
const browser = await chromium.launch(chromiumLaunchOptions());
browser.on('disconnected', () => console.log('DISCONNECTED'));
for (const variant of ['toggle', 'off-always', 'off-blank']) {
try {
  const context = await browser.newContext({ javaScriptEnabled: variant === 'toggle' });
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  if (variant === 'toggle') await cdp.send('Emulation.setScriptExecutionDisabled', { value: true });
  if (variant !== 'off-blank') await page.goto(server.url + '/');
  console.log(variant, 'js runs?', await page.evaluate(() => document.documentElement.className));
  if (variant === 'toggle') await cdp.send('Emulation.setScriptExecutionDisabled', { value: false });
  console.log(variant, 'promise', await page.evaluate(() => new Promise(r => setTimeout(() => r(5), 10))));
  await context.close();
} catch (e) { console.log(variant, 'ERR', e.message); }
}
await browser.close().catch(()=>{}); await server.stop();
