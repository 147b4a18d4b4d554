// The client's rules that need no server: money, messages, trace codes,
// cold-chain lines, times in the county's zone.
import { strict as assert } from 'node:assert';
import { test } from 'node:test';
import type { components } from '../src/api/schema';
import { coldClass, coldText } from '../src/lib/cold';
import { metres } from '../src/lib/distance';
import { messageFor, messageOf } from '../src/lib/errors';
import { yuan } from '../src/lib/money';
import { clock, day, when } from '../src/lib/time';
import { traceCodeOf } from '../src/lib/trace';

test('fen read as yuan', () => {
  assert.equal(yuan(0), '0.00');
  assert.equal(yuan(5), '0.05');
  assert.equal(yuan(1200), '12.00');
  assert.equal(yuan(123456), '1234.56');
});

test('every failure reads as Chinese, with the tries left when the server counts them', () => {
  assert.equal(messageFor('STORE_CLOSED'), '店铺已打烊，营业时间再来');
  assert.equal(messageFor('SOMETHING_NEW'), '出了点问题，请稍后再试');
  assert.equal(messageOf('DELIVERY_CODE_WRONG', 'wrong delivery code; 2 attempts left'), '码不对，还可以再试 2 次');
  assert.equal(messageOf('DELIVERY_CODE_WRONG', ''), '收货码不对，请向顾客核对');
  assert.equal(messageOf('JOB_TAKEN', 'anything'), '手慢了，这单已被其他骑手抢走');
});

test('a trace code is read from a label URL or as it is, and nothing else passes', () => {
  assert.equal(traceCodeOf('https://tc.example.com/api/v1/trace/965YGXM7G3N4'), '965YGXM7G3N4');
  assert.equal(traceCodeOf('https://tc.example.com/api/v1/trace/965YGXM7G3N4?from=label'), '965YGXM7G3N4');
  assert.equal(traceCodeOf(' 965YGXM7G3N4 '), '965YGXM7G3N4');
  assert.equal(traceCodeOf('hello world'), null);
  assert.equal(traceCodeOf('https://tc.example.com/api/v1/trace/../../admin'), null);
  assert.equal(traceCodeOf(''), null);
});

type ColdRecord = components['schemas']['ColdRecord'];
const record = (r: Pick<ColdRecord, 'class' | 'status' | 'max_c'>): ColdRecord => ({ compensation_fen: 0, ...r });

test('distances and cold-chain classes as lists show them', () => {
  assert.equal(metres(850), '850m');
  assert.equal(metres(1000), '1.0km');
  assert.equal(metres(12_345), '12.3km');
  assert.equal(coldClass('ambient'), '常温');
  assert.equal(coldClass('chilled'), '冷藏');
  assert.equal(coldClass('frozen'), '冷冻');
});

test('a cold-chain record in one line', () => {
  assert.equal(coldText(record({ class: 'chilled', status: 'compliant', max_c: 4.5 })), '冷藏：全程温控达标，最高 4.5℃');
  assert.equal(coldText(record({ class: 'frozen', status: 'breached', max_c: -8 })), '冷冻：温控未达标，已补偿，最高 -8℃');
  assert.equal(coldText(record({ class: 'chilled', status: 'no_data', max_c: null })), '冷藏：温度数据不足');
});

test('times in the zone the phone keeps', () => {
  const saved = process.env.TZ;
  process.env.TZ = 'Asia/Shanghai';
  try {
    assert.equal(clock('2026-12-02T15:05:00Z'), '23:05');
    assert.equal(when('2026-12-02T16:30:00Z'), '12月3日 00:30');
    assert.equal(day('2026-12-02T16:30:00Z'), '2026-12-03');
  } finally {
    process.env.TZ = saved;
  }
});
