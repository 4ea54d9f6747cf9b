import { Body, Controller, Get, Param, ParseUUIDPipe, Patch, Post, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { CurrentActor, Roles } from '../auth/auth.decorators.js';
import { ApiErrors } from '../common/http/api-errors.js';
import { ApiIfMatch, ETAG_HEADER, etagOf, IfMatchVersion } from '../common/http/if-match.js';
import { NoStore } from '../common/http/no-store.js';
import { RequestId } from '../common/http/request-id.js';
import type { Actor } from '../workflow-engine/workflow.types.js';
import { CreatePersonDto, ListPeopleQueryDto, UpdatePersonDto } from './dto/person.dto.js';
import { PersonListResponse, PersonResponse } from './dto/person-response.dto.js';
import { PeopleService } from './people.service.js';

@ApiTags('people')
@ApiBearerAuth()
@Controller('people')
export class PeopleController {
  constructor(private readonly people: PeopleService) {}

  @Post()
  @NoStore()
  @Roles('manager')
  @ApiCreatedResponse({ type: PersonResponse, headers: ETAG_HEADER })
  @ApiErrors(400, 401, 403, 404)
  async create(@Body() body: CreatePersonDto, @CurrentActor() actor: Actor, @RequestId() requestId: string, @Res({ passthrough: true }) res: Response) {
    const person = await this.people.create(body, actor, requestId);
    res.setHeader('ETag', etagOf(person.version));
    return person;
  }

  @Get()
  @NoStore()
  @ApiOkResponse({ type: PersonListResponse })
  @ApiErrors(400, 401)
  list(@Query() query: ListPeopleQueryDto) {
    return this.people.list(query);
  }

  @Get(':id')
  @NoStore()
  @ApiOkResponse({ type: PersonResponse, headers: ETAG_HEADER })
  @ApiErrors(400, 401, 404)
  async get(@Param('id', ParseUUIDPipe) id: string, @Res({ passthrough: true }) res: Response) {
    const person = await this.people.get(id);
    res.setHeader('ETag', etagOf(person.version));
    return person;
  }

  @Patch(':id')
  @NoStore()
  @Roles('manager')
  @ApiOkResponse({ type: PersonResponse, headers: ETAG_HEADER })
  @ApiIfMatch()
  @ApiErrors(400, 401, 403, 404, 412, 428)
  async update(
    @Param('id', ParseUUIDPipe) id: string,
    @Body() body: UpdatePersonDto,
    @IfMatchVersion() version: number,
    @CurrentActor() actor: Actor,
    @RequestId() requestId: string,
    @Res({ passthrough: true }) res: Response,
  ) {
    const person = await this.people.update(id, body, actor, version, requestId);
    res.setHeader('ETag', etagOf(person.version));
    return person;
  }
}
