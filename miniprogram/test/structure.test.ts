// The pages as WeChat loads them: every page in app.json has its four
// files, every handler its markup binds exists on the page, and no page
// imports another page's module (WeChat would run that page's Component()
// inside the wrong page).
import { strict as assert } from 'node:assert';
import { readFileSync, existsSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';

const src = path.join(__dirname, '..', 'src');
const pages: string[] = JSON.parse(readFileSync(path.join(src, 'app.json'), 'utf8')).pages;

test('every page has its files, and binds only handlers it has', () => {
  for (const page of pages) {
    for (const ext of ['.js', '.wxml', '.json', '.wxss']) {
      assert.ok(existsSync(path.join(src, page + ext)), `${page}${ext}`);
    }
    const wxml = readFileSync(path.join(src, `${page}.wxml`), 'utf8');
    const js = readFileSync(path.join(src, `${page}.js`), 'utf8');
    for (const [, handler] of wxml.matchAll(/bind\w+="(\w+)"/g)) {
      assert.match(js, new RegExp(`\\b${handler}\\(`), `${page} binds ${handler}, which it lacks`);
    }
  }
});

test('no page imports another page', () => {
  for (const page of pages) {
    const js = readFileSync(path.join(src, `${page}.js`), 'utf8');
    for (const [, dep] of js.matchAll(/require\("([^"]+)"\)/g)) {
      assert.ok(!dep.startsWith('../') || dep.startsWith('../../lib/') || dep === '../../config', `${page} requires ${dep}`);
    }
  }
});
