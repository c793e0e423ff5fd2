// The partner API's path prefixes, under /api/v1, Fastify style.
export const organizations = '/partner/organizations';
export const organization = `${organizations}/:organizationId`;
export const credits = `${organization}/credits`;
export const grant = `${credits}/grants/:grantId`;
export const webhooks = '/partner/webhooks';
export const webhook = `${webhooks}/:endpointId`;
