import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { sha256Hex } from '../common/canonical-json.js';
import { DomainError } from '../common/domain-error.js';
import { asList, transitionGroups } from './transitions.js';
import { contextSettings, delays, effects, guardNames, guards, refType, updates } from './vocabulary.js';
import type { NamedRef, StateConfig, WorkflowDefinition } from './workflow.types.js';

/** A definition that cannot run. The message names the file and the path inside it. */
export class WorkflowDefinitionError extends Error {
  constructor(
    readonly file: string,
    readonly path: string,
    problem: string,
  ) {
    super(`${file}: ${path ? `${path}: ` : ''}${problem}`);
    this.name = 'WorkflowDefinitionError';
  }
}

export interface RegisteredWorkflow {
  definition: WorkflowDefinition;
  /** SHA-256 of the file's bytes, recorded on every instance that runs on it. */
  hash: string;
  file: string;
}

/** What a person reads for one state, event or timer: a title ("Submit for approval") and a past-tense phrase ("submitted it for approval"). */
export interface Label {
  title: string;
  phrase: string;
}

/** `<id>.labels.json`: the words of every state (by dotted path), event and delay of every version of a workflow. Presentation only, outside the hashes. */
export interface WorkflowLabels {
  workflow: string;
  states: Record<string, Label>;
  events: Record<string, Label>;
  delays: Record<string, Label>;
}

const FILE_RE = /^([a-z][a-z0-9-]*)\.v([1-9][0-9]*)\.json$/;
const LABELS_RE = /^([a-z][a-z0-9-]*)\.labels\.json$/;

/** Checks the shape of a labels file; whether it covers a definition is checked once both are loaded. */
function validateLabels(file: string, raw: unknown): WorkflowLabels {
  const fail = (path: string, problem: string): never => {
    throw new WorkflowDefinitionError(file, path, problem);
  };
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) fail('', 'a labels file is a JSON object');
  const labels = raw as WorkflowLabels;
  const id = LABELS_RE.exec(file)![1];
  if (labels.workflow !== id) fail('workflow', `must be "${id}", as the file name says`);
  for (const section of ['states', 'events', 'delays'] as const) {
    const entries = labels[section];
    if (!entries || typeof entries !== 'object' || Array.isArray(entries)) fail(section, 'must be an object of labels');
    for (const [key, label] of Object.entries(entries)) {
      for (const part of ['title', 'phrase'] as const) {
        if (typeof label?.[part] !== 'string' || label[part].trim().length === 0) fail(`${section}.${key}.${part}`, 'must be a non-empty string');
      }
    }
  }
  return labels;
}

/** The ids of a definition that a person may read: every state's dotted path, every event, every delay. */
function readableIds(definition: WorkflowDefinition): Record<'states' | 'events' | 'delays', string[]> {
  const ids = { states: statePaths(definition.machine), events: new Set<string>(), delays: new Set<string>() };
  const walk = (node: StateConfig) => {
    for (const event of Object.keys(node.on ?? {})) ids.events.add(event);
    for (const delay of Object.keys(node.after ?? {})) ids.delays.add(delay);
    for (const child of Object.values(node.states ?? {})) walk(child);
  };
  walk(definition.machine);
  return { states: ids.states, events: [...ids.events], delays: [...ids.delays] };
}

interface NodeEntry {
  /** Dotted path of the state inside the machine ('' for the root). */
  path: string;
  /** Where the node sits in the file, for error messages. */
  location: string;
  node: StateConfig;
  parent?: NodeEntry;
}

/** Checks one parsed definition; throws WorkflowDefinitionError on the first problem. */
export function validateDefinition(file: string, raw: unknown): WorkflowDefinition {
  const fail = (path: string, problem: string): never => {
    throw new WorkflowDefinitionError(file, path, problem);
  };
  if (!raw || typeof raw !== 'object') fail('', 'a definition is a JSON object');
  const def = raw as WorkflowDefinition;
  const match = FILE_RE.exec(file);
  if (!match) fail('', 'file name must be <id>.v<version>.json');
  if (def.id !== match![1]) fail('id', `must be "${match![1]}", as the file name says`);
  if (def.version !== Number(match![2])) fail('version', `must be ${match![2]}, as the file name says`);
  for (const key of ['title', 'description'] as const) {
    if (typeof def[key] !== 'string' || def[key].length === 0) fail(key, 'must be a non-empty string');
  }
  const machine = def.machine;
  if (!machine || typeof machine !== 'object') fail('machine', 'must be an XState machine config');
  if (machine.id !== def.id) fail('machine.id', `must be "${def.id}"`);
  if (!machine.context || typeof machine.context !== 'object' || Array.isArray(machine.context)) {
    fail('machine.context', 'must be a static object');
  }

  const entries: NodeEntry[] = [];
  const byPath = new Map<string, NodeEntry>();
  const walk = (entry: NodeEntry) => {
    entries.push(entry);
    byPath.set(entry.path, entry);
    const states = entry.node.states ?? {};
    if (entry.node.type === 'parallel' || entry.node.type === 'history') {
      fail(entry.location, `state type "${entry.node.type}" is not supported`);
    }
    // The engine runs machines purely: it carries out timers and effects itself, and runs no actors.
    if (Object.hasOwn(entry.node, 'invoke')) fail(`${entry.location}.invoke`, 'definitions invoke no actors');
    const editable = entry.node.meta?.editable;
    if (editable !== undefined && (!Array.isArray(editable) || editable.some((f) => typeof f !== 'string'))) {
      fail(`${entry.location}.meta.editable`, 'must be a list of field names');
    }
    if (Object.keys(states).length > 0 && (!entry.node.initial || !states[entry.node.initial])) {
      fail(`${entry.location}.initial`, 'a state with children needs an initial child that exists');
    }
    for (const [key, child] of Object.entries(states)) {
      if (!/^[a-z][a-z0-9_]*$/.test(key)) fail(`${entry.location}.states.${key}`, 'state names are snake_case');
      walk({
        path: entry.path ? `${entry.path}.${key}` : key,
        location: `${entry.location}.states.${key}`,
        node: child,
        parent: entry,
      });
    }
  };
  walk({ path: '', location: 'machine', node: machine });

  const checkRef = (location: string, ref: NamedRef, known: Record<string, unknown> | ReadonlySet<string>, kind: string) => {
    const name = refType(ref);
    const has = known instanceof Set ? known.has(name) : Object.hasOwn(known, name);
    if (!has) fail(location, `unknown ${kind} "${name}"`);
    needsSettings(location, name);
  };
  // A guard or delay that reads a setting takes its default from the definition's context only.
  const needsSettings = (location: string, name: string) => {
    for (const setting of Object.hasOwn(contextSettings, name) ? contextSettings[name] : []) {
      if (typeof machine.context[setting] !== 'number') fail('machine.context', `${location} uses "${name}", which needs a number "${setting}" here`);
    }
  };
  const resolveTarget = (from: NodeEntry, target: string, location: string): NodeEntry => {
    let path: string;
    if (target.startsWith('#')) {
      const [id, ...rest] = target.slice(1).split('.');
      if (id !== machine.id) fail(location, `target "${target}" must start with #${machine.id}`);
      path = rest.join('.');
    } else if (target.startsWith('.')) {
      path = from.path ? `${from.path}${target}` : target.slice(1);
    } else {
      const parentPath = from.parent?.path ?? '';
      path = parentPath ? `${parentPath}.${target}` : target;
    }
    const found = byPath.get(path);
    if (!found) fail(location, `target "${target}" is not a state`);
    return found!;
  };

  const actionNames = new Set([...Object.keys(updates), ...effects]);
  const edges = new Map<string, string[]>();
  for (const entry of entries) {
    const { node, location } = entry;
    const targets: string[] = [];
    for (const [field, refs] of [
      ['entry', node.entry],
      ['exit', node.exit],
    ] as const) {
      asList(refs).forEach((ref, i) => checkRef(`${location}.${field}[${i}]`, ref, actionNames, 'action'));
    }
    const groups = transitionGroups(node).map((group) => ({
      ...group,
      where: `${location}.${group.kind === 'always' ? 'always' : `${group.kind}.${group.key}`}`,
    }));
    for (const { kind, key, where } of groups) {
      if (kind !== 'after') continue;
      if (!Object.hasOwn(delays, key)) fail(where, `unknown delay "${key}"`);
      needsSettings(where, key);
    }
    for (const { where, transitions, kind } of groups) {
      transitions.forEach((t, i) => {
        const at = transitions.length > 1 ? `${where}[${i}]` : where;
        if (kind === 'on') {
          const roles = t.meta?.roles;
          if (!Array.isArray(roles) || roles.length === 0 || roles.some((r) => typeof r !== 'string')) {
            fail(`${at}.meta.roles`, 'every event names the roles that may send it');
          }
          if (t.meta?.requires !== undefined && !Array.isArray(t.meta.requires)) fail(`${at}.meta.requires`, 'must be a list of payload paths');
        }
        if (t.guard !== undefined) {
          guardNames(t.guard).forEach((name) => checkRef(`${at}.guard`, name, guards, 'guard'));
        }
        asList(t.actions).forEach((ref, j) => checkRef(`${at}.actions[${j}]`, ref, actionNames, 'action'));
        asList(t.target).forEach((target) => targets.push(resolveTarget(entry, target, `${at}.target`).path));
      });
    }
    edges.set(entry.path, targets);
  }

  // Reachability: entering a state enters its ancestors and its initial descendants.
  const reached = new Set<string>();
  const enter = (path: string) => {
    let entry = byPath.get(path);
    const chain: NodeEntry[] = [];
    while (entry) {
      chain.push(entry);
      entry = entry.parent;
    }
    for (const e of chain) reached.add(e.path);
    let node = byPath.get(path)!;
    while (node.node.initial) {
      node = byPath.get(node.path ? `${node.path}.${node.node.initial}` : node.node.initial)!;
      reached.add(node.path);
    }
  };
  enter('');
  let grew = true;
  while (grew) {
    const before = reached.size;
    for (const path of [...reached]) for (const target of edges.get(path) ?? []) enter(target);
    grew = reached.size > before;
  }
  for (const entry of entries) {
    if (!reached.has(entry.path)) fail(entry.location, 'state is unreachable from the initial state');
  }

  // A leaf that is not final needs a way out, from itself or from a state that contains it.
  for (const entry of entries) {
    if (entry.node.states || entry.node.type === 'final') continue;
    let hasExit = false;
    for (let e: NodeEntry | undefined = entry; e && e.path !== ''; e = e.parent) {
      const n = e.node;
      if (Object.keys(n.on ?? {}).length > 0 || Object.keys(n.after ?? {}).length > 0 || n.always) hasExit = true;
    }
    if (!hasExit) fail(entry.location, 'a state that is not final needs a way out');
  }
  return def;
}

/** The dotted path of every state of a machine, compound states included (`in_force`, `in_force.active`). */
function statePaths(node: StateConfig, prefix = ''): string[] {
  return Object.entries(node.states ?? {}).flatMap(([key, child]) => {
    const path = prefix ? `${prefix}.${key}` : key;
    return [path, ...statePaths(child, path)];
  });
}

/** Every workflow version of a directory, validated, by id and version. */
export class WorkflowRegistry {
  private readonly byKey = new Map<string, RegisteredWorkflow>();
  private readonly states = new Set<string>();

  private readonly labelsById = new Map<string, WorkflowLabels>();

  /** Loads every definition and labels file of `dir`; a definition whose states, events or delays lack a label stops the load, naming them. */
  static loadDirectory(dir: string): WorkflowRegistry {
    const registry = new WorkflowRegistry();
    const files = readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .sort();
    const parse = (file: string, bytes: Buffer): unknown => {
      try {
        return JSON.parse(bytes.toString('utf8'));
      } catch (error) {
        throw new WorkflowDefinitionError(file, '', `invalid JSON (${(error as Error).message})`);
      }
    };
    for (const file of files.filter((f) => LABELS_RE.test(f))) {
      const labels = validateLabels(file, parse(file, readFileSync(join(dir, file))));
      registry.labelsById.set(labels.workflow, labels);
    }
    for (const file of files.filter((f) => !LABELS_RE.test(f))) {
      const bytes = readFileSync(join(dir, file));
      const definition = validateDefinition(basename(file), parse(file, bytes));
      registry.checkLabelled(file, definition);
      registry.add({ definition, hash: sha256Hex(bytes), file });
    }
    return registry;
  }

  private checkLabelled(file: string, definition: WorkflowDefinition): void {
    const labelsFile = `${definition.id}.labels.json`;
    const labels = this.labelsById.get(definition.id);
    if (!labels) throw new WorkflowDefinitionError(file, '', `has no labels: add ${labelsFile} beside it, with a title and phrase for each state and event`);
    const ids = readableIds(definition);
    const missing = (['states', 'events', 'delays'] as const).flatMap((section) =>
      ids[section].filter((id) => !Object.hasOwn(labels[section], id)).map((id) => `${section}.${id}`),
    );
    if (missing.length > 0) throw new WorkflowDefinitionError(labelsFile, '', `has no label for ${missing.join(', ')} of ${file}`);
  }

  /** The labels of a workflow, loaded with it. */
  labels(id: string): WorkflowLabels {
    const found = this.labelsById.get(id);
    if (!found) throw new DomainError('NOT_FOUND', `workflow ${id} is not loaded`);
    return found;
  }

  /** The words of a state of `workflow`, or of any loaded workflow (state paths are not shared between them). */
  stateLabel(path: string, workflow?: string): Label {
    const own = this.find('states', path, workflow) ?? { title: path, phrase: path };
    // A child state reads with its parents: "In force · Renewal due".
    const parents = path
      .split('.')
      .slice(0, -1)
      .map((_, i, parts) => this.find('states', parts.slice(0, i + 1).join('.'), workflow)?.title);
    return parents.every((title) => title !== undefined) ? { title: [...parents, own.title].join(' · '), phrase: own.phrase } : own;
  }

  eventLabel(type: string, workflow?: string): Label {
    return this.find('events', type, workflow) ?? { title: type, phrase: type };
  }

  delayLabel(delay: string, workflow?: string): Label {
    return this.find('delays', delay, workflow) ?? { title: delay, phrase: delay };
  }

  private find(section: 'states' | 'events' | 'delays', key: string, workflow?: string): Label | undefined {
    const sources = workflow ? [this.labelsById.get(workflow)] : [...this.labelsById.values()];
    for (const labels of sources) if (labels && Object.hasOwn(labels[section], key)) return labels[section][key];
    return undefined;
  }

  add(workflow: RegisteredWorkflow): void {
    this.byKey.set(`${workflow.definition.id}@${workflow.definition.version}`, workflow);
    for (const path of statePaths(workflow.definition.machine)) this.states.add(path);
  }

  /** Whether `state` is a state of any loaded definition; a compound one stands for its children, so it is also every dotted prefix a list filter takes. */
  hasState(state: string): boolean {
    return this.states.has(state);
  }

  get(id: string, version: number): RegisteredWorkflow {
    const found = this.byKey.get(`${id}@${version}`);
    if (!found) throw new DomainError('NOT_FOUND', `workflow ${id} v${version} is not loaded`);
    return found;
  }

  latest(id: string): RegisteredWorkflow {
    const versions = this.versions(id);
    if (versions.length === 0) throw new DomainError('NOT_FOUND', `workflow ${id} is not loaded`);
    return versions[versions.length - 1];
  }

  versions(id: string): RegisteredWorkflow[] {
    return [...this.byKey.values()].filter((w) => w.definition.id === id).sort((a, b) => a.definition.version - b.definition.version);
  }

  all(): RegisteredWorkflow[] {
    return [...this.byKey.values()].sort((a, b) => a.definition.id.localeCompare(b.definition.id) || a.definition.version - b.definition.version);
  }
}
