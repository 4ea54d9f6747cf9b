import canonicalize from 'canonicalize';
import fc from 'fast-check';
import { canonicalJson } from './canonical-json.js';

/** What `f` gives: its text, or the fact that it threw. */
function outcome(f: () => string | undefined): string {
  try {
    const text = f();
    return text === undefined ? 'threw' : `text ${text}`;
  } catch {
    return 'threw';
  }
}

const TRICKY = ['"', '\\', '\u0000', '\b', '\n', '\u001f', '\u007f', '\u2028', '\ud800', '\udfff', '\ud83d\ude00', 'é', '', 'toJSON', '__proto__'];
/** UTF-16 code units, lone surrogates included. */
const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));
const text = fc.oneof(fc.string(), fc.string({ unit: codeUnit }), fc.string({ unit: fc.constantFrom(...TRICKY, 'a', 'Z', '0') }));
const number = fc.oneof(fc.integer(), fc.double(), fc.constantFrom(0, -0, 2 ** 53, 1e21, -1e-7, 5e-324, Number.NaN, Number.POSITIVE_INFINITY));
const leaf = fc.oneof(
  text,
  number,
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom(undefined, Symbol('s'), () => 1, 10n, new Date(0)),
);
/** Values of every kind the encoder meets or might: JSON, and what canonicalize writes or refuses beside it. */
const { value } = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.sparseArray(tie('value'), { maxLength: 4 }),
    fc.dictionary(text, tie('value'), { maxKeys: 4 }),
  ),
}));

describe('canonicalJson', () => {
  it("writes canonicalize's text for any value, and refuses what it refuses", () => {
    fc.assert(
      fc.property(fc.oneof(value, fc.jsonValue()), (v) => {
        expect(outcome(() => canonicalJson(v))).toBe(outcome(() => canonicalize(v)));
      }),
      { numRuns: 3000 },
    );
  });

  it('sorts keys by UTF-16 code units at every depth, and refuses a cycle', () => {
    expect(canonicalJson({ b: [{ z: 1, a: -0 }], a: 'é', '\u00e9': null, B: 1e21 })).toBe('{"B":1e+21,"a":"é","b":[{"a":0,"z":1}],"é":null}');
    const cycle: Record<string, unknown> = { a: 1 };
    cycle.self = { back: cycle };
    expect(() => canonicalJson(cycle)).toThrow('Circular reference detected');
  });
});
