import {
  allowedReferrersSchema,
  organizationIdInput,
  pixelConfigSchema,
  updatePixelInput,
} from '@allot/domain';
import { examples } from '../examples.ts';
import { organization } from './paths.ts';
import { route, type RestRoute } from './route.ts';

/** The Pixel routes, in the order the reference docs list them. */
export const pixelRoutes: RestRoute[] = [
  route({
    method: 'GET',
    path: `${organization}/pixel`,
    auth: 'partner',
    tag: 'Pixel',
    operationId: 'pixel.get',
    examples: examples['pixel.get'],
    description:
      "The organization's public pixel key, its allowed referrer origins and the script tag to paste into the client's site.",
    summary: 'Retrieve the tracking pixel configuration',
    input: organizationIdInput,
    output: pixelConfigSchema,
    call: (c, input) => c.pixel.get(input),
  }),
  route({
    method: 'PUT',
    path: `${organization}/pixel`,
    auth: 'partner',
    tag: 'Pixel',
    operationId: 'pixel.update',
    examples: examples['pixel.update'],
    description:
      'Replaces the origins the pixel works on. `https://*.acme.com` matches subdomains of acme.com, never `https://acme.com.evil.io`.',
    summary: 'Replace the allowed referrer origins',
    input: updatePixelInput,
    output: allowedReferrersSchema,
    call: (c, input) => c.pixel.update(input),
  }),
];
