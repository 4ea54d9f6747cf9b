import { Body, Controller, Get, HttpCode, Param, ParseIntPipe, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { CurrentActor, Roles } from '../auth/auth.decorators.js';
import { ApiErrors } from '../common/http/api-errors.js';
import { RequestId } from '../common/http/request-id.js';
import { WorkflowRegistry, type RegisteredWorkflow } from '../workflow-engine/workflow-registry.js';
import { asList, asTransitions } from '../workflow-engine/transitions.js';
import type { StateConfig } from '../workflow-engine/workflow.types.js';
import type { Actor } from '../workflow-engine/workflow.types.js';
import { MigrationRequestDto, MigrationResponse } from './dto/migration.dto.js';
import { WorkflowListResponse, WorkflowResponse } from './dto/workflow-response.dto.js';
import { WorkflowMigrations } from './workflow-migrations.service.js';

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
  constructor(
    private readonly registry: WorkflowRegistry,
    private readonly migrations: WorkflowMigrations,
  ) {}

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

  @Post(':id/migrations')
  @Roles('admin')
  @HttpCode(200)
  @ApiOkResponse({
    type: MigrationResponse,
    description:
      'Each instance with its fate. A dry run changes nothing; otherwise each instance that can move moves in its own transaction, audited as WORKFLOW_MIGRATED.',
  })
  @ApiErrors(400, 401, 403, 404)
  migrate(@Param('id') id: string, @Body() body: MigrationRequestDto, @CurrentActor() actor: Actor, @RequestId() requestId: string) {
    return this.migrations.migrate(id, body, actor, requestId);
  }
}
