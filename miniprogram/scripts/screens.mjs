// Draws the pages the tests kept (build/screens/NAME.json: a page's
// rendered markup) as a phone shows them: the markup with the app's and the
// page's WXSS (rpx at a 375 px wide screen), WeChat's navigation bar on
// top, photographed by headless Chromium into ../docs/miniprogram/NAME.png.
// Run `npm test` (through `cargo test`) first; Chromium comes from Debian's
// `chromium` package.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const WIDTH = 375;
const HEIGHT = 667;
const screens = join('build', 'screens');
const out = join('..', 'docs', 'miniprogram');
const work = join('build', 'screens-html');

/** WXSS as CSS: rpx at 375 px, WeChat's tags as the simulator's elements. */
function css(wxss) {
  return wxss
    .replace(/(-?\d*\.?\d+)rpx/g, (_, n) => `${(Number(n) * WIDTH) / 750}px`)
    .replace(/(^|[\s,}])page(?=[\s{,])/g, '$1body')
    .replace(/(^|[\s,}])(button|view|text|input|picker|switch|map)(?=[\s.{,:])/g, '$1wx-$2');
}

const BASE = `
  body { margin: 0; font-family: 'WenQuanYi Micro Hei', sans-serif; }
  wx-view, wx-picker, wx-map { display: block; }
  wx-text { display: inline; }
  wx-button { display: block; margin: 8px 12px; padding: 9px; text-align: center; border-radius: 5px;
    background: #f8f8f8; border: 1px solid #ddd; font-size: 16px; }
  .row wx-button, .actions wx-button, .links wx-button { display: inline-block; margin: 2px 4px; padding: 4px 10px; font-size: 13px; }
  wx-input { display: block; min-height: 22px; border-bottom: 1px solid #eee; padding: 6px 0; }
  wx-map { height: 180px; background: linear-gradient(135deg, #dfe9dd, #cfdccc); position: relative; }
  wx-map::after { content: '● 骑手'; position: absolute; left: 45%; top: 40%; font-size: 14px; }
  wx-switch { display: inline-block; width: 40px; height: 22px; border-radius: 11px; background: #ddd; }
  .nav { background: #c0392b; color: #fff; text-align: center; padding: 12px 0; font-size: 17px; }
`;

if (!existsSync(screens)) {
  throw new Error('no build/screens: run the mini-program tests first (cargo test -p tests --test miniprogram)');
}
mkdirSync(out, { recursive: true });
mkdirSync(work, { recursive: true });
const app = JSON.parse(readFileSync(join('src', 'app.json'), 'utf8'));
const appCss = css(readFileSync(join('src', 'app.wxss'), 'utf8'));
for (const file of readdirSync(screens).filter((f) => f.endsWith('.json')).sort()) {
  const name = file.replace(/\.json$/, '');
  const { route, html } = JSON.parse(readFileSync(join(screens, file), 'utf8'));
  const tag = route.split('/').pop();
  const pageJson = JSON.parse(readFileSync(join('src', `${route}.json`), 'utf8'));
  const title = pageJson.navigationBarTitleText ?? app.window.navigationBarTitleText;
  const pageCss = css(readFileSync(join('src', `${route}.wxss`), 'utf8'));
  // The simulator prefixes each class with the page's tag: WeChat does not.
  const body = html.replaceAll(`${tag}--`, '');
  const doc = `<!doctype html><html><head><meta charset="utf-8"><style>${BASE}${appCss}${pageCss}</style></head>
<body><div class="nav">${title}</div>${body}</body></html>`;
  const htmlFile = join(work, `${name}.html`);
  writeFileSync(htmlFile, doc);
  execFileSync('chromium', [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--hide-scrollbars',
    `--window-size=${WIDTH},${HEIGHT}`,
    '--force-device-scale-factor=2',
    `--screenshot=${join(process.cwd(), out, `${name}.png`)}`,
    `file://${join(process.cwd(), htmlFile)}`,
  ], { stdio: 'ignore' });
  console.log(`${out}/${name}.png`);
}
