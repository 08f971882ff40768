import {
  deliverCallback,
  TENCENT_DELIVERY,
  type CallbackRequest,
  type DeliveryPolicy,
  type DeliveryReport,
} from './callback-sender';

export interface SendOptions {
  /** Deliver the identical request this many times (each with full retry behaviour); default 1. */
  times?: number;
  /** Deliver the copies concurrently instead of one after another (a de-duplication race). */
  parallel?: boolean;
}

/** Where a simulator calls back, with the delivery policy and a log of every delivery. */
export class CallbackChannel {
  readonly deliveries: DeliveryReport[] = [];
  policy: DeliveryPolicy;

  constructor(
    public url: string | undefined,
    policy: Partial<DeliveryPolicy> = {},
  ) {
    this.policy = { ...TENCENT_DELIVERY, ...policy };
  }

  /** Delivers `req` to the configured URL; resolves when every copy is delivered or given up. No URL: nothing is sent. */
  async send(req: Omit<CallbackRequest, 'url'>, options: SendOptions = {}): Promise<DeliveryReport[]> {
    if (!this.url) return [];
    const full: CallbackRequest = { ...req, url: this.url };
    const times = options.times ?? 1;
    const reports: DeliveryReport[] = [];
    if (options.parallel) {
      reports.push(...(await Promise.all(Array.from({ length: times }, () => deliverCallback(full, this.policy)))));
    } else {
      for (let i = 0; i < times; i++) reports.push(await deliverCallback(full, this.policy));
    }
    this.deliveries.push(...reports);
    return reports;
  }
}
