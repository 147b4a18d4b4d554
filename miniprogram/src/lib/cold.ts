/** A cold-chain record (of a village delivery) as the resident reads it. */
import type { components } from '../api/schema';

type ColdRecord = components['schemas']['ColdRecord'];

const COLD: Record<string, string> = {
  in_transit: '运输中',
  compliant: '全程温控达标',
  breached: '温控未达标，已补偿',
  no_data: '温度数据不足',
};

/** One line: the class, the verdict, the highest temperature seen. */
export function coldText(c: ColdRecord): string {
  const max = c.max_c != null ? `，最高 ${c.max_c}℃` : '';
  return `${c.class === 'frozen' ? '冷冻' : '冷藏'}：${COLD[c.status] ?? c.status}${max}`;
}
