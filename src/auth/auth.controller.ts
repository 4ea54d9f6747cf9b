import { Body, Controller, Get, Headers, HttpCode, HttpStatus, Post, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags, ApiTooManyRequestsResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import type { Request } from 'express';
import type { AuthenticatedUser } from '../users/users.service.js';
import { CurrentUser, Public } from './auth.decorators.js';
import { AuthService } from './auth.service.js';
import { loginClientOf } from './login-throttle.js';
import { AccessTokenDto } from './dto/access-token.dto.js';
import { LoginDto } from './dto/login.dto.js';
import { MeDto } from './dto/me.dto.js';
import { SignedOutDto } from './dto/signed-out.dto.js';
import { ApiErrors, ErrorResponse } from '../common/http/api-errors.js';
import { NoStore } from '../common/http/no-store.js';

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Public()
  @Post('login')
  @NoStore()
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({ type: AccessTokenDto })
  @ApiErrors(400)
  @ApiUnauthorizedResponse({ type: ErrorResponse, description: 'UNAUTHENTICATED: unknown user, wrong password or disabled account' })
  @ApiTooManyRequestsResponse({
    type: ErrorResponse,
    description: 'TOO_MANY_REQUESTS: too many failed sign-ins for this account or from this address; see Retry-After',
  })
  login(@Body() body: LoginDto, @Req() request: Request): Promise<AccessTokenDto> {
    return this.auth.login(body.username, body.password, loginClientOf(request));
  }

  @ApiBearerAuth()
  @Post('logout')
  @HttpCode(HttpStatus.OK)
  @ApiOkResponse({ type: SignedOutDto, description: 'The session of this token has ended.' })
  @ApiErrors(401)
  async logout(@Headers('authorization') authorization: string | undefined): Promise<SignedOutDto> {
    await this.auth.logout(authorization);
    return { endedAt: new Date().toISOString() };
  }

  @ApiBearerAuth()
  @Get('me')
  @NoStore()
  @ApiOkResponse({ type: MeDto })
  @ApiErrors(401)
  me(@CurrentUser() user: AuthenticatedUser): MeDto {
    return { id: user.id, username: user.username, displayName: user.displayName, roles: user.roles };
  }
}
