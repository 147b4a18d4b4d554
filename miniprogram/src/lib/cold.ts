/** Cold-chain classes and records as people read them. */
import type { components } from '../api/schema';

type ColdRecord = components['schemas']['ColdRecord'];

const CLASS: Record<string, string> = { ambient: '常温', chilled: '冷藏', frozen: '冷冻' };

/** A cold-chain class (`ambient`, `chilled`, `frozen`) in Chinese. */
export function coldClass(c: string): string {
  return CLASS[c] ?? c;
}

const VERDICT: Record<string, string> = {
  in_transit: '运输中',
  compliant: '全程温控达标',
  breached: '温控未达标，已补偿',
  no_data: '温度数据不足',
};

/** A village delivery's record in one line: the class, the verdict, the highest temperature seen. */
export function coldText(c: ColdRecord): string {
  const max = c.max_c != null ? `，最高 ${c.max_c}℃` : '';
  return `${coldClass(c.class)}：${VERDICT[c.status] ?? c.status}${max}`;
}
