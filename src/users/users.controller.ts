import { Body, Controller, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post, Query } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiPreconditionFailedResponse,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { CurrentActor, Roles } from '../auth/auth.decorators.js';
import type { Actor } from '../workflow-engine/workflow.types.js';
import { ResetPasswordDto } from './dto/account.dto.js';
import { CreateUserDto } from './dto/create-user.dto.js';
import { ListUsersQueryDto } from './dto/list-users-query.dto.js';
import { UpdateUserDto } from './dto/update-user.dto.js';
import { UserDto, UserListDto } from './dto/user.dto.js';
import { UsersService } from './users.service.js';
import { ApiErrors, ErrorResponse } from '../common/http/api-errors.js';
import { RequestId } from '../common/http/request-id.js';
import { NoStore } from '../common/http/no-store.js';

@ApiTags('users')
@ApiBearerAuth()
@Roles('admin')
@ApiForbiddenResponse({ type: ErrorResponse, description: 'FORBIDDEN: only admins manage users' })
@ApiErrors(401)
@Controller('users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Post()
  @NoStore()
  @ApiCreatedResponse({ type: UserDto })
  @ApiConflictResponse({ type: ErrorResponse, description: 'CONFLICT: the username is taken' })
  @ApiErrors(400)
  create(@Body() body: CreateUserDto, @CurrentActor() actor: Actor, @RequestId() requestId: string): Promise<UserDto> {
    return this.users.create(body, actor, requestId);
  }

  @Get()
  @NoStore()
  @ApiOkResponse({ type: UserListDto })
  @ApiErrors(400)
  list(@Query() query: ListUsersQueryDto): Promise<UserListDto> {
    return this.users.list(query);
  }

  @Get(':id')
  @NoStore()
  @ApiOkResponse({ type: UserDto })
  @ApiNotFoundResponse({ type: ErrorResponse, description: 'NOT_FOUND' })
  @ApiErrors(400)
  get(@Param('id', new ParseUUIDPipe()) id: string): Promise<UserDto> {
    return this.users.get(id);
  }

  @Patch(':id')
  @NoStore()
  @ApiOkResponse({ type: UserDto })
  @ApiNotFoundResponse({ type: ErrorResponse, description: 'NOT_FOUND' })
  @ApiErrors(400)
  @ApiForbiddenResponse({
    type: ErrorResponse,
    description: 'FORBIDDEN: only admins manage users; SEPARATION_OF_DUTIES: an admin cannot change their own roles',
  })
  @ApiUnprocessableEntityResponse({ type: ErrorResponse, description: 'GUARD_FAILED: an admin cannot disable themselves' })
  @ApiPreconditionFailedResponse({
    type: ErrorResponse,
    description: 'VERSION_MISMATCH: another change to the user was saved between the read and the write of this one; send it again',
  })
  update(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body() body: UpdateUserDto,
    @CurrentActor() actor: Actor,
    @RequestId() requestId: string,
  ): Promise<UserDto> {
    return this.users.update(id, body, actor, requestId);
  }

  @Post(':id/password')
  @NoStore()
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'The password is set; the user’s sessions and calendar feed tokens end. Audited as PASSWORD_RESET.' })
  @ApiNotFoundResponse({ type: ErrorResponse, description: 'NOT_FOUND' })
  @ApiErrors(400)
  @ApiUnprocessableEntityResponse({
    type: ErrorResponse,
    description: 'GUARD_FAILED (rule ownPasswordNeedsCurrent): an admin changes their own password with their current one',
  })
  resetPassword(
    @Param('id', new ParseUUIDPipe()) id: string,
    @Body() body: ResetPasswordDto,
    @CurrentActor() actor: Actor,
    @RequestId() requestId: string,
  ): Promise<void> {
    return this.users.resetPassword(id, body.newPassword, actor, requestId);
  }
}
