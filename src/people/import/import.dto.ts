import { ApiProperty } from '@nestjs/swagger';

export class InvalidRowResponse {
  @ApiProperty({ description: "The row's number as the spreadsheet shows it: the header is row 1.", example: 4 })
  row: number;

  @ApiProperty({ type: String, isArray: true, example: ['country "Pakistn" is neither a country\'s name nor its two-letter code'] })
  errors: string[];
}

export class ImportCheckResponse {
  @ApiProperty({ description: 'Rows under the header (blank rows are not counted).', example: 17 })
  rows: number;

  @ApiProperty({ example: 16 })
  valid: number;

  @ApiProperty({ type: InvalidRowResponse, isArray: true, description: 'Every invalid row, with every reason.' })
  invalid: InvalidRowResponse[];
}

export class ImportedRowResponse {
  @ApiProperty({ example: 2 })
  row: number;

  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ example: 'Centre for Human Rights' })
  name: string;
}

export class ImportResultResponse {
  @ApiProperty({ example: 17 })
  rows: number;

  @ApiProperty({ type: ImportedRowResponse, isArray: true, description: 'What each row became, in the order of the file.' })
  created: ImportedRowResponse[];
}

export class ImportFileBody {
  @ApiProperty({
    type: 'string',
    format: 'binary',
    description: 'A CSV file (UTF-8, comma-separated) or an Excel workbook (.xlsx) whose first row names the fields.',
  })
  file: Blob;
}
