import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../src/package-info.ts';
import { heapOnlyLeakSoak } from './report-checks.ts';

/**
 * The soak's HTML report as a person sees it: a real soak of a heap-only leak, its report
 * opened from disk in headless Chromium (Debian's package, which .ci/run installs; no
 * browser download works here), driven by playwright-core. The page must run without a
 * script error, draw its six charts with their axes (the last two the held streams' capacity), show the retained table and who holds
 * it, and give a sample's values on hover. A screenshot of the page is kept in
 * reports/browser/ after every run, and named in the failure when an assertion fails.
 */
const executablePath = process.env.SSE_SOAK_CHROMIUM ?? '/usr/bin/chromium';
const available = existsSync(executablePath);
// In CI the browser must be there (.ci/run installs it): a missing one fails, never skips.
const required = Boolean(process.env.CI);
const artefacts = path.join(packageRoot, 'reports', 'browser');

describe.skipIf(!available && !required)(`the soak's HTML report in headless Chromium (${executablePath})`, () => {
  it('draws its charts, shows what is retained and who holds it, with no script error', async () => {
    expect(existsSync(executablePath), `${executablePath} is missing: apt-get install chromium`).toBe(true);
    const { report, html } = await heapOnlyLeakSoak();

    mkdirSync(artefacts, { recursive: true });
    const screenshot = path.join(artefacts, 'soak-retains-per-connection.png');
    const browser = await chromium.launch({
      executablePath,
      // As the machine's own probe starts it: no sandbox as root, and no background traffic
      // to a network this machine does not have.
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 900, height: 1200 } });
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      page.on('console', (m) => {
        if (m.type() === 'error') errors.push(m.text());
      });
      const requests: string[] = [];
      page.on('request', (r) => requests.push(r.url()));
      await page.goto(pathToFileURL(html).href);
      try {
        // Offline: the page loads nothing but itself.
        expect(requests.filter((u) => !u.startsWith('file://'))).toEqual([]);
        expect(errors).toEqual([]);

        // Six charts, each drawn: a line with a real extent, round ticks from zero, units. The
        // last two are the capacity section's, over the soak's 10 held streams.
        const charts = page.locator('svg[role="img"]');
        expect(await charts.count()).toBe(6);
        expect(await charts.nth(4).getAttribute('aria-label')).toBe('Memory against open streams (after GC)');
        await expect(charts.nth(5).textContent()).resolves.toContain('latency (ms)');
        for (let i = 0; i < 6; i++) {
          const chart = charts.nth(i);
          const box = await chart.locator('path').first().boundingBox();
          expect(box!.width, `chart ${i}`).toBeGreaterThan(100);
          const yTicks = await chart.locator('.y-tick').allTextContents();
          expect(yTicks[0], `chart ${i}`).toBe('0');
          const step = Number(yTicks[1]!.replaceAll(',', '')) / 10 ** Math.floor(Math.log10(Number(yTicks[1]!.replaceAll(',', ''))));
          expect([1, 2, 5], `chart ${i}: ${yTicks.join(' ')}`).toContain(Number(step.toPrecision(6)));
        }
        await expect(page.locator('svg[role="img"]').first().textContent()).resolves.toContain('heap used (MB)');

        // Hovering a sample gives its values: the element under the pointer is a point whose
        // tooltip names the series, its value with its unit, and the connections.
        const point = charts.first().locator('circle.point').nth(5);
        const at = (await point.boundingBox())!;
        await page.mouse.move(at.x + at.width / 2, at.y + at.height / 2);
        const hovered = await page.evaluate(
          ([x, y]) => {
            const el = document.elementFromPoint(x!, y!);
            return el?.closest('circle')?.querySelector('title')?.textContent ?? el?.tagName;
          },
          [at.x + at.width / 2, at.y + at.height / 2],
        );
        expect(hovered).toMatch(/^heap used: [\d.,]+ MB at [\d,]+ connections$/);

        // What is retained, and who holds it, as tables a person can read.
        await expect(page.getByRole('heading', { name: 'What is retained' }).isVisible()).resolves.toBe(true);
        await expect(page.getByRole('heading', { name: 'Who holds it' }).isVisible()).resolves.toBe(true);
        const top = report.snapshots!.diff!.retainers!.clusters[0]!;
        const held = page.locator('table', { hasText: 'open in DevTools' }).locator('tr').nth(1);
        await expect(held.isVisible()).resolves.toBe(true);
        await expect(held.textContent()).resolves.toContain('->requestLog');
        await expect(held.textContent()).resolves.toContain(`@${top.example.nodeId}`);
      } catch (error) {
        await page.screenshot({ path: screenshot, fullPage: true });
        throw new Error(`${(error as Error).message}\n(screenshot of the page: ${screenshot})`, { cause: error });
      }
      await page.screenshot({ path: screenshot, fullPage: true });
    } finally {
      await browser.close();
    }
  }, 120_000);
});
