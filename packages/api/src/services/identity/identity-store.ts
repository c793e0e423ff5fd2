import { defined, type Identity } from '@allot/domain';
import { int32Column, uint32Column } from './columns.ts';
import { sortColumns } from './radix-sort.ts';
import { readAcceptedIdentity } from './record-reading.ts';
import { freezeIdentity } from './resolver.ts';

/**
 * Bytes per arena page. A record is found by one 32-bit address, page * PAGE_BYTES + offset, so
 * at most 1,024 pages (4 GiB of records); a record longer than a page gets a page of its own.
 */
const PAGE_BITS = 22;
const PAGE_BYTES = 1 << PAGE_BITS;
const MAX_PAGES = 1 << (32 - PAGE_BITS);
const OPEN_BRACE = 0x7b;

/** FNV-1a over the bytes, then murmur3's finaliser, so the low bits indexing the table mix all. */
export function hashBytes(bytes: Uint8Array, start: number, end: number): number {
  let h = 0x811c9dc5 ^ (end - start);
  for (let i = start; i < end; i++) h = Math.imul(h ^ defined(bytes[i], 'a byte'), 0x01000193);
  return mix(h);
}

function mix(hash: number): number {
  let h = hash;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** The hash of an email's lower-cased form (ASCII folded in place; toLowerCase beyond ASCII). */
function hashEmail(email: string): number {
  let h = 0x811c9dc5 ^ email.length;
  for (let i = 0; i < email.length; i++) {
    let c = email.charCodeAt(i);
    if (c >= 128) return hashLowerCased(email.toLowerCase());
    if (c >= 65 && c <= 90) c += 32;
    h = Math.imul(h ^ c, 0x01000193);
  }
  return mix(h);
}

function hashLowerCased(lower: string): number {
  let h = 0x811c9dc5 ^ lower.length;
  for (let i = 0; i < lower.length; i++) h = Math.imul(h ^ lower.charCodeAt(i), 0x01000193);
  return mix(h);
}

export interface IdentityStoreOptions {
  /** Identities kept parsed for repeated lookups. Default 65,536. */
  cached?: number;
}

/** The fields of a text table slot: the text's hash, its record + 1 (0: empty), address, length. */
const SLOT = 4;

/**
 * The identities of a dataset, each kept as the JSON text it was read from (a record: an object
 * text, `{"company":...}`), in large off-heap pages, and parsed again when a lookup asks for it.
 * A million parsed identities are several hundred MB of small heap objects; their text is a
 * fraction of that, and a lookup parses one record in one or two microseconds. Identities asked
 * for recently stay parsed, in a cache with one place per record.
 *
 * Records are deduplicated by their text: datasets name the same company on many lines. A table
 * maps a record's text (without its opening brace, which is how a line holds it after its
 * `cidr`) to the record, so a line whose identity was already read costs a hash and a compare;
 * each slot holds what the compare needs, so a probe touches one cache line before the text.
 *
 * The persons' emails are in a second table, of hashes only (a map of a million email strings
 * would hold more than the records): a hit is confirmed against the record's own email.
 */
export class IdentityStore {
  private readonly pages: Buffer[] = [];
  private page: Buffer = Buffer.allocUnsafeSlow(0);
  private used = 0;
  private readonly addressOf = uint32Column();
  private readonly lengthOf = uint32Column();
  /** The last line naming each record (lines counted from 1), for which email a line claims last. */
  private readonly lastLine = uint32Column();
  /** Open addressing, SLOT numbers a slot. Dropped once loading is done. */
  private texts: Int32Array | null = new Int32Array(SLOT << 12);
  /** The persons' emails while loading: each one's hash and record, tabled once all are read. */
  private readonly emailHashes = int32Column();
  private readonly emailRecords = int32Column();
  /** Email hash and record + 1 (0: empty) per slot. */
  private emails = new Int32Array(2);
  private readonly cacheRecords: Int32Array;
  private readonly cacheIdentities: (Identity | undefined)[];
  /** What the touches read, kept so that no compiler finds the reads unused. */
  private touched = 0;
  private readonly cacheSize: number;

  constructor(options: IdentityStoreOptions = {}) {
    this.cacheSize = Math.max(1, options.cached ?? 65_536);
    this.cacheRecords = new Int32Array(this.cacheSize).fill(-1);
    this.cacheIdentities = new Array<Identity | undefined>(this.cacheSize).fill(undefined);
  }

  get size(): number {
    return this.lengthOf.length;
  }

  /** The record whose text is `{` followed by `bytes[start..end)` (hashed as `hash`), or -1. */
  find(bytes: Uint8Array, start: number, end: number, hash: number): number {
    const texts = defined(this.texts, 'the text table (gone once sealed)');
    const mask = texts.length / SLOT - 1;
    const length = end - start + 1;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const at = slot * SLOT;
      const entry = defined(texts[at + 1], 'a slot');
      if (entry === 0) return -1;
      if (texts[at] === hash && texts[at + 3] === length) {
        const address = defined(texts[at + 2], 'an address') >>> 0;
        const page = defined(this.pages[address >>> PAGE_BITS], 'a page');
        const offset = address & (PAGE_BYTES - 1);
        if (page.compare(bytes, start, end, offset + 1, offset + length) === 0) return entry - 1;
      }
    }
  }

  /** Loads the table slot `find(…, hash)` starts at into the cache, if not there already. */
  touchSlot(hash: number): void {
    const texts = this.texts;
    if (texts) this.touched ^= texts[(hash & (texts.length / SLOT - 1)) * SLOT] ?? 0;
  }

  /** Loads the text of the record in that slot into the cache, if the slot has its hash. */
  touchText(hash: number): void {
    const texts = this.texts;
    if (!texts) return;
    const at = (hash & (texts.length / SLOT - 1)) * SLOT;
    if (texts[at] !== hash || texts[at + 1] === 0) return;
    const address = (texts[at + 2] ?? 0) >>> 0;
    const offset = address & (PAGE_BYTES - 1);
    const page = this.pages[address >>> PAGE_BITS];
    // Its first and last cache lines: the ones between follow in the hardware's prefetch.
    if (page) this.touched ^= (page[offset] ?? 0) ^ (page[offset + (texts[at + 3] ?? 1) - 1] ?? 0);
  }

  /**
   * Stores `{` + `bytes[start..end)` as a new record of `identity` (what the text reads as), which
   * `find` did not know. Returns the record.
   */
  addText(bytes: Uint8Array, start: number, end: number, hash: number, identity: Identity): number {
    const offset = this.reserve(end - start + 1);
    this.page[offset] = OPEN_BRACE;
    // A plain view: Buffer#subarray builds a Buffer, which costs more than the copy.
    this.page.set(new Uint8Array(bytes.buffer, bytes.byteOffset + start, end - start), offset + 1);
    return this.commit(offset, end - start + 1, hash, identity);
  }

  /** The record of an identity read some other way (a line read in full), deduplicated. */
  addIdentity(identity: Identity): number {
    const text = JSON.stringify(identity);
    const length = Buffer.byteLength(text);
    const offset = this.reserve(length);
    this.page.write(text, offset);
    const hash = hashBytes(this.page, offset + 1, offset + length);
    const known = this.find(this.page, offset + 1, offset + length, hash);
    // Known: the bytes just written are left unclaimed and overwritten by the next record.
    return known >= 0 ? known : this.commit(offset, length, hash, identity);
  }

  /** Notes that line `line` names `record`. Lines come in file order. */
  seen(record: number, line: number): void {
    this.lastLine.array[record] = line;
  }

  /**
   * Done adding: the emails are tabled (of records naming the same email, the one a later line
   * names wins), and the text table is dropped.
   */
  seal(): void {
    this.texts = null;
    const count = this.emailHashes.length;
    const size = Math.max(2, 2 ** Math.ceil(Math.log2(count * 2 + 1)));
    const mask = size - 1;
    // In the order of their slots, so the table is filled from start to end, not at random: a
    // random write per email is most of the cost at millions of them.
    const slots = new Uint32Array(count);
    for (let i = 0; i < count; i++) {
      slots[i] = defined(this.emailHashes.array[i], 'a hash') & mask;
    }
    const [, hashes, records] = sortColumns(
      count,
      [slots, this.emailHashes.array, this.emailRecords.array],
      [{ column: 0, bits: Math.log2(size) }],
    );
    this.emailHashes.clear();
    this.emailRecords.clear();
    const table = (this.emails = new Int32Array(size * 2));
    for (let i = 0; i < count; i++) {
      const hash = defined(hashes[i], 'a hash');
      const record = defined(records[i], 'a record');
      for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
        const entry = defined(table[slot * 2 + 1], 'a slot');
        if (entry === 0) {
          table[slot * 2] = hash;
          table[slot * 2 + 1] = record + 1;
          break;
        }
        if (table[slot * 2] === hash && this.sameEmail(entry - 1, record)) {
          if (this.lineOf(record) > this.lineOf(entry - 1)) table[slot * 2 + 1] = record + 1;
          break;
        }
      }
    }
  }

  private lineOf(record: number): number {
    return defined(this.lastLine.array[record], 'a line');
  }

  private sameEmail(a: number, b: number): boolean {
    const email = (record: number) => this.identity(record).person?.email?.toLowerCase();
    return email(a) === email(b);
  }

  /** The identity of a record: frozen, parsed again unless recently asked for. */
  identity(record: number): Identity {
    // A direct-mapped cache: a record has one place, which the last record asked for there
    // holds. No bookkeeping on a hit, and none of a map's on a miss.
    const place = record % this.cacheSize;
    if (this.cacheRecords[place] === record) {
      return defined(this.cacheIdentities[place], 'a cached identity');
    }
    const address = defined(this.addressOf.array[record], 'an address');
    const page = defined(this.pages[address >>> PAGE_BITS], 'a page');
    const offset = address & (PAGE_BYTES - 1);
    const length = defined(this.lengthOf.array[record], 'a length');
    const json: unknown = JSON.parse(page.toString('utf8', offset, offset + length));
    const identity = freezeIdentity(
      defined(readAcceptedIdentity(json), 'the identity of a stored record'),
    );
    this.cacheRecords[place] = record;
    this.cacheIdentities[place] = identity;
    return identity;
  }

  /** The identity the email names (of the last line naming it), or null. */
  byEmail(email: string): Identity | null {
    const slot = this.emailSlot(email);
    return slot < 0 ? null : this.identity(defined(this.emails[slot + 1], 'a record') - 1);
  }

  /** The email table slot (its first field) holding `email`, or -1. */
  private emailSlot(email: string): number {
    let lower: string | null = null;
    const hash = hashEmail(email);
    const emails = this.emails;
    const mask = emails.length / 2 - 1;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const entry = defined(emails[slot * 2 + 1], 'a slot');
      if (entry === 0) return -1;
      if (emails[slot * 2] === hash) {
        lower ??= email.toLowerCase();
        if (this.identity(entry - 1).person?.email?.toLowerCase() === lower) return slot * 2;
      }
    }
  }

  /** Room for `length` bytes in the current page (or a new one); the offset there. */
  private reserve(length: number): number {
    if (this.used + length > this.page.length) {
      if (this.pages.length === MAX_PAGES) throw new Error('identity records exceed 4 GiB');
      this.page = Buffer.allocUnsafeSlow(Math.max(PAGE_BYTES, length));
      this.pages.push(this.page);
      this.used = 0;
    }
    return this.used;
  }

  private commit(offset: number, length: number, hash: number, identity: Identity): number {
    const record = this.size;
    const address = (this.pages.length - 1) * PAGE_BYTES + offset;
    this.used = offset + length;
    this.addressOf.push(address);
    this.lengthOf.push(length);
    this.lastLine.push(0);
    this.placeText(record, hash, address, length);
    const email = identity.person?.email;
    if (email) {
      this.emailHashes.push(hashEmail(email));
      this.emailRecords.push(record);
    }
    return record;
  }

  private placeText(record: number, hash: number, address: number, length: number) {
    let texts = defined(this.texts, 'the text table (gone once sealed)');
    if ((record + 1) * 2 > texts.length / SLOT) {
      // Half full at most, so a miss ends within a probe or two.
      const old = texts;
      texts = this.texts = new Int32Array(old.length * 2);
      for (let at = 0; at < old.length; at += SLOT) {
        const entry = defined(old[at + 1], 'a slot');
        if (entry === 0) continue;
        const [h, a, l] = [old[at], old[at + 2], old[at + 3]];
        placeSlot(
          texts,
          defined(h, 'a hash'),
          entry,
          defined(a, 'an address'),
          defined(l, 'a length'),
        );
      }
    }
    placeSlot(texts, hash, record + 1, address, length);
  }
}

function placeSlot(
  texts: Int32Array,
  hash: number,
  entry: number,
  address: number,
  length: number,
) {
  const mask = texts.length / SLOT - 1;
  let slot = hash & mask;
  while (texts[slot * SLOT + 1] !== 0) slot = (slot + 1) & mask;
  const at = slot * SLOT;
  texts[at] = hash;
  texts[at + 1] = entry;
  texts[at + 2] = address;
  texts[at + 3] = length;
}
