import { createRequire } from 'node:module';
import countries, { type LocaleData } from 'i18n-iso-countries';

/*
 * Country names from i18n-iso-countries (ISO 3166-1, maintained upstream), in English. An
 * organization stores the alpha-2 code ("PK"); people choose and read the name ("Pakistan").
 */
const require = createRequire(import.meta.url);
countries.registerLocale(require('i18n-iso-countries/langs/en.json') as LocaleData);

export interface CountryChoice {
  code: string;
  name: string;
}

/** Every country, by its English name. */
export const COUNTRY_CHOICES: readonly CountryChoice[] = Object.entries(countries.getNames('en', { select: 'official' }))
  .map(([code, name]) => ({ code, name }))
  .sort((a, b) => a.name.localeCompare(b.name, 'en'));

/** The English name of an alpha-2 code, or the code itself when it names no country. */
export function countryName(code: string | null | undefined): string {
  if (!code) return '';
  return countries.getName(code.toUpperCase(), 'en', { select: 'official' }) ?? code;
}

/** The alpha-2 code of a country given by its code (any case) or its English name, as the form's list shows it; undefined for neither. */
export function countryCode(text: string): string | undefined {
  const trimmed = text.trim();
  if (/^[A-Za-z]{2}$/.test(trimmed)) return countries.isValid(trimmed) ? trimmed.toUpperCase() : undefined;
  return countries.getAlpha2Code(trimmed, 'en') ?? COUNTRY_CHOICES.find((c) => c.name.toLowerCase() === trimmed.toLowerCase())?.code;
}
