import { WorkflowRegistry } from '../workflow-engine/workflow-registry.js';
import { renderStateDiagram } from './state-diagram.js';

const registry = WorkflowRegistry.loadDirectory('workflows');

/** A diagram of this workflow version, at its initial state, with no steps taken. */
function diagramOf(id: string, version: number): string {
  const { definition } = registry.get(id, version);
  return renderStateDiagram(definition, registry.labels(id), definition.machine.initial, []);
}

/** Each state's box: its title, whether it is final, its top and bottom, and the lines written inside it. */
function boxes(svg: string): Array<{ title: string; final: boolean; top: number; bottom: number; notes: string[] }> {
  const box = /<g class="sd-node([^"]*)"><title>([^<]*)<\/title><rect x="[\d.]+" y="([\d.]+)" width="[\d.]+" height="([\d.]+)"[^>]*\/>([^]*?)<\/g>/g;
  return [...svg.matchAll(box)].map(([, classes, title, y, h, inside]) => ({
    title: title.replace(/ \(current state\)$/, ''),
    final: classes.includes('sd-final'),
    top: Number(y),
    bottom: Number(y) + Number(h),
    notes: [...inside.matchAll(/<text class="sd-note"[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]),
  }));
}

/** The labels of the steps looping round the left of the column: where each stands, and how far it reaches up and down. */
function loopLabels(svg: string): Array<{ label: string; x: number; top: number; bottom: number }> {
  return [...svg.matchAll(/<text class="sd-edge-label" transform="translate\(([\d.-]+) ([\d.-]+)\) rotate\(-90\)"[^>]*>([^<]*)<\/text>/g)].map(
    ([, x, y, label]) => {
      // 9.5 px text: no glyph is wider than 0.6 em on average.
      const half = (label.length * 9.5 * 0.6) / 2;
      return { label, x: Number(x), top: Number(y) - half, bottom: Number(y) + half };
    },
  );
}

describe('the state diagram', () => {
  it('stands the stages in the order the workflow moves forward, a compound state’s children together in its box', () => {
    const svg = diagramOf('partnership-mou', 2);
    const column = boxes(svg)
      .filter((b) => !b.final)
      .sort((a, b) => a.top - b.top)
      .map((b) => b.title);
    // Recording an MOU signed before the system goes from the proposal straight to in force: it does not pull "In force" up.
    expect(column).toEqual(['Proposal', 'Senior-management review', 'MOU drafting', 'MOU negotiation', 'Awaiting signatures', 'Active', 'Renewal due']);
    const [, top, height] = /<rect class="sd-group[^"]*" x="[\d.]+" y="([\d.]+)" width="[\d.]+" height="([\d.]+)"/.exec(svg)!.map(Number);
    const inside = boxes(svg).filter((b) => !b.final && b.top >= top && b.bottom <= top + height);
    expect(inside.map((b) => b.title)).toEqual(['Active', 'Renewal due']);
  });

  it.each(registry.all().map((w) => [w.definition.id, w.definition.version] as const))(
    '%s v%i: no label of a step looping round the left meets another',
    (id, version) => {
      const labels = loopLabels(diagramOf(id, version));
      for (const [i, a] of labels.entries()) {
        for (const b of labels.slice(i + 1)) {
          const sameLane = Math.abs(a.x - b.x) < 8;
          const apart = a.bottom <= b.top || b.bottom <= a.top;
          if (sameLane && !apart) throw new Error(`${a.label} and ${b.label} overlap at x ${a.x}`);
        }
      }
    },
  );

  it('writes each event that keeps a state and each timer that only acts on a line of its own, the box as tall as they need', () => {
    const review = boxes(diagramOf('partnership-mou', 2)).find((b) => b.title === 'Senior-management review')!;
    expect(review.notes).toEqual(['↻ Approve', '⏱ Approval deadline passes', '⏱ Twice the approval deadline passes']);
    expect(review.bottom - review.top).toBe(44 + 2 * 12);
  });

  it('writes a step from a state back into itself inside it, not as a loop of no height', () => {
    const svg = diagramOf('recurring-activity', 2);
    expect(boxes(svg).find((b) => b.title === 'Scheduled')!.notes).toEqual(expect.arrayContaining(['↻ Postpone', '↻ Bring forward']));
    expect(loopLabels(svg).map((l) => l.label)).not.toEqual(expect.arrayContaining(['Postpone']));
  });
});
