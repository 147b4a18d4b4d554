/**
 * The one file a county edits before uploading (with its appid in
 * project.config.json): where its Tongcheng API is, and the subscription
 * message templates it registered for order updates.
 */
export const config = {
  /** The API's base URL (a request domain registered for the mini-program). */
  apiBase: 'https://tongcheng.example.com',
  /** Subscription message template ids asked for when ordering. */
  templates: [] as string[],
  /** How often an order's page asks for news while it moves, ms. */
  pollMs: 3000,
  /** How long a rider's positions are gathered before they are sent, ms. */
  locationFlushMs: 5000,
};
