import { Controller, Get, Param, ParseIntPipe } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../common/http/api-errors.js';
import { WorkflowRegistry, type RegisteredWorkflow } from '../workflow-engine/workflow-registry.js';
import { asList, asTransitions } from '../workflow-engine/transitions.js';
import type { StateConfig } from '../workflow-engine/workflow.types.js';
import { WorkflowListResponse, WorkflowResponse } from './dto/workflow-response.dto.js';

interface StateView {
  id: string;
  type: string;
  editable: string[];
  events: Array<{ type: string; roles: string[]; requires: string[]; target: string | null }>;
  timers: string[];
}

/** States and events of a definition as clients need them, next to the definition itself. */
function workflowView({ definition, hash }: RegisteredWorkflow) {
  const states: StateView[] = [];
  const walk = (node: StateConfig, path: string) => {
    for (const [key, child] of Object.entries(node.states ?? {})) {
      const id = path ? `${path}.${key}` : key;
      states.push({
        id,
        type: child.type ?? (child.states ? 'compound' : 'atomic'),
        editable: child.meta?.editable ?? [],
        events: Object.entries(child.on ?? {}).map(([type, config]) => {
          const [first] = asTransitions(config);
          const target = asList(first?.target)[0] ?? null;
          return { type, roles: first?.meta?.roles ?? [], requires: first?.meta?.requires ?? [], target };
        }),
        timers: Object.keys(child.after ?? {}),
      });
      walk(child, id);
    }
  };
  walk(definition.machine, '');
  return {
    id: definition.id,
    version: definition.version,
    title: definition.title,
    description: definition.description,
    hash,
    initial: definition.machine.initial,
    states,
    machine: definition.machine,
  };
}

@ApiTags('workflows')
@ApiBearerAuth()
@Controller('workflows')
export class WorkflowsController {
  constructor(private readonly registry: WorkflowRegistry) {}

  @Get()
  @ApiOkResponse({ type: WorkflowListResponse })
  @ApiErrors(401)
  list() {
    const items = this.registry.all().map(workflowView);
    return { items, total: items.length };
  }

  @Get(':id')
  @ApiOkResponse({ type: WorkflowResponse, description: 'The latest version.' })
  @ApiErrors(401, 404)
  latest(@Param('id') id: string) {
    return workflowView(this.registry.latest(id));
  }

  @Get(':id/versions/:version')
  @ApiOkResponse({ type: WorkflowResponse })
  @ApiErrors(400, 401, 404)
  version(@Param('id') id: string, @Param('version', ParseIntPipe) version: number) {
    return workflowView(this.registry.get(id, version));
  }
}
