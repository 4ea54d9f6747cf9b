import { All, Controller, NotFoundException, UseFilters } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Public } from '../auth/auth.decorators.js';
import { WebExceptionFilter } from './web-exception.filter.js';
import { WEB_PREFIX } from './web-paths.js';

/**
 * Any other address under /ui, by any method: the web interface's "no such page" page, with the
 * navigation of whoever is signed in, instead of the API's JSON 404 (or, for /ui itself, Express's
 * plain "Cannot GET"). The web module registers it after every page, so it answers only what no
 * page matched.
 */
@ApiExcludeController()
@Public()
@UseFilters(WebExceptionFilter)
@Controller(WEB_PREFIX.slice(1))
export class PageNotFoundController {
  @All(['', '{*path}'])
  notFound(): never {
    throw new NotFoundException();
  }
}
