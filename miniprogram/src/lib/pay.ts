/**
 * Paying an order: WeChat Pay's sheet with the server's parameters, or, on
 * the demo provider, its confirmation. Shared by the checkout and the
 * order page (a page's module must not import another page's).
 */
import { ApiError, messageFor } from './errors';
import { api } from './request';
import type { PayResponse } from './types';

function requestPayment(p: NonNullable<PayResponse['request_payment']>): Promise<void> {
  return new Promise((resolve, reject) => {
    wx.requestPayment({
      timeStamp: p.timeStamp,
      nonceStr: p.nonceStr,
      package: p.package,
      signType: p.signType as 'RSA',
      paySign: p.paySign,
      success: () => resolve(),
      fail: () => reject(new ApiError('PAYMENT_CANCELLED', messageFor('PAYMENT_CANCELLED'), 0)),
    });
  });
}

/** Pays an order: WeChat Pay's sheet, or the demo provider's confirmation. */
export async function pay(orderId: number): Promise<void> {
  const p = await api<PayResponse>('POST', `/api/v1/orders/${orderId}/pay`);
  if (p.request_payment) {
    await requestPayment(p.request_payment);
  } else if (p.confirm_path) {
    await api('POST', p.confirm_path);
  }
}
