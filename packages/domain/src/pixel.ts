import { z } from 'zod';
import { text } from './text.ts';
import { idSchema, isoDateTimeSchema } from './common.ts';
import { referrerPatternSchema } from './referrers.ts';

export const pixelConfigSchema = z.object({
  apiKey: text(),
  allowedReferrers: z.array(text()),
  scriptTag: text(),
  lastEventAt: isoDateTimeSchema
    .nullable()
    .describe('When the pixel last delivered an accepted event, to confirm an install'),
});

export const updatePixelInput = z.strictObject({
  organizationId: idSchema,
  allowedReferrers: z.array(referrerPatternSchema).max(100),
});

export const allowedReferrersSchema = z.object({ allowedReferrers: z.array(text()) });

/** The tag a partner pastes into the client's site. The key rides in the URL too, so a disabled organization's script can be answered empty. */
export function scriptTag(publicUrl: string, pixelKey: string): string {
  const src = `${publicUrl.replace(/\/$/, '')}/script.js?key=${encodeURIComponent(pixelKey)}`;
  return `<script src="${src}" data-key="${pixelKey}" defer></script>`;
}
