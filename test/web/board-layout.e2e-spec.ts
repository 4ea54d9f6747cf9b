import { startWebApp, type WebApp } from './browser.js';

const STAGES = [
  'Proposal',
  'Senior-management review',
  'MOU drafting',
  'MOU negotiation',
  'Awaiting signatures',
  'In force',
  'Planning',
  'Delivering',
  'closed',
];

interface Box {
  name: string;
  x: number;
  y: number;
  right: number;
}

/** The board reads left to right on a desktop (its columns in one row) and top to bottom on a phone, in the workflow's order. */
describe('pipeline board layout', () => {
  let web: WebApp;

  beforeAll(async () => {
    web = await startWebApp();
    await web.seedProposal({ title: 'Police training programme', submit: true });
  });

  afterAll(async () => {
    await web.closeAll();
  });

  const stages = (width: number) =>
    web.signIn('manager').then(async (page) => {
      await page.setViewportSize({ width, height: 900 });
      await page.goto('/ui/pipeline');
      const boxes = await page
        .locator('#board > section')
        .evaluateAll((sections) =>
          sections.map((s) => ({ name: s.querySelector('.stage-name')?.textContent ?? '', ...s.getBoundingClientRect().toJSON() }) as Box),
        );
      return { boxes, pageWidth: await page.evaluate<number>('document.documentElement.scrollWidth') };
    });

  it('puts the stages of both workflows side by side at 1280 px, in order, within the page', async () => {
    const { boxes, pageWidth } = await stages(1280);
    // partnership-mou's six open stages, training-programme's two of its own, and the closed ones together.
    expect(boxes.map((b) => b.name)).toEqual(STAGES);
    expect(new Set(boxes.map((b) => Math.round(b.y))).size).toBe(1);
    for (let i = 1; i < boxes.length; i += 1) expect(boxes[i].x).toBeGreaterThan(boxes[i - 1].right);
    expect(boxes[boxes.length - 1].right).toBeLessThanOrEqual(1280);
    expect(pageWidth).toBeLessThanOrEqual(1280);
  });

  it('stacks them in the same order at 390 px, none wider than the screen', async () => {
    const { boxes, pageWidth } = await stages(390);
    expect(boxes.map((b) => b.name)).toEqual(STAGES);
    for (let i = 1; i < boxes.length; i += 1) expect(boxes[i].y).toBeGreaterThan(boxes[i - 1].y);
    expect(boxes.every((b) => b.right <= 390)).toBe(true);
    expect(pageWidth).toBeLessThanOrEqual(390);
  });
});
