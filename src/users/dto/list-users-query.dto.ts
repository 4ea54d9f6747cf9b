import { PageQueryDto } from '../../common/http/page-query.dto.js';

export class ListUsersQueryDto extends PageQueryDto {}
