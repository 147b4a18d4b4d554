// Copies the pages' markup, styles and JSON next to the compiled scripts, so
// that the tests load each page as WeChat would: build/src/pages/x/x.{js,wxml,json}.
import { cpSync, readdirSync, statSync, mkdirSync } from 'node:fs';
import { join, dirname, extname } from 'node:path';

const from = 'src';
const to = join('build', 'src');
function walk(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      walk(path);
    } else if (['.wxml', '.wxss', '.json'].includes(extname(name))) {
      const target = join(to, path.slice(from.length + 1));
      mkdirSync(dirname(target), { recursive: true });
      cpSync(path, target);
    }
  }
}
walk(from);
