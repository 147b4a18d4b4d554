/** Order statuses as the resident reads them. */
const STATUS: Record<string, string> = {
  pending_payment: '待支付',
  paid: '已支付，等待商家接单',
  accepted: '商家制作中',
  ready: '已出餐，等待取货',
  rider_assigned: '骑手正赶往商家',
  picked_up: '骑手配送中',
  on_trip: '已随班车出发',
  at_agent_point: '已到代收点，请凭取件码领取',
  delivered: '已送达',
  completed: '已完成',
  cancelled: '已取消',
  refunding: '退款中',
  refunded: '已退款',
};

/** The status in Chinese. */
export function statusText(s: string): string {
  return STATUS[s] ?? s;
}

/** No more news will come for an order in this status. */
export function isFinal(s: string): boolean {
  return ['delivered', 'completed', 'cancelled', 'refunded'].includes(s);
}
