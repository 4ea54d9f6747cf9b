import { Body, Controller, Get, HttpCode, Patch, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiNoContentResponse, ApiOkResponse, ApiTags, ApiUnprocessableEntityResponse } from '@nestjs/swagger';
import { CurrentActor } from '../auth/auth.decorators.js';
import { ApiErrors, ErrorResponse } from '../common/http/api-errors.js';
import { NoStore } from '../common/http/no-store.js';
import { RequestId } from '../common/http/request-id.js';
import type { Actor } from '../workflow-engine/workflow.types.js';
import { ChangePasswordDto, UpdateAccountDto } from './dto/account.dto.js';
import { UserDto } from './dto/user.dto.js';
import { UsersService } from './users.service.js';

/** Each signed-in person's own account: their name, where and how their notices are mailed, their password. */
@ApiTags('account')
@ApiBearerAuth()
@ApiErrors(401)
@Controller('me')
export class MeController {
  constructor(private readonly users: UsersService) {}

  @Get()
  @NoStore()
  @ApiOkResponse({ type: UserDto })
  get(@CurrentActor() actor: Actor): Promise<UserDto> {
    return this.users.get(actor.id);
  }

  @Patch()
  @NoStore()
  @ApiOkResponse({ type: UserDto })
  @ApiErrors(400)
  update(@Body() body: UpdateAccountDto, @CurrentActor() actor: Actor, @RequestId() requestId: string): Promise<UserDto> {
    return this.users.update(actor.id, body, actor, requestId);
  }

  @Post('password')
  @NoStore()
  @HttpCode(204)
  @ApiNoContentResponse({
    description: 'The password is changed; every earlier token and web session of the caller, this one included, is refused from now on.',
  })
  @ApiErrors(400)
  @ApiUnprocessableEntityResponse({ type: ErrorResponse, description: 'GUARD_FAILED (rule currentPassword): the current password is not the one given' })
  changePassword(@Body() body: ChangePasswordDto, @CurrentActor() actor: Actor, @RequestId() requestId: string): Promise<void> {
    return this.users.changeOwnPassword(actor, body, requestId);
  }
}
