import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';

/** A Standard Webhooks secret: `whsec_` and the base64 of 32 random bytes. */
export const newWebhookSecret = () => `whsec_${randomBytes(32).toString('base64')}`;

/**
 * The Standard Webhooks headers of one attempt. `webhook-id` is the event's id, the same on every
 * attempt, so a receiver can drop a duplicate; the timestamp is the attempt's, since receivers
 * refuse one more than five minutes old.
 */
export function signatureHeaders(secret: string, eventId: string, body: string, at: Date) {
  return {
    'webhook-id': eventId,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': new Webhook(secret).sign(eventId, at, body),
  };
}
