import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Config } from './config.ts';

/**
 * ALLOT_OPERATOR_TOKEN, or the token generated at first start and kept in the data directory
 * (readable by its owner only). `generated` says whether to print it.
 */
export async function resolveOperatorToken(
  config: Config,
): Promise<{ token: string; source: string }> {
  if (config.operatorToken) return { token: config.operatorToken, source: 'ALLOT_OPERATOR_TOKEN' };
  const file = join(config.dataDir, 'operator-token');
  if (existsSync(file)) return { token: (await readFile(file, 'utf8')).trim(), source: file };
  await mkdir(config.dataDir, { recursive: true });
  const token = `allot_op_${randomBytes(32).toString('base64url')}`;
  await writeFile(file, `${token}\n`, { mode: 0o600, flag: 'wx' }).catch(() => undefined);
  // If another process won the race, its token is the one.
  return { token: (await readFile(file, 'utf8')).trim(), source: file };
}
