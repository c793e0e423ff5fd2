import { v7 } from 'uuid';

/** Time-ordered ids: inserts stay at the right edge of every primary-key index. */
export const newId = (): string => v7();
