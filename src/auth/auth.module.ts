import { Module } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { APP_GUARD } from '@nestjs/core';
import { JwtService } from '@nestjs/jwt';
import { AuditModule } from '../audit/audit.module.js';
import { UsersModule } from '../users/users.module.js';
import { AuthController } from './auth.controller.js';
import { AuthGuard } from './auth.guard.js';
import { AuthService } from './auth.service.js';
import { AuthSettings, JWT_ALGORITHM, loadAuthSettings } from './auth-settings.js';
import { LoginThrottle } from './login-throttle.js';
import { RolesGuard } from './roles.guard.js';
import { SingleSignOnService } from './single-sign-on.service.js';

@Module({
  imports: [AuditModule, UsersModule],
  controllers: [AuthController],
  providers: [
    { provide: AuthSettings, inject: [ConfigService], useFactory: loadAuthSettings },
    // Signs and checks with the key object, HS256 only; lifetimes are the settings'.
    {
      provide: JwtService,
      inject: [AuthSettings],
      useFactory: (settings: AuthSettings) =>
        new JwtService({
          secret: settings.jwtKey,
          signOptions: { algorithm: JWT_ALGORITHM, expiresIn: settings.expiresInSeconds },
          verifyOptions: { algorithms: [JWT_ALGORITHM] },
        }),
    },
    AuthService,
    SingleSignOnService,
    LoginThrottle,
    // Global guards run in the order they are registered: authentication first, then roles.
    { provide: APP_GUARD, useClass: AuthGuard },
    { provide: APP_GUARD, useClass: RolesGuard },
  ],
  exports: [AuthService, AuthSettings, SingleSignOnService],
})
export class AuthModule {}
