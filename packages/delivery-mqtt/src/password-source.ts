import type { Subscription } from '@orderbus/registry';

/** Where the MQTT password of a subscription is read (SubscriptionStore.channelPassword). */
export interface ChannelPasswordSource {
  channelPassword(baseCode: string): Promise<string | undefined>;
}

/**
 * Passwords per subscription revision: read once after each change of the
 * subscription (the store writes the password before the subscription, so a
 * new revision always comes with its password), not on every delivery.
 */
export class ChannelPasswords {
  private readonly cache = new Map<string, { revision: number; password: string | undefined }>();

  constructor(private readonly source: ChannelPasswordSource) {}

  async of(subscription: Pick<Subscription, 'baseCode' | 'revision' | 'channel'>): Promise<string | undefined> {
    if (subscription.channel?.type !== 'mqtt' || subscription.channel.hasPassword !== true) return undefined;
    const cached = this.cache.get(subscription.baseCode);
    if (cached && cached.revision === subscription.revision) return cached.password;
    const password = await this.source.channelPassword(subscription.baseCode);
    this.cache.set(subscription.baseCode, { revision: subscription.revision, password });
    return password;
  }
}
