import { describe, expect, it } from 'vitest';
import { globMatches, globToRegExp } from './glob.ts';

describe('globToRegExp', () => {
  it('lets * cross dots and slashes, as a Workers route pattern reads', () => {
    expect(globMatches('*.apps.example.com', 'a.b.apps.example.com')).toBe(true);
    expect(globMatches('/*', '/deep/path/x.js')).toBe(true);
    expect(globMatches('*.apps.example.com', 'apps.example.com')).toBe(false);
  });

  it('treats every other character literally and anchors both ends', () => {
    expect(globMatches('a.b', 'axb')).toBe(false);
    expect(globMatches('/zones/(x)', '/zones/(x)')).toBe(true);
    expect(globMatches('/zones/*', 'x/zones/1')).toBe(false);
  });

  it('is case-sensitive unless asked otherwise', () => {
    expect(globMatches('*.Example.com', 'shop.example.com')).toBe(false);
    expect(globMatches('*.Example.com', 'shop.example.com', { ignoreCase: true })).toBe(true);
    expect(globToRegExp('x', { ignoreCase: true }).flags).toBe('i');
  });
});
