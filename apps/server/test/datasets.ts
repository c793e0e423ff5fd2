import { createDatasetResolver, type IdentityResolver } from '@allot/api';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * An identity source as a deployment has it: a real dataset file of these lines (one JSON record
 * each), loaded by the real dataset adapter. `close` releases it and removes the file.
 */
export async function datasetIdentity(
  lines: object[],
): Promise<{ resolver: IdentityResolver; close: () => Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'allot-identities-'));
  const path = join(dir, 'identities.jsonl');
  writeFileSync(path, lines.map((line) => JSON.stringify(line)).join('\n'));
  const { resolver } = await createDatasetResolver(path);
  return {
    resolver,
    close: async () => {
      await resolver.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
