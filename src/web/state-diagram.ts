import { asList, transitionGroups } from '../workflow-engine/transitions.js';
import { refType } from '../workflow-engine/vocabulary.js';
import type { WorkflowLabels } from '../workflow-engine/workflow-registry.js';
import type { StateConfig, WorkflowDefinition } from '../workflow-engine/workflow.types.js';

/**
 * The workflow drawn as SVG on the server, straight from its definition: the states that lead
 * somewhere stand in one column in the order the workflow moves forward through them (a compound
 * state's children together, in a box), final states in a second column. Steps back or across
 * loop round the left of the column, each in a lane of its own where it would cross another or
 * its label. The current state and the steps already taken (from the audit history) are
 * highlighted. No script, no layout library, readable at 360 px.
 */

export interface DiagramHistoryStep {
  from: string | null;
  to: string | null;
}

interface Leaf {
  path: string;
  final: boolean;
  group: string | null;
  /** Events that keep the state (↻) and timers that only act (⏱), written inside the box. */
  notes: string[];
  x: number;
  y: number;
  /** Taller for each note beyond the first: one line each. */
  h: number;
}

interface Edge {
  /** A leaf path, or a compound state's path when the transition belongs to the whole group. */
  from: string;
  to: string;
  label: string;
  kind: 'event' | 'timer' | 'automatic';
}

const NODE_W = 200;
const NODE_H = 44;
const NOTE_LINE = 12;
const GAP = 40;
const GROUP_PAD = 26;
const FINAL_W = 110;
const FINAL_H = 40;
const TOP = 12;
/** How far apart the lanes of the steps looping round the left are; a label stands in its lane. */
const LANE_W = 13;
/** An edge label's width per character at its 9.5 px font, a little generous, and its margin. */
const LABEL_CHAR = 5.4;
const LABEL_PAD = 6;

function camelWords(name: string): string {
  return name.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
}

function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The diagram in the workflow's labels: states and events by their titles, timers by their delays' titles. */
export function renderStateDiagram(definition: WorkflowDefinition, labels: WorkflowLabels, current: string, history: DiagramHistoryStep[]): string {
  const machine = definition.machine;
  const stateWords = (path: string) => labels.states[path]?.title ?? path;
  const eventWords = (type: string) => labels.events[type]?.title ?? type;
  const delayWords = (delay: string) => labels.delays[delay]?.title ?? camelWords(delay);
  const nodes = new Map<string, StateConfig>();
  const parentOf = new Map<string, string | null>();
  const walk = (node: StateConfig, path: string) => {
    for (const [key, child] of Object.entries(node.states ?? {})) {
      const childPath = path ? `${path}.${key}` : key;
      nodes.set(childPath, child);
      parentOf.set(childPath, path || null);
      walk(child, childPath);
    }
  };
  walk(machine, '');
  const isCompound = (path: string) => Object.keys(nodes.get(path)?.states ?? {}).length > 0;
  const initialLeaf = (path: string): string => {
    let leaf = path;
    while (isCompound(leaf)) leaf = `${leaf}.${nodes.get(leaf)!.initial}`;
    return leaf;
  };
  const resolve = (from: string, target: string): string => {
    if (target.startsWith('#')) return target.split('.').slice(1).join('.');
    const parent = parentOf.get(from);
    return parent ? `${parent}.${target}` : target;
  };

  const leaves = new Map<string, Leaf>();
  for (const [path, node] of nodes) {
    if (isCompound(path)) continue;
    leaves.set(path, { path, final: node.type === 'final', group: parentOf.get(path) ?? null, notes: [], x: 0, y: 0, h: NODE_H });
  }
  const edges: Edge[] = [];
  for (const [path, node] of nodes) {
    const own = leaves.get(path);
    for (const { kind, key, transitions } of transitionGroups(node)) {
      for (const t of transitions) {
        const named = asList(t.target)[0];
        // A step from a state back into itself keeps it, as one with no target does: a note, not a loop of no height.
        const target = named !== undefined && own && initialLeaf(resolve(path, named)) === path ? undefined : named;
        if (kind === 'on') {
          if (target === undefined) own?.notes.push(`↻ ${eventWords(key)}`);
          else edges.push({ from: path, to: resolve(path, target), label: eventWords(key), kind: 'event' });
        } else if (kind === 'after') {
          if (target === undefined) own?.notes.push(`⏱ ${delayWords(key)}`);
          else edges.push({ from: path, to: resolve(path, target), label: delayWords(key), kind: 'timer' });
        } else if (target !== undefined) {
          const guard = t.guard === undefined ? '' : ` ${camelWords(refType(t.guard))}`;
          edges.push({ from: path, to: resolve(path, target), label: `when${guard}`, kind: 'automatic' });
        }
      }
    }
  }
  const drawnTarget = (edge: Edge) => initialLeaf(edge.to);
  const sourceLeaves = (from: string) => [...leaves.keys()].filter((p) => p === from || p.startsWith(`${from}.`));

  // The non-final states reached from the initial one, in the order a breadth-first walk reaches them.
  const reached: string[] = [];
  const next = (path: string) => edges.filter((edge) => sourceLeaves(edge.from).includes(path)).map(drawnTarget);
  const queue = [initialLeaf(machine.initial)];
  while (queue.length > 0) {
    const path = queue.shift()!;
    if (reached.includes(path) || leaves.get(path)?.final) continue;
    reached.push(path);
    queue.push(...next(path));
  }
  // Forward means not back: a depth-first walk finds the steps back (to a state still on its path),
  // and the column orders the states by the longest way forward to them, so that a shortcut
  // (an MOU recorded as signed before) does not pull a late stage up between early ones.
  const back = new Set<string>();
  const onPath = new Set<string>();
  const walked = new Set<string>();
  const explore = (path: string) => {
    walked.add(path);
    onPath.add(path);
    for (const to of next(path)) {
      if (!reached.includes(to)) continue;
      if (onPath.has(to)) back.add(`${path}>${to}`);
      else if (!walked.has(to)) explore(to);
    }
    onPath.delete(path);
  };
  explore(reached[0]);
  const rank = new Map<string, number>();
  const rankOf = (path: string): number => {
    if (!rank.has(path)) {
      rank.set(path, 0);
      const before = reached.filter((from) => next(from).includes(path) && !back.has(`${from}>${path}`));
      rank.set(path, Math.max(0, ...before.map((from) => rankOf(from) + 1)));
    }
    return rank.get(path)!;
  };
  const ranked = [...reached].sort((a, b) => rankOf(a) - rankOf(b) || reached.indexOf(a) - reached.indexOf(b));
  // A compound state's children stand together, where the first of them would.
  const order: string[] = [];
  for (const path of ranked) {
    if (order.includes(path)) continue;
    const group = leaves.get(path)!.group;
    order.push(...(group ? ranked.filter((p) => leaves.get(p)!.group === group) : [path]));
  }

  const groups = new Map<string, { top: number; bottom: number }>();
  let y = TOP;
  order.forEach((path, i) => {
    const leaf = leaves.get(path)!;
    leaf.h = NODE_H + Math.max(0, leaf.notes.length - 1) * NOTE_LINE;
    if (leaf.group && leaves.get(order[i - 1] ?? '')?.group !== leaf.group) y += GROUP_PAD - 8;
    leaf.y = y;
    if (leaf.group) {
      const box = groups.get(leaf.group) ?? { top: y - GROUP_PAD + 4, bottom: y };
      box.bottom = y + leaf.h + 8;
      groups.set(leaf.group, box);
    }
    y += leaf.h + GAP;
  });
  const height = y - GAP + TOP + 8;
  const centreY = (from: string) => {
    const box = groups.get(from);
    return box ? (box.top + box.bottom) / 2 : leaves.get(from)!.y + leaves.get(from)!.h / 2;
  };

  // The steps that loop round the left: each takes the innermost lane where neither it nor its
  // label meets another's.
  const loops = new Map<number, { y1: number; y2: number; lane: number }>();
  const lanes: Array<Array<[number, number]>> = [];
  edges.forEach((edge, i) => {
    const target = leaves.get(drawnTarget(edge));
    if (!target || target.final) return;
    const source = leaves.get(edge.from);
    if (source && order.indexOf(target.path) === order.indexOf(edge.from) + 1) return;
    const y1 = source ? source.y + source.h / 2 : centreY(edge.from);
    const y2 = target.y + target.h / 2;
    const half = (edge.label.length * LABEL_CHAR) / 2 + LABEL_PAD;
    const span: [number, number] = [Math.min(y1, y2, (y1 + y2) / 2 - half), Math.max(y1, y2, (y1 + y2) / 2 + half)];
    let lane = lanes.findIndex((taken) => taken.every(([top, bottom]) => span[1] < top || span[0] > bottom));
    if (lane < 0) lane = lanes.push([]) - 1;
    lanes[lane].push(span);
    loops.set(i, { y1, y2, lane });
  });
  const left = 24 + LANE_W * lanes.length;
  const finalX = left + NODE_W + 52;
  const width = finalX + FINAL_W + 6;
  for (const path of order) leaves.get(path)!.x = left;

  // Final states beside the column, each near the states that lead to it, without overlapping.
  const finals = [...leaves.values()].filter((l) => l.final);
  const wanted = new Map(
    finals.map((f) => {
      const ys = edges
        .filter((e) => e.to === f.path)
        .map((e) => centreY(e.from))
        .sort((a, b) => a - b);
      return [f.path, ys.length ? ys[Math.floor((ys.length - 1) / 2)] : height / 2];
    }),
  );
  let floor = TOP;
  for (const f of finals.sort((a, b) => wanted.get(a.path)! - wanted.get(b.path)!)) {
    f.y = Math.max(floor, wanted.get(f.path)! - FINAL_H / 2);
    f.x = finalX;
    f.h = FINAL_H;
    floor = f.y + FINAL_H + 12;
  }
  const totalHeight = Math.max(height, floor);

  const visited = new Set<string>([current]);
  const taken = new Set<string>();
  for (const step of history) {
    if (step.from) visited.add(step.from);
    if (step.to) visited.add(step.to);
    if (!step.from || !step.to) continue;
    edges.forEach((edge, i) => {
      const fromMatches = step.from === edge.from || step.from!.startsWith(`${edge.from}.`);
      if (fromMatches && drawnTarget(edge) === step.to) taken.add(String(i));
    });
  }

  const parts: string[] = [];
  for (const [group, box] of groups) {
    parts.push(
      `<rect class="sd-group${current.startsWith(`${group}.`) ? ' sd-visited' : ''}" x="${left - 8}" y="${box.top}" width="${NODE_W + 16}" height="${box.bottom - box.top}" rx="10"/>`,
      `<text class="sd-group-label" x="${left}" y="${box.top + 14}">${escapeXml(stateWords(group))}</text>`,
    );
  }
  edges.forEach((edge, i) => {
    const target = leaves.get(drawnTarget(edge));
    if (!target) return;
    const cls = `sd-edge sd-${edge.kind}${taken.has(String(i)) ? ' sd-taken' : ''}`;
    const label = escapeXml(edge.label);
    if (target.final) {
      const x1 = groups.has(edge.from) ? left + NODE_W + 8 : left + NODE_W;
      const y1 = centreY(edge.from);
      const y2 = target.y + FINAL_H / 2;
      parts.push(`<path class="${cls}" d="M${x1} ${y1} C${x1 + 28} ${y1} ${finalX - 28} ${y2} ${finalX} ${y2}" marker-end="url(#sd-arrow)"/>`);
      return;
    }
    const loop = loops.get(i);
    const source = leaves.get(edge.from);
    if (!loop && source) {
      const x = left + NODE_W / 2;
      parts.push(
        `<path class="${cls}" d="M${x} ${source.y + source.h} L${x} ${target.y}" marker-end="url(#sd-arrow)"/>`,
        `<text class="sd-edge-label" x="${x + 6}" y="${(source.y + source.h + target.y) / 2 + 4}">${label}</text>`,
      );
      return;
    }
    if (!loop) return;
    // Any other step (back to an earlier state, or skipping ahead) loops round the left of the column, in its lane.
    const { y1, y2, lane } = loop;
    const x0 = groups.has(edge.from) ? left - 8 : left;
    const laneX = left - 16 - LANE_W * lane;
    const turn = Math.sign(y2 - y1) * 4;
    parts.push(
      `<path class="${cls}" d="M${x0} ${y1} H${laneX + 4} Q${laneX} ${y1} ${laneX} ${y1 + turn} V${y2 - turn} Q${laneX} ${y2} ${laneX + 4} ${y2} H${left}" marker-end="url(#sd-arrow)"/>`,
      `<text class="sd-edge-label" transform="translate(${laneX - 3} ${(y1 + y2) / 2}) rotate(-90)" text-anchor="middle">${label}</text>`,
    );
  });
  for (const leaf of leaves.values()) {
    const w = leaf.final ? FINAL_W : NODE_W;
    const h = leaf.h;
    const state = leaf.path === current ? ' sd-current' : visited.has(leaf.path) ? ' sd-visited' : '';
    const name = stateWords(leaf.path);
    // A final state names the steps into it; any other, one line for each event that keeps it and each timer that only acts.
    const lines = leaf.final ? [[...new Set(edges.filter((e) => e.to === leaf.path).map((e) => e.label))].join(', ')].filter(Boolean) : leaf.notes;
    const title = leaf.path === current ? `${stateWords(leaf.path)} (current state)` : stateWords(leaf.path);
    parts.push(
      `<g class="sd-node${leaf.final ? ' sd-final' : ''}${state}"><title>${escapeXml(title)}</title>`,
      `<rect x="${leaf.x}" y="${leaf.y}" width="${w}" height="${h}" rx="${leaf.final ? 20 : 6}"/>`,
      `<text class="sd-name" x="${leaf.x + w / 2}" y="${leaf.y + (lines.length > 0 ? 18 : h / 2 + 4)}" text-anchor="middle">${escapeXml(name)}${leaf.path === current ? ' ◆' : ''}</text>`,
      ...lines.map(
        (line, n) => `<text class="sd-note" x="${leaf.x + w / 2}" y="${leaf.y + 34 + n * NOTE_LINE}" text-anchor="middle">${escapeXml(line)}</text>`,
      ),
      '</g>',
    );
  }
  const path = history.filter((s) => s.to && s.to !== s.from).map((s) => stateWords(s.to!));
  const description = `Current state: ${stateWords(current)}. Steps taken: ${path.length ? path.join(', then ') : 'none yet'}.`;
  return [
    `<svg class="state-diagram" viewBox="0 0 ${width} ${totalHeight}" role="img" aria-labelledby="sd-title sd-desc" xmlns="http://www.w3.org/2000/svg">`,
    `<title id="sd-title">${escapeXml(`${definition.title}, workflow version ${definition.version}`)}</title>`,
    `<desc id="sd-desc">${escapeXml(description)}</desc>`,
    '<defs><marker id="sd-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerUnits="userSpaceOnUse" markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path d="M0 0 L10 5 L0 10 z"/></marker></defs>',
    ...parts,
    '</svg>',
  ].join('');
}
