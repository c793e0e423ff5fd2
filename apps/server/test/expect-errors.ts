import { expect } from 'vitest';
import type { ApiResponse } from './harness.ts';

/** The one REST error shape: `{"error": {"code", "message", "details"?, "requestId"}}` with the given status. */
export function expectError(response: ApiResponse, status: number, code: string) {
  expect(response.status, JSON.stringify(response.body)).toBe(status);
  expect(Object.keys(response.body)).toEqual(['error']);
  expect(response.body.error.code).toBe(code);
  expect(response.body.error.message).toEqual(expect.any(String));
  expect(response.body.error.message.length).toBeGreaterThan(0);
  // Every error names its request, the same id as the X-Request-Id header.
  expect(response.body.error.requestId).toBe(response.headers.get('x-request-id'));
}

/** A 400 whose validation issues (in `details`) name `field` or something inside it. */
export function expectInvalid(response: ApiResponse, field: string) {
  expectError(response, 400, 'invalid_request');
  expect(Array.isArray(response.body.error.details)).toBe(true);
  const paths = (response.body.error.details as { path: unknown[] }[]).map((issue) =>
    issue.path.join('.'),
  );
  expect(
    paths.some((path) => path === field || path.startsWith(`${field}.`)),
    `issues at ${paths.join(', ')}`,
  ).toBe(true);
}
