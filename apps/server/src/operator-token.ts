import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Config } from './config.ts';

/**
 * ALLOT_OPERATOR_TOKEN, or the token generated at first start and kept in the data directory
 * (readable by its owner only). `generated` is true only for the start that created it: the
 * token is printed then and never again, so later logs do not spread it.
 */
export async function resolveOperatorToken(
  config: Config,
): Promise<{ token: string; source: string; generated: boolean }> {
  if (config.operatorToken)
    return { token: config.operatorToken, source: 'ALLOT_OPERATOR_TOKEN', generated: false };
  const file = join(config.dataDir, 'operator-token');
  const stored = async () => (await readFile(file, 'utf8')).trim();
  if (existsSync(file)) return { token: await stored(), source: file, generated: false };
  await mkdir(config.dataDir, { recursive: true });
  const token = `allot_op_${randomBytes(32).toString('base64url')}`;
  const generated = await writeFile(file, `${token}\n`, { mode: 0o600, flag: 'wx' }).then(
    () => true,
    () => false,
  );
  // If another process won the race, its token is the one (and it printed it).
  return { token: generated ? token : await stored(), source: file, generated };
}

/** The start banner's line for the operator token: the token itself only when just generated. */
export function operatorTokenBanner(operator: {
  token: string;
  source: string;
  generated: boolean;
}) {
  if (operator.source === 'ALLOT_OPERATOR_TOKEN') return '(from ALLOT_OPERATOR_TOKEN)';
  if (operator.generated)
    return `${operator.token}  (generated now and stored in ${operator.source}; shown only this once)`;
  return `stored in ${operator.source}`;
}
