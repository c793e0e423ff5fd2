import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

/**
 * The visitor addresses of hot-paths.bench.ts, one company each. Address `i` is 10.a.b.h with
 * a.b = i % 65536 and h = 1 + floor(i / 65536), the same mapping as `address` in
 * hot-paths.lua: consecutive requests fall on different /24 networks, so the per-network anomaly
 * guard (50 new identifications an hour by default) never refuses one, and every address is an
 * identity of its own (a /32 range naming its own company), so every visitor of a "new" case is a
 * new identification charged one credit.
 */
export const NETWORKS = 65_536;

export function addressOf(i: number): string {
  const network = i % NETWORKS;
  return `10.${Math.floor(network / 256)}.${network % 256}.${1 + Math.floor(i / NETWORKS)}`;
}

/** Writes the JSON Lines dataset of addresses 0..count-1 (the format createDatasetResolver reads). */
export async function writeIdentityDataset(path: string, count: number): Promise<void> {
  const out = createWriteStream(path);
  for (let i = 0; i < count; i += 1) {
    const line = `${JSON.stringify({ cidr: `${addressOf(i)}/32`, company: { name: `Company ${i}` } })}\n`;
    if (!out.write(line)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}
