/** The partner REST paths the tests call most, relative to the API's base. */
export const ORGS = '/partner/organizations';
export const HOOKS = '/partner/webhooks';
