import {
  createIcpProfileInput,
  icpProfileEnvelope,
  icpProfileIdInput,
  icpProfileListSchema,
  listVisitorsInput,
  organizationIdInput,
  updateIcpProfileInput,
  visitorListSchema,
} from '@allot/domain';
import { examples } from '../examples.ts';
import { organization } from './paths.ts';
import { route, type RestRoute } from './route.ts';

/** The Visitors routes, in the order the reference docs list them. */
export const visitorsRoutes: RestRoute[] = [
  route({
    method: 'GET',
    path: `${organization}/visitors`,
    auth: 'partner',
    tag: 'Visitors',
    operationId: 'visitors.list',
    examples: examples['visitors.list'],
    description:
      'Visitors of the organization, page by page, with who they were identified as, their ICP match and their engagement.',
    summary: 'List identified visitors',
    input: listVisitorsInput,
    output: visitorListSchema,
    call: (c, input) => c.visitors.list(input),
  }),
  route({
    method: 'GET',
    path: `${organization}/icp`,
    auth: 'partner',
    tag: 'Visitors',
    operationId: 'icp.list',
    description:
      'The ideal customer profiles of the organization; a visitor matches a profile when it satisfies all of its rules.',
    summary: 'List the ideal customer profiles visitors are matched against',
    input: organizationIdInput,
    output: icpProfileListSchema,
    call: (c, input) => c.icp.list(input),
  }),
  route({
    method: 'POST',
    path: `${organization}/icp`,
    auth: 'partner',
    tag: 'Visitors',
    status: 201,
    operationId: 'icp.create',
    description:
      'Adds a profile and matches every existing visitor of the organization against it again.',
    summary: 'Add an ideal customer profile; existing visitors are matched again',
    input: createIcpProfileInput,
    output: icpProfileEnvelope,
    call: (c, input) => c.icp.create(input),
  }),
  route({
    method: 'PUT',
    path: `${organization}/icp/:icpId`,
    auth: 'partner',
    tag: 'Visitors',
    operationId: 'icp.update',
    description: "Replaces a profile's name and rules and matches every existing visitor again.",
    summary: 'Replace an ideal customer profile; existing visitors are matched again',
    input: updateIcpProfileInput,
    output: icpProfileEnvelope,
    call: (c, input) => c.icp.update(input),
  }),
  route({
    method: 'DELETE',
    path: `${organization}/icp/:icpId`,
    auth: 'partner',
    tag: 'Visitors',
    status: 204,
    operationId: 'icp.remove',
    description: 'Deletes a profile; no visitor matches it afterwards.',
    summary: 'Delete an ideal customer profile; visitors no longer match it',
    input: icpProfileIdInput,
    call: (c, input) => c.icp.remove(input),
  }),
];
