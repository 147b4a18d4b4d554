/**
 * What the user reads when something goes wrong: plain Chinese by the
 * API's stable error codes, never a raw code or a blank page.
 */

/** A failed call, with the API's code and a message for the user. */
export class ApiError extends Error {
  constructor(
    /** The API's stable code, or NETWORK / PAYMENT_CANCELLED on the client. */
    readonly code: string,
    /** For the user, in Chinese. */
    readonly userMessage: string,
    /** The HTTP status (0 without an answer). */
    readonly status: number,
    /** The server's own message (English, for logs), if it sent one. */
    readonly detail = '',
  ) {
    super(`${code}: ${userMessage}`);
  }
}

const MESSAGES: Record<string, string> = {
  NETWORK: '网络不可用，请检查网络后重试',
  TOKEN_EXPIRED: '登录已过期，正在重新登录',
  SESSION_ENDED: '登录已过期，请重新进入小程序',
  UNAUTHORIZED: '请先登录',
  MINI_PROGRAM_NOT_FOUND: '小程序尚未在平台登记，请联系平台',
  WECHAT_CODE_INVALID: '微信登录失败，请重新进入小程序',
  FORBIDDEN: '没有权限进行此操作',
  NOT_FOUND: '内容不存在或已删除',
  VALIDATION_FAILED: '填写的信息有误，请检查后再试',
  ADDRESS_OUTSIDE_SERVICE_AREA: '这个地址不在本县服务范围内',
  OUT_OF_DELIVERY_RANGE: '这家店送不到这个地址，换个地址或店铺试试',
  STORE_CLOSED: '店铺已打烊，营业时间再来',
  BELOW_MINIMUM_ORDER: '还没到起送价，再选一些吧',
  OVER_SHARING_LIMIT: '这单金额太小，配送费超出可分账比例，再选一些吧',
  SKU_UNAVAILABLE: '有商品已售罄或下架，请调整购物车',
  INSUFFICIENT_STOCK: '有商品库存不足，请减少数量',
  NO_DEPARTURE_AVAILABLE: '一周内没有发往这个村的班车',
  INVALID_ORDER_STATE: '订单状态已变化，请刷新后再试',
  IDEMPOTENCY_KEY_IN_USE: '订单正在提交，请稍候',
  PAYMENT_UNAVAILABLE: '支付暂时不可用，请稍后再试',
  PAYMENT_REFUSED: '支付未能发起，请稍后再试',
  PAYMENT_CANCELLED: '支付未完成，可在订单里继续支付',
  WECHAT_IDENTITY_REQUIRED: '请用微信登录后再支付',
  SUB_MERCHANT_MISSING: '这家店还不能收款，请稍后再试',
  RATE_LIMITED: '操作太频繁，请稍后再试',
  SERVER_BUSY: '系统繁忙，请稍后再试',
  DATABASE_UNAVAILABLE: '系统繁忙，请稍后再试',
  RIDER_ALREADY_REGISTERED: '你已经提交过骑手注册',
  ID_NUMBER_TAKEN: '这个身份证号已被其他骑手注册',
  RIDER_NOT_VERIFIED: '骑手资料审核通过后才能接单',
  HEALTH_CERT_EXPIRED: '健康证已过期，请更新后再上线',
  NOT_ON_DUTY: '请先上线再接单',
  JOB_TAKEN: '手慢了，这单已被其他骑手抢走',
  RIDER_AT_CAPACITY: '手上的单已满，送完再接',
  INVALID_JOB_STATE: '这单状态已变化，请刷新',
  GRAB_NOT_ALLOWED: '平台正在自动派单，请等待派单',
  OUTSIDE_PICKUP_GEOFENCE: '请到店后再确认取货',
  ORDER_NOT_READY: '商家还没出餐，请稍等',
  DELIVERY_CODE_WRONG: '收货码不对，请向顾客核对',
  JOB_LOCKED: '收货码错误次数过多，已交平台处理',
  PICKUP_LOCKED: '取件码错误次数过多，已交平台处理',
  NO_OFFER: '派单已过期或已处理',
  NOT_TRACKABLE: '骑手取货后才能看到位置',
  INSUFFICIENT_BALANCE: '可提现金额不足',
  INVALID_TRIP_STATE: '班车还没到站，暂不能接收',
  INVALID_PAYOUT_STATE: '提现状态已变化，请刷新',
};

/** Codes whose server message carries a count worth showing ("2 attempts left"). */
function withCount(code: string, detail: string): string | null {
  const n = /(\d+) (?:attempts?|tries|try) left/.exec(detail)?.[1];
  if (code === 'DELIVERY_CODE_WRONG' && n !== undefined) {
    return `码不对，还可以再试 ${n} 次`;
  }
  return null;
}

/** The user's message for a failed call's code and server message. */
export function messageOf(code: string, detail: string): string {
  return withCount(code, detail) ?? messageFor(code);
}

/** The user's message for a code (and the server's message as a fallback detail). */
export function messageFor(code: string): string {
  return MESSAGES[code] ?? '出了点问题，请稍后再试';
}

/** Shows an error to the user as a toast (or a modal for long text). */
export function showError(e: unknown): void {
  const text = e instanceof ApiError ? e.userMessage : messageFor('');
  if (text.length > 14) {
    wx.showModal({ title: '提示', content: text, showCancel: false });
  } else {
    wx.showToast({ title: text, icon: 'none' });
  }
}
