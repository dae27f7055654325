import type { Key } from '../interfaces';
import { decodeKey } from './keys';

export interface LiveFile {
  name: string;
  columnFamilyName: string;
  level: number;
  size: number;
  startKey: Key;
  endKey: Key;
  smallestSeqno: number;
  largestSeqno: number;
}

/**
 * rocksdb-native has no GetLiveFilesMetaData; the `rocksdb.sstables`
 * property lists the same facts as text, one file per line under its level:
 * ` 9:1272[1 .. 1]['6B' seq:1, type:1 .. '6B' seq:1, type:1](0)`.
 */
export function parseSstables(text: string, columnFamilyName: string): LiveFile[] {
  const files: LiveFile[] = [];
  let level = -1;
  for (const line of text.split('\n')) {
    const header = /^--- level (\d+) ---/.exec(line);
    if (header) {
      level = Number(header[1]);
      continue;
    }
    const file = /^\s*(\d+):(\d+)\[(\d+) \.\. (\d+)\]\['([0-9A-Fa-f]*)' seq:\d+, type:\d+ \.\. '([0-9A-Fa-f]*)'/.exec(line);
    if (!file) continue;
    files.push({
      name: `/${file[1].padStart(6, '0')}.sst`,
      columnFamilyName,
      level,
      size: Number(file[2]),
      smallestSeqno: Number(file[3]),
      largestSeqno: Number(file[4]),
      startKey: decodeKey(Buffer.from(file[5], 'hex')),
      endKey: decodeKey(Buffer.from(file[6], 'hex')),
    });
  }
  return files;
}
