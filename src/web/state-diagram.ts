import { asList, transitionGroups } from '../workflow-engine/transitions.js';
import { refType } from '../workflow-engine/vocabulary.js';
import type { WorkflowLabels } from '../workflow-engine/workflow-registry.js';
import type { StateConfig, WorkflowDefinition } from '../workflow-engine/workflow.types.js';

/**
 * The workflow drawn as SVG on the server, straight from its definition: the states that lead
 * somewhere stand in one column in the order they are reached, final states in a second column,
 * compound states as a box around their children. The current state and the steps already taken
 * (from the audit history) are highlighted. No script, no layout library, readable at 360 px.
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
const GAP = 40;
const GROUP_PAD = 26;
const LEFT = 36;
const FINAL_X = LEFT + NODE_W + 52;
const FINAL_W = 110;
const FINAL_H = 40;
const WIDTH = FINAL_X + FINAL_W + 6;
const TOP = 12;

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
    leaves.set(path, { path, final: node.type === 'final', group: parentOf.get(path) ?? null, notes: [], x: 0, y: 0 });
  }
  const edges: Edge[] = [];
  for (const [path, node] of nodes) {
    const own = leaves.get(path);
    for (const { kind, key, transitions } of transitionGroups(node)) {
      for (const t of transitions) {
        const target = asList(t.target)[0];
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

  // The column: non-final states in the order a breadth-first walk from the initial state reaches them.
  const order: string[] = [];
  const queue = [initialLeaf(machine.initial)];
  while (queue.length > 0) {
    const path = queue.shift()!;
    if (order.includes(path) || leaves.get(path)?.final) continue;
    order.push(path);
    for (const edge of edges) if (sourceLeaves(edge.from).includes(path)) queue.push(drawnTarget(edge));
  }
  const groups = new Map<string, { top: number; bottom: number }>();
  let y = TOP;
  order.forEach((path, i) => {
    const leaf = leaves.get(path)!;
    if (leaf.group && leaves.get(order[i - 1] ?? '')?.group !== leaf.group) y += GROUP_PAD - 8;
    Object.assign(leaf, { x: LEFT, y });
    if (leaf.group) {
      const box = groups.get(leaf.group) ?? { top: y - GROUP_PAD + 4, bottom: y };
      box.bottom = y + NODE_H + 8;
      groups.set(leaf.group, box);
    }
    y += NODE_H + GAP;
  });
  const height = y - GAP + TOP + 8;
  const centreY = (from: string) => {
    const box = groups.get(from);
    return box ? (box.top + box.bottom) / 2 : leaves.get(from)!.y + NODE_H / 2;
  };

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
    f.x = FINAL_X;
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
      `<rect class="sd-group${current.startsWith(`${group}.`) ? ' sd-visited' : ''}" x="${LEFT - 8}" y="${box.top}" width="${NODE_W + 16}" height="${box.bottom - box.top}" rx="10"/>`,
      `<text class="sd-group-label" x="${LEFT}" y="${box.top + 14}">${escapeXml(stateWords(group))}</text>`,
    );
  }
  let backLane = 0;
  edges.forEach((edge, i) => {
    const target = leaves.get(drawnTarget(edge));
    if (!target) return;
    const cls = `sd-edge sd-${edge.kind}${taken.has(String(i)) ? ' sd-taken' : ''}`;
    const label = escapeXml(edge.label);
    if (target.final) {
      const x1 = groups.has(edge.from) ? LEFT + NODE_W + 8 : LEFT + NODE_W;
      const y1 = centreY(edge.from);
      const y2 = target.y + FINAL_H / 2;
      parts.push(`<path class="${cls}" d="M${x1} ${y1} C${x1 + 28} ${y1} ${FINAL_X - 28} ${y2} ${FINAL_X} ${y2}" marker-end="url(#sd-arrow)"/>`);
      return;
    }
    const source = leaves.get(edge.from);
    const from = order.indexOf(edge.from);
    const to = order.indexOf(target.path);
    if (source && to === from + 1) {
      const x = LEFT + NODE_W / 2;
      parts.push(
        `<path class="${cls}" d="M${x} ${source.y + NODE_H} L${x} ${target.y}" marker-end="url(#sd-arrow)"/>`,
        `<text class="sd-edge-label" x="${x + 6}" y="${(source.y + NODE_H + target.y) / 2 + 4}">${label}</text>`,
      );
      return;
    }
    // Any other step (back to an earlier state, or skipping ahead) loops round the left of the column.
    const y1 = source ? source.y + NODE_H / 2 : centreY(edge.from);
    const y2 = target.y + NODE_H / 2;
    const lane = LEFT - 12 - 8 * (backLane++ % 2);
    parts.push(
      `<path class="${cls}" d="M${LEFT} ${y1} C${lane - 10} ${y1} ${lane - 10} ${y2} ${LEFT} ${y2}" marker-end="url(#sd-arrow)"/>`,
      `<text class="sd-edge-label" transform="translate(${lane - 4} ${(y1 + y2) / 2}) rotate(-90)" text-anchor="middle">${label}</text>`,
    );
  });
  for (const leaf of leaves.values()) {
    const w = leaf.final ? FINAL_W : NODE_W;
    const h = leaf.final ? FINAL_H : NODE_H;
    const state = leaf.path === current ? ' sd-current' : visited.has(leaf.path) ? ' sd-visited' : '';
    const name = stateWords(leaf.path);
    const incoming = leaf.final ? [...new Set(edges.filter((e) => e.to === leaf.path).map((e) => e.label))].join(', ') : leaf.notes.join(' · ');
    const title = leaf.path === current ? `${stateWords(leaf.path)} (current state)` : stateWords(leaf.path);
    parts.push(
      `<g class="sd-node${leaf.final ? ' sd-final' : ''}${state}"><title>${escapeXml(title)}</title>`,
      `<rect x="${leaf.x}" y="${leaf.y}" width="${w}" height="${h}" rx="${leaf.final ? 20 : 6}"/>`,
      `<text class="sd-name" x="${leaf.x + w / 2}" y="${leaf.y + (incoming ? 18 : h / 2 + 4)}" text-anchor="middle">${escapeXml(name)}${leaf.path === current ? ' ◆' : ''}</text>`,
      incoming ? `<text class="sd-note" x="${leaf.x + w / 2}" y="${leaf.y + h - 10}" text-anchor="middle">${escapeXml(incoming)}</text>` : '',
      '</g>',
    );
  }
  const path = history.filter((s) => s.to && s.to !== s.from).map((s) => stateWords(s.to!));
  const description = `Current state: ${stateWords(current)}. Steps taken: ${path.length ? path.join(', then ') : 'none yet'}.`;
  return [
    `<svg class="state-diagram" viewBox="0 0 ${WIDTH} ${totalHeight}" role="img" aria-labelledby="sd-title sd-desc" xmlns="http://www.w3.org/2000/svg">`,
    `<title id="sd-title">${escapeXml(`${definition.title}, workflow version ${definition.version}`)}</title>`,
    `<desc id="sd-desc">${escapeXml(description)}</desc>`,
    '<defs><marker id="sd-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerUnits="userSpaceOnUse" markerWidth="8" markerHeight="8" orient="auto-start-reverse"><path d="M0 0 L10 5 L0 10 z"/></marker></defs>',
    ...parts,
    '</svg>',
  ].join('');
}
